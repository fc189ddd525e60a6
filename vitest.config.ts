import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files that must not share a process with the others. nock patches `http` and the global
 * `fetch` for the whole process as soon as it is imported, so a file that uses it must not run where
 * files without nock run. The nock files share their worker processes among themselves (each one
 * cleans its interceptors up): a process per file cost ~0.8 s of CPU each to start and import the
 * library again. (`fileParallelism: false` would put them in one process, but vitest refuses two
 * projects with different worker counts in the same group, and a group of their own runs alone.)
 */
const isolated = readdirSync('test')
  .filter((name) => name.endsWith('.test.ts') && /from 'nock'/.test(readFileSync(`test/${name}`, 'utf8')))
  .map((name) => `test/${name}`);

export default defineConfig({
  test: {
    // Builds dist/ once, and only when stale, for the few tests that run the built package.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One worker per core: vitest's default of cores - 1 ran the files one at a time on a 2-core
    // machine, and these tests wait on sockets and child processes as much as on the CPU.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      {
        // Most files run one after another in a shared worker process: starting a process and
        // loading the library again for each of 40 files cost as much as the tests themselves.
        // test/shared-setup.ts puts back the environment and timers after each file.
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: isolated, isolate: false, setupFiles: ['test/shared-setup.ts'] },
      },
      { extends: true, test: { name: 'isolated', include: isolated, isolate: false, setupFiles: ['test/shared-setup.ts'] } },
    ],
  },
});
