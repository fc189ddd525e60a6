/**
 * Vitest global setup: build dist/ once per `npm test`, before any test file starts, and only when a
 * source changed since the last successful build. A few tests run the built package in a child
 * process (test/cli-smoke.test.ts, the cross-process resume, the examples); everything else imports
 * src/ directly. A type error fails the run here, as `npm run build && vitest run` used to.
 *
 * The CLI keeps a read cache on disk (src/reader/cache.ts). Spawned CLIs inherit the environment, so
 * point the cache at a temporary directory for the run: tests never read or fill the user's cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale } from '../scripts/build.mjs';

export default function setup(): () => void {
  buildIfStale();
  const cacheDir = mkdtempSync(join(tmpdir(), 'arazzo-test-cache-'));
  process.env.ARAZZO_CACHE_DIR = cacheDir;
  return () => rmSync(cacheDir, { recursive: true, force: true });
}
