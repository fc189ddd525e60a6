/**
 * A content-addressed cache of parse results on disk, the data counterpart of Node's compile
 * cache: the `yaml` package and json-schema-ref-parser cost ~150 ms of CPU in a cold process for
 * the seed workflow and its 26 KB description, and the same text always parses to the same data.
 *
 * - Off unless enabled: the CLI enables it (`ARAZZO_CACHE_DIR`, default
 *   `$XDG_CACHE_HOME/arazzo-engine` or `~/.cache/arazzo-engine`; `ARAZZO_CACHE_DIR=off` disables).
 * - An entry is keyed by a SHA-256 of the text, the kind of result and this build (the package
 *   version and the build time of this file), so a text, or a build, that changes misses.
 * - Only successes are stored; failures are parsed again, so problems always come from the parser.
 * - Best effort: a directory not owned by the user or writable by others is not used, and every
 *   read or write error just means a miss. Entries are written atomically (temp file + rename);
 *   the directory is pruned to the newest 400 entries now and then.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_ENTRIES = 400;

let directory: string | undefined;
let build: string | undefined;

/**
 * Use a cache directory from `env` (ARAZZO_CACHE_DIR, XDG_CACHE_HOME, HOME). Returns the directory,
 * or undefined when caching stays off (disabled, no home, or an unsafe directory).
 */
export function enableReadCache(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const configured = env.ARAZZO_CACHE_DIR;
  if (configured !== undefined && /^(|0|off|false|no)$/i.test(configured.trim())) return (directory = undefined);
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const dir = configured || (base ? join(base, 'arazzo-engine') : undefined);
  if (!dir) return (directory = undefined);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = statSync(dir);
    const mine = typeof process.getuid !== 'function' || info.uid === process.getuid();
    if (!info.isDirectory() || !mine || (info.mode & 0o022) !== 0) return (directory = undefined);
    build ??= `${packageVersion()}:${statSync(fileURLToPath(import.meta.url)).mtimeMs}`;
  } catch {
    return (directory = undefined);
  }
  directory = dir;
  return dir;
}

/** Switch the cache off again (tests). */
export function disableReadCache(): void {
  directory = undefined;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

function entryPath(kind: string, text: string): string | undefined {
  if (!directory) return undefined;
  const hash = createHash('sha256').update(`${build}\0${kind}\0`).update(text).digest('hex');
  return join(directory, `${hash}.json`);
}

/** The value stored for `text` under `kind`, or undefined. */
export function readCached<T>(kind: string, text: string): T | undefined {
  const path = entryPath(kind, text);
  if (!path) return undefined;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { value: T }).value;
  } catch {
    return undefined;
  }
}

const NOT_JSON = new Error('not plain JSON data');

/**
 * Store `value` for `text` under `kind`, unless it is not plain JSON data (a cycle, `.inf`/`.nan`)
 * or its JSON is longer than `maxLength` characters.
 */
export function writeCached(kind: string, text: string, value: unknown, maxLength = Number.POSITIVE_INFINITY): void {
  const path = entryPath(kind, text);
  if (!path) return;
  try {
    const json = JSON.stringify({ value }, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw NOT_JSON;
      return v;
    });
    if (json.length > maxLength) return;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, json, { mode: 0o600 });
    renameSync(temp, path);
    if (Math.random() < 0.05) prune();
  } catch {
    // A full disk or a read-only home: the next start parses again.
  }
}

function prune(): void {
  const dir = directory!;
  const entries = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ name, time: statSync(join(dir, name)).mtimeMs }));
  if (entries.length <= MAX_ENTRIES) return;
  entries.sort((a, b) => b.time - a.time);
  for (const { name } of entries.slice(MAX_ENTRIES)) unlinkSync(join(dir, name));
}
