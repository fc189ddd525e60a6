import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once, and only when stale, for the few tests that run the built package.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each test file runs in a fresh process (isolation stays on: files may count on a fresh module
    // graph, nock's interception and process.env). One worker per core: vitest's default of cores - 1
    // ran the files one at a time on a 2-core machine, and these tests wait on sockets as much as on the CPU.
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
