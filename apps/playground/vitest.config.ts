import { defineProject } from 'vitest/config';

// Browser end-to-end tests: they build the app, serve it, and drive Chromium; give them time.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'playground',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
