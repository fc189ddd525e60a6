/**
 * Time as an injectable effect. The engine never calls Date.now() or setTimeout directly: it asks
 * a Clock, so tests drive delays, retries and timeouts with a ManualClock and never sleep.
 */
import { ArazzoError } from '../errors.js';
import type { Clock } from './types.js';

function cancelled(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof ArazzoError) return reason;
  return new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.');
}

/**
 * The longest delay Node's setTimeout honours (2^31 - 1 ms, about 24.8 days); a longer one fires
 * after 1 ms. Longer waits are chained from timers of at most this length.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout for any delay: chained past MAX_TIMER_MS. Returns a cancel function. */
function longTimeout(ms: number, fn: () => void, unref = false): () => void {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    if (left > MAX_TIMER_MS) {
      const due = Date.now() + left;
      timer = setTimeout(() => arm(due - Date.now()), MAX_TIMER_MS);
    } else timer = setTimeout(fn, left);
    if (unref) timer.unref();
  };
  // NaN (no delay given) waits nothing, as setTimeout does.
  arm(Number.isNaN(ms) ? 0 : Math.max(0, ms));
  return () => clearTimeout(timer);
}

/** The real clock: Date.now() and setTimeout (chained for waits longer than setTimeout allows). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): () => void {
    return longTimeout(ms, fn);
  },
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        cancel();
        reject(cancelled(signal as AbortSignal));
      };
      const cancel = longTimeout(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` moves time forward and wakes the sleepers
 * whose time has come, in order; `runUntilIdle()` keeps jumping to the next sleeper.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Number of pending sleeps. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** The requested durations of pending sleeps, soonest first. */
  pendingDelays(): number[] {
    return this.sleepers.map((s) => s.at - this.time);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(cancelled(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    });
  }

  setTimer(ms: number, fn: () => void): () => void {
    const sleeper: Sleeper = { at: this.time + Math.max(0, ms), seq: this.seq++, resolve: fn };
    this.sleepers.push(sleeper);
    this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return () => {
      const i = this.sleepers.indexOf(sleeper);
      if (i >= 0) this.sleepers.splice(i, 1);
    };
  }

  /** Move time forward by `ms`, waking every sleeper due by then. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await flush();
      const first = this.sleepers[0];
      if (!first || first.at > target) break;
      this.sleepers.shift();
      this.time = Math.max(this.time, first.at);
      first.resolve();
    }
    this.time = target;
    await flush();
  }

  /** Wake sleepers one after another (jumping time) until none is left or `maxWakes` is reached. */
  async runUntilIdle(maxWakes = 100_000): Promise<void> {
    for (let i = 0; i < maxWakes; i++) {
      await flush();
      const first = this.sleepers.shift();
      if (!first) return;
      this.time = Math.max(this.time, first.at);
      first.resolve();
    }
  }
}

/** Let pending promise callbacks and I/O callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Run `fn` after `ms` on `clock`; returns a cancel function. Uses `setTimer` when the clock has it. */
export function startTimer(clock: Clock, ms: number, fn: () => void): () => void {
  if (clock.setTimer) return clock.setTimer(ms, fn);
  const ac = new AbortController();
  clock.sleep(ms, ac.signal).then(fn, () => undefined);
  return () => ac.abort(TIMER_CANCELLED);
}

const TIMER_CANCELLED = new ArazzoError('TIMER_CANCELLED', 'timer cancelled');

/** A re-armable timeout for one sequence of operations (the requests of a run, one at a time). */
export interface TimeoutSlot {
  /** Call `fn` after `ms` unless `disarm` is called first. One arm at a time. */
  arm(ms: number, fn: () => void): void;
  disarm(): void;
  /** Release the underlying timer. */
  dispose(): void;
}

/**
 * On the system clock, one Node timer is re-armed with `refresh()` for each request instead of a
 * new setTimeout/clearTimeout pair (a measurable share of a loopback request). Other clocks use
 * `startTimer`.
 */
export function timeoutSlot(clock: Clock): TimeoutSlot {
  return clock === systemClock ? new SystemTimeoutSlot() : new ClockTimeoutSlot(clock);
}

/** A slot on any clock: one `startTimer` per arm. */
class ClockTimeoutSlot implements TimeoutSlot {
  private cancel: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  arm(ms: number, fn: () => void): void {
    this.cancel?.();
    this.cancel = startTimer(this.clock, ms, fn);
  }

  disarm(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  dispose(): void {
    this.disarm();
  }
}

/** A slot on the system clock: one Node timer per run, refreshed for each arm (a class: no closures per run). */
class SystemTimeoutSlot implements TimeoutSlot {
  private timer: NodeJS.Timeout | undefined;
  private timerMs = -1;
  private current: (() => void) | undefined;
  /** A chained timer for a timeout longer than setTimeout allows (rare). */
  private long: (() => void) | undefined;

  arm(ms: number, fn: () => void): void {
    if (ms > MAX_TIMER_MS) {
      this.long?.();
      this.long = longTimeout(ms, fn, true);
      return;
    }
    this.current = fn;
    if (this.timer && this.timerMs === ms) this.timer.refresh();
    else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(SystemTimeoutSlot.fire, Math.max(0, ms), this);
      this.timer.unref();
      this.timerMs = ms;
    }
  }

  disarm(): void {
    this.current = undefined;
    if (this.long) {
      this.long();
      this.long = undefined;
    }
  }

  dispose(): void {
    this.disarm();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private static fire(slot: SystemTimeoutSlot): void {
    const fn = slot.current;
    slot.current = undefined;
    fn?.();
  }
}
