/**
 * Runs around every test file of the `shared` project (vitest.config.ts), whose files take turns in
 * a few worker processes: whatever process-wide state a file changes is put back, so the next file
 * starts as it would in a process of its own.
 */
import { afterAll, vi } from 'vitest';

const env = { ...process.env };
const cwd = process.cwd();

afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
  process.chdir(cwd);
});
