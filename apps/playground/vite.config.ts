import preact from '@preact/preset-vite';
import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages resolve to their TypeScript sources (the `source` export condition), so the app
// needs no prior `pnpm build` of the libraries. The Node-only pieces of the backends (Dawn's `webgpu`
// package, koffi) are never reached in the browser; they stay out of the bundle.
const cudaServer = process.env.GEMMKIT_CUDA_SERVER ?? 'http://127.0.0.1:5199';

export default defineConfig({
  plugins: [preact()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rollupOptions: { external: ['webgpu', 'koffi', /^node:/] },
  },
  server: { proxy: { '/api': cudaServer } },
  preview: { proxy: { '/api': cudaServer } },
});
