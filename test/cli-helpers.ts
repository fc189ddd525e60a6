/**
 * Drive the `arazzo` CLI in-process: `cli(argv, io)` is what the executable (src/cli/main.ts) calls,
 * with an in-memory CliIo instead of the process's streams, environment and signals. The smoke tests
 * of the real executable live in test/cli-smoke.test.ts (and the MCP stdio tests spawn it too).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../src/cli/cli.js';
import type { CliIo, InterruptSignal } from '../src/cli/io.js';

export interface FakeIo extends CliIo {
  /** Everything written to stdout and stderr so far. */
  out: string;
  err: string;
  /** Deliver a signal (Ctrl-C by default) to the handlers the command registered with `onInterrupt`. */
  interrupt(signal?: InterruptSignal): void;
}

/**
 * An in-memory CliIo. `env` is the whole environment the command sees (nothing leaks in from the
 * test process); `stdin` is what `--inputs -` reads.
 */
export function fakeIo(env: Record<string, string> = {}, stdin = ''): FakeIo {
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const io: FakeIo = {
    out: '',
    err: '',
    stdout: { write: (t: string) => void (io.out += t), isTTY: false },
    stderr: { write: (t: string) => void (io.err += t), isTTY: false },
    env,
    readStdin: async () => stdin,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    interrupt: (signal = 'SIGINT') => {
      for (const handler of [...handlers]) handler(signal);
    },
  };
  return io;
}

export interface CliRun {
  /** The exit code the executable would exit with. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `arazzo <argv…>` in-process and collect its exit code and output. */
export async function runCli(argv: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  const io = fakeIo(options.env, options.stdin);
  const code = await cli(argv, io);
  return { code, stdout: io.out, stderr: io.err };
}

/** The root of the repository and the built CLI (`dist/cli/main.js`, built by the global setup), for tests that spawn it. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'main.js');
