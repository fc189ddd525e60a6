/** What a command touches of the process, so commands can be driven in-process by tests. */
import { readFileSync } from 'node:fs';
import type { Clock } from '../engine/types.js';

export interface Writer {
  write(text: string): void;
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

/**
 * The signals that stop a run cleanly: Ctrl-C (SIGINT), and SIGTERM and SIGHUP, with which CI
 * runners, systemd and container runtimes stop a process and a closing terminal hangs it up.
 */
export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const INTERRUPT_SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface CliIo {
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
  /** Register a handler for Ctrl-C, SIGTERM and SIGHUP; returns a function that removes it. */
  onInterrupt(handler: (signal: InterruptSignal) => void): () => void;
  /**
   * The clock `arazzo run` runs on (delays, retries, timeouts, durations). Internal: the executable
   * leaves it out (the system clock); tests pass a ManualClock so that a polling run takes no real time.
   */
  readonly clock?: Clock;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    onInterrupt: (handler) => {
      const listeners = INTERRUPT_SIGNALS.map((signal) => {
        const listener = (): void => {
          // After a hang-up (or with a reader gone) writing to the terminal fails; the report
          // and the trace still have to be written, so a failed write must not end the process.
          for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
          handler(signal);
        };
        process.on(signal, listener);
        return [signal, listener] as const;
      });
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
      };
    },
  };
}

let cachedVersion: string | undefined;

/** The package version, read from package.json next to dist/ (or src/). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}
