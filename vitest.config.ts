import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/**/*.slow.test.ts', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: keep parallelism modest so timing-sensitive tests stay reliable.
    pool: 'forks',
    maxWorkers: 2,
  },
});
