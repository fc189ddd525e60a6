/** An in-memory CliIo for driving `cli()` in-process: what it writes is collected in `out` and `err`. */
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
