/** An in-memory CliIo for driving `cli()` in-process: what it writes is collected in `out` and `err`. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/cli/io.js';

export function fakeIo(env: Record<string, string> = {}, stdin = ''): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (t: string) => void (io.out += t), isTTY: false },
    stderr: { write: (t: string) => void (io.err += t), isTTY: false },
    env,
    readStdin: async () => stdin,
    onInterrupt: () => () => {},
  };
  return io;
}

/** The root of the repository and the built CLI (`dist/cli/main.js`). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Build dist/ when a source file is newer than the built CLI (`npm test` builds first anyway), for tests that spawn it. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir).reduce((m, name) => {
      const p = join(dir, name);
      const st = statSync(p);
      return Math.max(m, st.isDirectory() ? newest(p) : name.endsWith('.ts') ? st.mtimeMs : 0);
    }, 0);
  if (existsSync(BUILT_CLI) && statSync(BUILT_CLI).mtimeMs >= newest(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { stdio: 'pipe' });
}
