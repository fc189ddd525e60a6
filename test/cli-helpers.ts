/**
 * Drive the `arazzo` CLI in-process: `cli(argv, io)` is what the executable (src/cli/main.ts) calls,
 * with an in-memory CliIo instead of the process's streams, environment and signals. The smoke tests
 * of the real executable live in test/cli-smoke.test.ts (and the MCP stdio tests spawn it too).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../src/cli/cli.js';
import type { CliIo, InterruptSignal } from '../src/cli/io.js';
import { ManualClock } from '../src/engine/clock.js';
import type { Clock, RunEvent, StepRecord } from '../src/engine/types.js';

export interface FakeIo extends CliIo {
  /** Everything written to stdout and stderr so far. */
  out: string;
  err: string;
  /** Deliver a signal (Ctrl-C by default) to the handlers the command registered with `onInterrupt`. */
  interrupt(signal?: InterruptSignal): void;
}

/**
 * An in-memory CliIo. `env` is the whole environment the command sees (nothing leaks in from the
 * test process); `stdin` is what `--inputs -` reads; `clock` is what `arazzo run` runs on (the
 * system clock when absent).
 */
export function fakeIo(env: Record<string, string> = {}, stdin = '', clock?: Clock): FakeIo {
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
    ...(clock ? { clock } : {}),
  };
  return io;
}

/**
 * Simulated time for a whole command: a ManualClock that moves forward by itself whenever
 * something sleeps on it (a delay, a retry wait, a slow simulator answer), once the I/O of the
 * moment has settled. Nothing else moves it, so a request takes no time and never times out by
 * itself, a poll loop's count is the same on every run, and an hour of polling takes
 * milliseconds. Give the same clock to the simulator (`startSimulator({ clock })`) so that
 * deployments progress on it too.
 */
export class VirtualClock extends ManualClock {
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const slept = super.sleep(ms, signal);
    const at = this.now() + Math.max(0, ms);
    setImmediate(() => void this.advance(Math.max(0, at - this.now())));
    return slept;
  }
}

export interface CliRun {
  /** The exit code the executable would exit with. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `arazzo <argv…>` in-process and collect its exit code and output. */
export async function runCli(argv: readonly string[], options: { env?: Record<string, string>; stdin?: string; clock?: Clock } = {}): Promise<CliRun> {
  const io = fakeIo(options.env, options.stdin, options.clock);
  const code = await cli(argv, io);
  return { code, stdout: io.out, stderr: io.err };
}

/** The root of the repository and the built CLI (`dist/cli/main.js`, built by the global setup), for tests that spawn it. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'main.js');

/**
 * A `step.finished` event of workflow `wf` for the renderers' tests (progress, report, trace): a
 * GET of `http://127.0.0.1:1/api/jobs/7` that answered 200 in 30 ms, unless `extra` says otherwise.
 */
export function stepFinishedEvent(stepId: string, startedAt: number, extra: Partial<StepRecord> = {}): RunEvent {
  const record: StepRecord = {
    workflowId: 'wf',
    stepId,
    outcome: 'succeeded',
    statusCode: 200,
    method: 'GET',
    url: 'http://127.0.0.1:1/api/jobs/7',
    startedAt,
    durationMs: 30,
    outputs: {},
    ...extra,
  };
  return { runId: 'r1', type: 'step.finished', time: startedAt + record.durationMs, workflowId: 'wf', stepId, record };
}
