/**
 * One activation of a run on a worker: from the moment BullMQ hands the job over until the run
 * ends, is parked in the delayed set, is handed back, or is lost to another worker.
 *
 * The loop is `runWorkflow`'s (docs/engine.md, "The core"), with three differences:
 * - every checkpoint goes to Redis (the sealed state and the events since the last one, in one
 *   atomic write that holds only while this worker owns the job) before the next step starts;
 * - a wait of at least `delayThresholdMs` is not taken here: the state is stored and the job moves
 *   to the delayed set until the wait is over;
 * - a run that was asked to cancel (pub/sub, or the flag seen at pickup or with a checkpoint) is
 *   stopped at once, its request in flight aborted.
 */
import { DelayedError, type Job } from 'bullmq';
import { coerceInput } from '../document/input-text.js';
import { type CoreEvent, type Transition, waitingOn } from '../engine/core/types.js';
import { RunDriver } from '../engine/run.js';
import type { RunState } from '../engine/state.js';
import type { RunErrorInfo, RunEvent, RunOptions } from '../engine/types.js';
import { ArazzoError } from '../errors.js';
import { createMasker, Masker } from '../engine/mask.js';
import { seal, sealedPath, sealedReferences, type SecretValue, unseal } from './seal.js';
import { isSealedReference, SEAL_KEY_HOWTO } from './seal-key.js';
import { resolveSecrets } from './secrets.js';
import { CANCEL_MESSAGE, type JobData, PROGRESS_FIELD, type QueueRunResult, type RunProgress, type StoredPosition } from './types.js';
import type { CachedDocument, WorkerContext } from './worker.js';

/** Thrown when a checkpoint finds the job's lock held by another worker: this activation is over. */
class LockLost extends Error {
  constructor(runId: string) {
    super(`run ${runId} was taken over by another worker (this one stalled past its lock)`);
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class JobRun {
  private readonly runId: string;
  private readonly data: JobData;
  private progress: RunProgress = {};
  private readonly abort = new AbortController();
  private cancelRequested = false;
  private handingOver = false;
  /** Events (JSON) emitted since the last checkpoint written. */
  private readonly pending: string[] = [];
  /** The submitted secrets, resolved by this worker. */
  private secrets: SecretValue[] = [];
  /**
   * Secrets the run obtained itself (a login's token), by value, with their `sealed:` reference:
   * one ciphertext per value for the whole activation. Known from the stored state at pickup, and
   * learnt from the driver at each checkpoint.
   */
  private readonly obtained = new Map<string, SecretValue>();
  private driver: RunDriver | undefined;
  private document: CachedDocument | undefined;
  /** The transition being carried out (its wait says where the run is, for `status`). */
  private current: Transition | undefined;
  /** Set while the run is being parked: its checkpoint is written once, with the wake-up time. */
  private parking = false;

  constructor(
    private readonly worker: WorkerContext,
    private readonly job: Job<JobData>,
    private readonly token: string,
  ) {
    this.runId = job.id as string;
    this.data = job.data;
  }

  /** Stop the run at once (`cancel`): a request in flight is aborted. */
  cancel(): void {
    this.cancelRequested = true;
    this.abort.abort();
  }

  /** Give the run back to the queue at its next step boundary (`close`). */
  handOver(): void {
    this.handingOver = true;
  }

  async execute(): Promise<void> {
    const w = this.worker;
    w.counters.activations += 1;
    let driver: RunDriver | undefined;
    try {
      // Where the run is, and whether it was asked to cancel: one round trip.
      const [[, stored], [, flag]] = (await w.redis.multi().hget(w.keys.job(this.runId), PROGRESS_FIELD).exists(w.keys.cancel(this.runId)).exec()) as [
        [unknown, string | null],
        [unknown, number],
      ];
      const prior = stored ? (JSON.parse(stored) as RunProgress) : {};
      if (prior.result) return; // ended in an earlier activation, which died before BullMQ recorded it
      this.progress = { ...prior, activations: (prior.activations ?? 0) + 1, startedAt: prior.startedAt ?? Date.now() };
      if (flag === 1) this.cancel();
      const document = await w.document(this.data.doc);
      this.document = document;
      const resolved = await resolveSecrets(this.data.secrets ?? {}, { runId: this.runId, workflowId: this.data.workflowId }, w.options.secrets, w.env);
      this.secrets = resolved.values;
      const resumed = this.progress.state !== undefined;
      const state = resumed ? this.unsealState(this.progress.state) : undefined;
      driver = new RunDriver(document.doc, this.data.workflowId, this.runOptions());
      this.driver = driver;
      let t: Transition;
      if (resumed) t = await driver.resume(state);
      else t = await driver.start({ ...this.data.inputs, ...this.coerce(document, resolved.inputs) }, this.runId);
      w.log(`run ${this.runId} ${resumed ? 'resumed' : 'started'} (${this.data.workflowId}, activation ${this.progress.activations})`);
      await this.loop(driver, t);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof LockLost) {
        w.counters.lost += 1;
        w.log(err.message);
        throw err;
      }
      // A run that cannot start or go on here (its documents expired, a secret this worker cannot
      // resolve, a bug) ends failed, with the reason as its error.
      await this.finish(undefined, this.failure(err), driver);
    } finally {
      driver?.close();
    }
  }

  private runOptions(): RunOptions {
    const o = this.worker.options;
    const stored = this.data.options ?? {};
    const level = this.worker.events;
    return {
      ...(o.http ? { http: o.http } : {}),
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.proxyFromEnv !== undefined ? { proxyFromEnv: o.proxyFromEnv } : {}),
      ...(stored.servers ? { servers: stored.servers } : {}),
      ...(stored.limits ? { limits: stored.limits } : {}),
      ...(stored.followRedirects !== undefined ? { followRedirects: stored.followRedirects } : {}),
      // The secrets obtained before this activation too: they stay masked, and sealed again.
      secrets: [...this.secrets, ...this.obtained.values()].map((s) => s.value),
      signal: this.abort.signal,
      onCheckpoint: (state) => (state.status === 'running' && !this.parking ? this.checkpoint(state) : undefined),
      ...(level === 'none'
        ? {}
        : {
            onEvent: (event: RunEvent) => {
              if (level === 'steps' && (event.type === 'request.sent' || event.type === 'response.received')) return;
              this.pending.push(JSON.stringify(event));
            },
          }),
    };
  }

  /** Secret inputs arrive as text; an input declared as a number, boolean or JSON value is coerced as `--input-env` does. */
  private coerce(document: CachedDocument, values: Record<string, string>): Record<string, unknown> {
    const inputs = document.doc.workflows.get(this.data.workflowId)?.inputs ?? [];
    const out: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(values)) {
      const desc = inputs.find((i) => i.name === name);
      out[name] =
        desc && desc.types.length > 0 && !desc.types.includes('string')
          ? coerceInput(raw, desc, { secret: true, origin: this.data.secrets?.[name] ?? name })
          : raw;
    }
    return out;
  }

  private async loop(driver: RunDriver, first: Transition): Promise<void> {
    const w = this.worker;
    let t = first;
    for (;;) {
      this.current = t;
      const wait = t.state.status === 'running' ? waitingOn(t) : undefined;
      if (wait === undefined) {
        await driver.deliver(t);
        break;
      }
      if (!this.abort.signal.aborted) {
        let wakeAt: number | undefined;
        const handover = this.handingOver || w.closing;
        if (handover) wakeAt = Date.now();
        else if (wait.type === 'sleep') {
          const deadline = driver.machine.timeoutMs !== undefined ? t.state.startedAt + driver.machine.timeoutMs : Number.POSITIVE_INFINITY;
          const until = Math.min(wait.until, deadline);
          if (until - Date.now() >= w.delayThresholdMs) wakeAt = until;
        }
        if (wakeAt !== undefined) {
          if (await this.park(driver, t, wakeAt, handover)) return;
          // Cancelled while parking: stop here instead.
          t = driver.advance(t.state, this.stopEvent());
          continue;
        }
      }
      if (wait.type === 'send') w.counters.steps += 1;
      let event = await driver.perform(t);
      if (!event) break;
      if (event.type === 'stop' && event.error.code === 'RUN_CANCELLED' && this.cancelRequested) event = this.stopEvent(event.now);
      t = driver.advance(t.state, event);
    }
    await this.finish(t.state, undefined, driver);
  }

  private stopEvent(now = Date.now()): CoreEvent {
    return { type: 'stop', now, error: { code: 'RUN_CANCELLED', message: CANCEL_MESSAGE } };
  }

  /**
   * Store the state and move the job to the delayed set until `wakeAt` (now: hand it over). Returns
   * false when the run turned out to be cancelled meanwhile (then it is not parked).
   */
  private async park(driver: RunDriver, t: Transition, wakeAt: number, handover: boolean): Promise<boolean> {
    const w = this.worker;
    this.parking = true;
    try {
      await driver.deliver(t);
    } finally {
      this.parking = false;
    }
    await this.checkpoint(t.state, wakeAt);
    if (this.abort.signal.aborted) return false;
    await this.job.moveToDelayed(wakeAt, this.token);
    if (handover) w.counters.handedOver += 1;
    else w.counters.delayed += 1;
    w.log(handover ? `run ${this.runId} handed back to the queue` : `run ${this.runId} delayed until ${new Date(wakeAt).toISOString()}`);
    throw new DelayedError();
  }

  /** Where the run waits now, for `status`. */
  private position(wakeAt?: number): StoredPosition | undefined {
    const wait = this.current ? waitingOn(this.current) : undefined;
    if (!wait) return this.progress.at;
    const stepId = wait.type === 'send' ? wait.step.stepId : wait.stepId;
    return { workflowId: wait.workflowId, stepId, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  }

  /**
   * Write the checkpoint: the sealed state, where the run is, the events since the last one, and
   * (at the end) the result; only while this worker holds the job. Learns of a cancel request.
   */
  private async checkpoint(state: RunState | undefined, wakeAt?: number, result?: QueueRunResult): Promise<void> {
    const w = this.worker;
    const at = this.position(wakeAt);
    if (result) {
      // Over: the result is what is kept; the state is no longer needed.
      const { state: _done, ...rest } = this.progress;
      this.progress = { ...rest, ...(at ? { at } : {}), result };
    } else {
      this.progress = { ...this.progress, ...(state ? { state: this.sealState(state) } : {}), ...(at ? { at } : {}) };
    }
    const now = Date.now();
    const waitMs = wakeAt !== undefined ? Math.max(0, wakeAt - now) : 0;
    const eventsTtl = result ? this.data.retentionMs : this.data.retentionMs + waitMs + DAY_MS;
    const extend = wakeAt !== undefined && this.document ? this.document.keys : [];
    const events = this.pending.splice(0);
    const reply = await w.redis.arazzoCheckpoint(
      3 + extend.length,
      w.keys.job(this.runId),
      w.keys.events(this.runId),
      w.keys.cancel(this.runId),
      ...extend,
      this.token,
      JSON.stringify(this.progress),
      eventsTtl,
      result ? 'set' : 'extend',
      this.data.documentTtlMs + waitMs,
      // A finished run's job expires with its events (BullMQ records the end within moments).
      result ? this.data.retentionMs + 1_000 : 0,
      events.length,
      ...events,
    );
    if (reply < 0) throw new LockLost(this.runId);
    if (reply === 1 && !result && !this.abort.signal.aborted) this.cancel();
  }

  /** The run is over: write its final checkpoint with the result. */
  private async finish(state: RunState | undefined, error: RunErrorInfo | undefined, driver: RunDriver | undefined): Promise<void> {
    const w = this.worker;
    let result: QueueRunResult;
    if (state && driver) {
      const r = driver.result(state);
      result = {
        runId: this.runId,
        workflowId: r.workflowId,
        status: r.status,
        // In clear in-process (the caller's), but Redis is no place for them: masked as in run.finished.
        outputs: new Masker(this.knownSecrets()).value(r.outputs),
        ...(r.error ? { error: r.error } : {}),
        stepExecutions: r.stepExecutions,
        durationMs: r.durationMs,
      };
    } else {
      const prior = this.progress.state as { stepExecutions?: unknown } | undefined;
      const durationMs = Date.now() - (this.progress.startedAt ?? this.data.submittedAt);
      const info = error ?? { code: 'INTERNAL_ERROR', message: 'The run ended without a result.' };
      result = {
        runId: this.runId,
        workflowId: this.data.workflowId,
        status: 'failed',
        outputs: {},
        error: info,
        stepExecutions: typeof prior?.stepExecutions === 'number' ? prior.stepExecutions : 0,
        durationMs,
      };
      this.pending.push(
        JSON.stringify({
          type: 'run.finished',
          time: Date.now(),
          runId: this.runId,
          workflowId: this.data.workflowId,
          status: 'failed',
          outputs: {},
          error: info,
          durationMs,
        } satisfies RunEvent),
      );
    }
    if (this.worker.events === 'none' && state) {
      this.pending.push(
        JSON.stringify({
          type: 'run.finished',
          time: Date.now(),
          runId: this.runId,
          workflowId: result.workflowId,
          status: result.status,
          outputs: result.outputs,
          ...(result.error ? { error: result.error } : {}),
          durationMs: result.durationMs,
        } satisfies RunEvent),
      );
    }
    await this.checkpoint(state, undefined, result);
    w.counters.finished += 1;
    w.log(`run ${this.runId} ${result.error?.code === 'RUN_CANCELLED' ? 'cancelled' : result.status}${result.error ? ` (${result.error.code})` : ''}`);
  }

  /** An error that ended the run outside the engine, as the run's error (masked: no secret value in it). */
  private failure(err: unknown): RunErrorInfo {
    const e =
      err instanceof ArazzoError ? err : new ArazzoError('INTERNAL_ERROR', `Internal error in the queue worker: ${(err as Error)?.message ?? String(err)}`);
    return { code: e.code, message: createMasker(this.knownSecrets())(e.message) };
  }

  /** Every secret value of the run this worker knows: submitted, obtained before, and learnt by the driver. */
  private knownSecrets(): string[] {
    return [...this.secrets.map((s) => s.value), ...this.obtained.keys(), ...(this.driver?.secretValues() ?? [])];
  }

  /**
   * The stored state with its placeholders replaced: submitted secrets by the values this worker
   * resolved, obtained ones decrypted with the sealing key (QUEUE_SEAL_KEY_REQUIRED without one,
   * QUEUE_SEAL_KEY_MISMATCH under another).
   */
  private unsealState(stored: unknown): unknown {
    for (const ref of sealedReferences(stored)) {
      if (!isSealedReference(ref)) continue;
      const key = this.worker.sealKey;
      if (!key) {
        throw new ArazzoError(
          'QUEUE_SEAL_KEY_REQUIRED',
          `The stored state of run ${this.runId} holds secrets the run obtained at run time, sealed under the workers' key, and this worker has no key: start it with ARAZZO_SEAL_KEY (createArazzoWorker({ sealKey })) set to the key the other workers of the queue use.`,
        );
      }
      const value = key.open(ref, this.runId);
      this.obtained.set(value, { ref, value });
    }
    return unseal(stored, [...this.secrets, ...this.obtained.values()]);
  }

  /**
   * The state as stored: every submitted secret replaced by its reference, every secret the run
   * obtained itself (the driver's masker knows them: secret-named outputs, secret header parts)
   * by its value encrypted under the sealing key. Without a key, a state that would hold such a
   * secret is not stored: QUEUE_SEAL_KEY_REQUIRED, naming where the secret is.
   */
  private sealState(state: RunState): unknown {
    const submitted = this.secrets.map((s) => s.value).filter((v) => v.length >= MIN_SECRET_LENGTH);
    // A value made of a submitted secret (`Bearer <token>`) is sealed by that secret's reference.
    const learnt = (this.driver?.secretValues() ?? []).filter((v) => v.length >= MIN_SECRET_LENGTH && !submitted.some((s) => v.includes(s)));
    const key = this.worker.sealKey;
    if (key) {
      for (const value of learnt) if (!this.obtained.has(value)) this.obtained.set(value, { ref: key.seal(value, this.runId), value });
      return seal(state, this.obtained.size > 0 ? [...this.secrets, ...this.obtained.values()] : this.secrets);
    }
    if (learnt.length === 0) return seal(state, this.secrets);
    const marks = new Set<string>();
    const sealed = seal(state, [
      ...this.secrets,
      ...learnt.map((value, i) => {
        const ref = `\u0000obtained:${i}`;
        marks.add(ref);
        return { ref, value };
      }),
    ]);
    const path = sealedPath(sealed, (ref) => marks.has(ref));
    if (path === undefined) return sealed;
    throw new ArazzoError(
      'QUEUE_SEAL_KEY_REQUIRED',
      `Run ${this.runId} obtained a secret at run time (${describePath(state, path)}) that its checkpoint would store in Redis, and this worker has no sealing key to encrypt it with. Start every worker of the queue with the same ARAZZO_SEAL_KEY (make one with: ${SEAL_KEY_HOWTO}; library: createArazzoWorker({ sealKey })). The run stopped before its next request.`,
      { path: path.join('.') },
    );
  }
}

/** Secrets shorter than this are neither masked nor sealed (mask.ts, seal.ts). */
const MIN_SECRET_LENGTH = 3;

/** Where in a run state a secret sits, in a user's words: `the output "accessToken" of step "login" (workflow "w")`. */
function describePath(state: RunState, path: ReadonlyArray<string | number>): string {
  const where = `at ${path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '')} in the run state`;
  let frame: { wf?: unknown } | undefined;
  let rest: ReadonlyArray<string | number> = [];
  if (path[0] === 'frames' && typeof path[1] === 'number') {
    frame = state.frames[path[1]];
    rest = path.slice(2);
  } else if (path[0] === 'below' && typeof path[1] === 'number' && typeof path[2] === 'number') {
    frame = state.below?.[path[1]]?.[path[2]];
    rest = path.slice(3);
  } else if (path[0] === 'workflows' && path[2] === 'outputs' && path[3] !== undefined) {
    return `the output "${path[3]}" of workflow "${path[1]}", ${where}`;
  } else if (path[0] === 'outputs' && path[1] !== undefined) {
    return `the workflow output "${path[1]}", ${where}`;
  }
  const wf = typeof frame?.wf === 'string' ? ` (workflow "${frame.wf}")` : '';
  if (rest[0] === 'steps' && rest[1] !== undefined && rest[2] !== undefined) return `the output "${rest[2]}" of step "${rest[1]}"${wf}, ${where}`;
  if ((rest[0] === 'outputs' || rest[0] === 'inputs') && rest[1] !== undefined)
    return `the ${rest[0] === 'outputs' ? 'output' : 'input'} "${rest[1]}"${wf}, ${where}`;
  return where;
}
