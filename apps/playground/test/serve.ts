import { fileURLToPath } from 'node:url';
import { build, type PreviewServer, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Build the app for production and serve it with `vite preview` on a free localhost port. */
export async function buildAndServe(): Promise<{ url: string; close(): Promise<void> }> {
  await build({ root, logLevel: 'warn' });
  const server: PreviewServer = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}
