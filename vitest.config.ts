import { defineConfig } from 'vitest/config';

// One vitest project per package/app; each has its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
