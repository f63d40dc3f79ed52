import { defineConfig } from 'vitest/config';

// One vitest project per package/app; each has its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    // One temporary root per run, removed at its end (scripts/vitest-temp-root.ts).
    globalSetup: ['scripts/vitest-temp-root.ts'],
  },
});
