#!/usr/bin/env node
/**
 * Build dist/ with tsc only when it is stale: when a file under src/, tsconfig.json, package.json or
 * the installed dependencies changed after the last successful build. `npm install` (the `prepare`
 * script), `npm run demo` and `npm test` (vitest's global setup) all go through here, so a fresh
 * clone compiles once. `npm run build` still runs tsc unconditionally.
 *
 *   node scripts/build.mjs            # build if stale, else do nothing
 *   node scripts/build.mjs --force    # always build
 *
 * A build that fails (a type error) writes no stamp, so the next call tries again and fails the same
 * way: `npm test` never runs on sources that do not compile.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written after every successful build; its mtime is the time of that build. */
export const STAMP = join('dist', '.build-stamp');

/** The newest modification time (ms) of a file under `dir`, or 0 for an empty or missing folder. */
function newestUnder(dir) {
  let newest = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop();
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Why dist/ must be rebuilt under `root`, or undefined when the last successful build is current. */
export function staleReason(root = ROOT) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp)) return 'no successful build yet';
  const built = statSync(stamp).mtimeMs;
  const inputs = [
    ['src/', newestUnder(join(root, 'src'))],
    ...['tsconfig.json', 'package.json', 'node_modules/.package-lock.json'].map((f) => [f, existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0]),
  ];
  const changed = inputs.filter(([, mtime]) => mtime > built).map(([name]) => name);
  return changed.length > 0 ? `changed since the last build: ${changed.join(', ')}` : undefined;
}

function runTsc(root) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Build when stale (or when `force`). Returns `{ built: false }` when dist/ was current, `{ built:
 * true, reason }` after a successful build; throws with tsc's output when the build fails.
 */
export function buildIfStale({ root = ROOT, force = false, tsc = runTsc, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const reason = force ? 'forced' : staleReason(root);
  if (reason === undefined) return { built: false };
  log(`Building dist/ with tsc (${reason})…`);
  // The stamp carries the time the build started: a source saved while tsc runs makes the next call rebuild.
  const started = new Date();
  const { ok, output } = tsc(root);
  if (!ok) throw new Error(`tsc failed; dist/ may be incomplete. Fix the errors below, then run the command again.\n${output}`);
  const stamp = join(root, STAMP);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
  return { built: true, reason };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildIfStale({ force: process.argv.includes('--force') });
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
