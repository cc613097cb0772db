import { defineConfig } from 'vitest/config';

// Three suites; test/run.js (npm test) picks which run and reports any it skips, with the reason.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['geo/**/*.test.ts', 'server/**/*.test.ts', 'cli/**/*.test.ts', 'client/**/*.test.ts', 'jobs/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/bench/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'server/**/*.db.test.ts', 'cli/**/*.db.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // One embedded PostGIS serves the run and it is a single session: files run one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
