/**
 * The client side of the queue: submit runs, read their status, results and events, cancel them.
 * A run is a BullMQ job; workers (`worker.ts`) carry it out. The client never runs a step.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RunEvent } from '../engine/types.js';
import { envName } from '../document/input-text.js';
import { describeInputs } from '../document/inputs.js';
import { ArazzoError } from '../errors.js';
import type { LoadOptions } from '../load.js';
import { manifestTexts, type PreparedDocument, parseManifest, prepareDocument, sha256 } from './bundle.js';
import { DEFAULT_PREFIX, DEFAULT_QUEUE, isValidRunId, QueueKeys } from './keys.js';
import { isConnectionError, openRedis, type QueueRedis, unavailable } from './redis.js';
import { checkReference } from './secrets.js';
import {
  type ArazzoQueueOptions,
  CANCEL_MESSAGE,
  type CancelOutcome,
  DEFAULT_DOCUMENT_TTL_MS,
  DEFAULT_RETENTION_MS,
  JOB_DATA_VERSION,
  JOB_NAME,
  type JobData,
  PROGRESS_FIELD,
  type QueueRunResult,
  type QueueRunState,
  type RunProgress,
  type RunStatus,
  type StoredRunOptions,
  type SubmitOptions,
} from './types.js';

/** What `result(runId, { wait })` and `events(runId)` accept. */
export interface WaitOptions {
  /** Wait until the run is over (result); default false: return undefined while it runs. */
  readonly wait?: boolean;
  /** Give up after this long with QUEUE_WAIT_TIMEOUT (default: no limit; stop with `signal`). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ArazzoQueue {
  /** The Redis keys of this queue (see docs/queue.md). */
  readonly keys: QueueKeys;
  /**
   * Load and validate a document and store it (and every source it reads) in Redis, once per
   * content hash. Submit the result many times to skip loading it again.
   */
  prepare(document: string | URL | object, options?: LoadOptions): Promise<PreparedDocument>;
  /** Start a run; returns its id. The document is a path, URL, object, or what `prepare` returned. */
  submit(document: string | URL | object | PreparedDocument, workflowId: string, inputs?: Record<string, unknown>, options?: SubmitOptions): Promise<string>;
  /** Where a run is. Throws QUEUE_RUN_NOT_FOUND for an unknown (or expired) id. */
  status(runId: string): Promise<RunStatus>;
  /** The run's result once it is over; undefined before, unless `wait` is set. */
  result(runId: string, options?: WaitOptions): Promise<QueueRunResult | undefined>;
  /** Cancel a run wherever it is: a queued or delayed run is removed, a running one is stopped at once. */
  cancel(runId: string): Promise<CancelOutcome>;
  /**
   * The run's events (masked) from its first one, as they are written (each step's with its
   * checkpoint), ending with `run.finished`.
   */
  events(runId: string, options?: Omit<WaitOptions, 'wait'>): AsyncIterableIterator<RunEvent>;
  close(): Promise<void>;
}

export function createArazzoQueue(options: ArazzoQueueOptions): ArazzoQueue {
  return new QueueClient(options);
}

/** What `cancel` leaves of a run it removed before any worker finished it. */
interface Tombstone {
  readonly workflowId: string;
  readonly submittedAt: number;
  readonly startedAt?: number;
  readonly finishedAt: number;
  readonly stepExecutions: number;
  readonly activations: number;
  readonly fingerprint: string;
  readonly result: QueueRunResult;
}

/** How long a client trusts that a document it stored is still in Redis before checking again. */
const STORED_RECHECK_MS = 60 * 60 * 1000;

function isPrepared(value: unknown): value is PreparedDocument {
  return (
    typeof value === 'object' && value !== null && typeof (value as PreparedDocument).manifest === 'string' && (value as PreparedDocument).texts instanceof Map
  );
}

class QueueClient implements ArazzoQueue {
  readonly keys: QueueKeys;
  private readonly redis: QueueRedis;
  private readonly owned: boolean;
  private readonly queue: Queue;
  private readonly retentionMs: number;
  private readonly documentTtlMs: number;
  /** Bundles this client stored, by id: when. */
  private readonly stored = new Map<string, number>();

  constructor(private readonly options: ArazzoQueueOptions) {
    this.keys = new QueueKeys(options.prefix ?? DEFAULT_PREFIX, options.queue ?? DEFAULT_QUEUE);
    const { redis, owned } = openRedis(options.connection, 'client');
    this.redis = redis;
    this.owned = owned;
    this.queue = new Queue(this.keys.queue, { connection: redis, prefix: this.keys.prefix });
    this.queue.on('error', () => undefined);
    this.retentionMs = positive(options.retentionMs, DEFAULT_RETENTION_MS, 'retentionMs');
    this.documentTtlMs = positive(options.documentTtlMs, DEFAULT_DOCUMENT_TTL_MS, 'documentTtlMs');
  }

  async prepare(document: string | URL | object, options?: LoadOptions): Promise<PreparedDocument> {
    const prepared = await prepareDocument(document, { ...this.options.load, ...options });
    await this.store(prepared);
    return prepared;
  }

  /** Put a bundle's manifest and texts in Redis (what is missing of them), or extend their life. */
  private async store(prepared: PreparedDocument): Promise<void> {
    const at = this.stored.get(prepared.id);
    if (at !== undefined && Date.now() - at < STORED_RECHECK_MS) return;
    const manifest = parseManifest(prepared.manifest, prepared.id);
    const shas = manifestTexts(manifest);
    const keys = [this.keys.bundle(prepared.id), ...shas.map((sha) => this.keys.source(sha))];
    await this.call(async () => {
      const missing = await this.redis.arazzoTouch(keys.length, ...keys, this.documentTtlMs);
      if (missing.length > 0) {
        const multi = this.redis.multi();
        // Texts first: a manifest is only ever visible with its texts.
        for (const i of missing.filter((n) => n > 1))
          multi.set(keys[i - 1] as string, prepared.texts.get(shas[i - 2] as string) as string, 'PX', this.documentTtlMs, 'NX');
        if (missing.includes(1)) multi.set(keys[0] as string, prepared.manifest, 'PX', this.documentTtlMs, 'NX');
        await multi.exec();
      }
    });
    this.stored.set(prepared.id, Date.now());
  }

  async submit(
    document: string | URL | object | PreparedDocument,
    workflowId: string,
    inputs: Record<string, unknown> = {},
    options: SubmitOptions = {},
  ): Promise<string> {
    if (options.runId !== undefined) checkRunId(options.runId);
    // Loaded and checked first: nothing reaches Redis for a submission that is refused.
    const prepared = isPrepared(document) ? document : await prepareDocument(document, this.options.load);
    const secrets = checkInputs(prepared, workflowId, inputs, options.secrets ?? {});
    const runOptions: StoredRunOptions = {
      ...(options.servers ? { servers: options.servers } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.followRedirects !== undefined ? { followRedirects: options.followRedirects } : {}),
    };
    const hasSecrets = Object.keys(secrets).length > 0;
    const hasOptions = Object.keys(runOptions).length > 0;
    const fingerprint = sha256(JSON.stringify([prepared.id, workflowId, inputs, hasSecrets ? secrets : null, hasOptions ? runOptions : null]));
    await this.store(prepared);
    let runId = options.runId;
    if (runId !== undefined) {
      const existing = await this.fingerprintOf(runId);
      if (existing !== undefined) {
        if (existing !== fingerprint) {
          throw new ArazzoError(
            'QUEUE_RUN_ID_CONFLICT',
            `Run id "${runId}" already names a run of another submission (document, workflow, inputs or options differ); choose another id.`,
            { runId },
          );
        }
        return runId;
      }
    } else runId = randomUUID();
    const data: JobData = {
      v: JOB_DATA_VERSION,
      workflowId,
      doc: prepared.id,
      inputs,
      ...(hasSecrets ? { secrets } : {}),
      ...(hasOptions ? { options: runOptions } : {}),
      retentionMs: this.retentionMs,
      documentTtlMs: this.documentTtlMs,
      submittedAt: Date.now(),
      fingerprint,
    };
    const age = Math.ceil(this.retentionMs / 1000);
    const id = runId;
    await this.call(() => this.queue.add(JOB_NAME, data, { jobId: id, removeOnComplete: { age }, removeOnFail: { age }, stackTraceLimit: 0, attempts: 1 }));
    return runId;
  }

  /** The fingerprint of the run already using `runId` (a job, or the result of a cancelled one); undefined when none. */
  private async fingerprintOf(runId: string): Promise<string | undefined> {
    const [data, tomb] = await this.call(() => Promise.all([this.redis.hget(this.keys.job(runId), 'data'), this.redis.get(this.keys.result(runId))]));
    const text = data ?? tomb;
    if (text === null) return undefined;
    try {
      return String((JSON.parse(text) as { fingerprint?: unknown }).fingerprint);
    } catch {
      return '';
    }
  }

  async status(runId: string): Promise<RunStatus> {
    const job = await this.call(() => this.queue.getJob(runId));
    if (!job) {
      const tomb = await this.tombstone(runId);
      if (!tomb) throw notFound(runId, this.keys);
      return {
        runId,
        workflowId: tomb.workflowId,
        state: 'cancelled',
        submittedAt: tomb.submittedAt,
        ...(tomb.startedAt !== undefined ? { startedAt: tomb.startedAt } : {}),
        finishedAt: tomb.finishedAt,
        stepExecutions: tomb.stepExecutions,
        activations: tomb.activations,
        result: tomb.result,
      };
    }
    const data = job.data as JobData;
    const [bull, progress, cancelFlag] = await this.call(() =>
      Promise.all([job.getState(), this.progressOf(runId), this.redis.exists(this.keys.cancel(runId))]),
    );
    const cancelRequested = progress.result === undefined && cancelFlag === 1;
    const stepExecutions = executionsOf(progress);
    let result = progress.result;
    if (!result && bull === 'failed') {
      result = {
        runId,
        workflowId: data.workflowId,
        status: 'failed',
        outputs: {},
        error: { code: 'QUEUE_RUN_LOST', message: `The queue gave up on run ${runId}: ${job.failedReason || 'its worker failed'}.` },
        stepExecutions,
        durationMs: (job.finishedOn ?? Date.now()) - (progress.startedAt ?? data.submittedAt),
      };
    }
    let state: QueueRunState;
    if (result) state = result.error?.code === 'RUN_CANCELLED' ? 'cancelled' : result.status;
    else if (bull === 'active') state = 'running';
    else if (bull === 'delayed') state = 'delayed';
    else state = 'queued';
    return {
      runId,
      workflowId: data.workflowId,
      state,
      submittedAt: data.submittedAt,
      ...(progress.startedAt !== undefined ? { startedAt: progress.startedAt } : {}),
      ...(result ? { finishedAt: job.finishedOn ?? (progress.startedAt ?? data.submittedAt) + result.durationMs } : {}),
      ...(state === 'delayed' ? { wakeAt: progress.at?.wakeAt ?? (job.timestamp ?? 0) + (job.delay ?? 0) } : {}),
      ...(progress.at ? { at: { workflowId: progress.at.workflowId, stepId: progress.at.stepId } } : {}),
      stepExecutions: result?.stepExecutions ?? stepExecutions,
      activations: progress.activations ?? 0,
      ...(cancelRequested ? { cancelRequested } : {}),
      ...(result ? { result } : {}),
    };
  }

  /** A run's progress (its job's `progress` field): where it is, its sealed state, its result. */
  private async progressOf(runId: string): Promise<RunProgress> {
    const text = await this.redis.hget(this.keys.job(runId), PROGRESS_FIELD);
    return text ? (JSON.parse(text) as RunProgress) : {};
  }

  private async tombstone(runId: string): Promise<Tombstone | undefined> {
    const text = await this.call(() => this.redis.get(this.keys.result(runId)));
    if (text === null) return undefined;
    return JSON.parse(text) as Tombstone;
  }

  async result(runId: string, options: WaitOptions = {}): Promise<QueueRunResult | undefined> {
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
    const first = await this.status(runId);
    if (first.result || !options.wait) return first.result;
    for await (const event of this.events(runId, { ...options, timeoutMs: Math.max(0, deadline - Date.now()) })) {
      if (event.type === 'run.finished') break;
    }
    // run.finished is written with the final checkpoint; the result comes with it.
    for (;;) {
      const s = await this.status(runId);
      if (s.result) return s.result;
      if (Date.now() >= deadline) throw waitTimeout(runId, options.timeoutMs ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async *events(runId: string, options: Omit<WaitOptions, 'wait'> = {}): AsyncIterableIterator<RunEvent> {
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
    const key = this.keys.events(runId);
    await this.status(runId); // QUEUE_RUN_NOT_FOUND before waiting on nothing
    const reader = this.redis.duplicate();
    reader.on('error', () => undefined);
    const stop = (): void => reader.disconnect();
    options.signal?.addEventListener('abort', stop, { once: true });
    let last = '0-0';
    try {
      for (;;) {
        if (options.signal?.aborted) return;
        const block = Math.max(1, Math.min(1_000, deadline - Date.now()));
        let reply: Array<[string, Array<[string, string[]]>]> | null;
        try {
          reply = (await reader.xread('COUNT', 500, 'BLOCK', block, 'STREAMS', key, last)) as typeof reply;
        } catch (err) {
          if (options.signal?.aborted) return;
          throw isConnectionError(err) ? unavailable(this.redis, err) : err;
        }
        if (reply) {
          for (const [id, fields] of reply[0]?.[1] ?? []) {
            last = id;
            const event = JSON.parse(fields[1] as string) as RunEvent;
            yield event;
            if (event.type === 'run.finished') return;
          }
          continue;
        }
        // A second without events: a run that ended without a run.finished event (lost) ends the stream.
        const s = await this.status(runId);
        if (s.result) {
          const rest = await this.call(() => this.redis.xrange(key, `(${last}`, '+'));
          for (const [, fields] of rest) yield JSON.parse(fields[1] as string) as RunEvent;
          return;
        }
        if (Date.now() >= deadline) throw waitTimeout(runId, options.timeoutMs ?? 0);
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }

  async cancel(runId: string): Promise<CancelOutcome> {
    const job = await this.call(() => this.queue.getJob(runId));
    if (!job) {
      if (await this.tombstone(runId)) return 'finished';
      throw notFound(runId, this.keys);
    }
    const data = job.data as JobData;
    const [bull, progress] = await this.call(() => Promise.all([job.getState(), this.progressOf(runId)]));
    if (progress.result || bull === 'completed' || bull === 'failed') return 'finished';
    // The flag stops the run wherever a worker meets it (at pickup, with its next checkpoint); the
    // message stops it at once on the worker running it.
    await this.call(() => this.redis.multi().set(this.keys.cancel(runId), '1', 'PX', data.retentionMs).publish(this.keys.cancelChannel, runId).exec());
    if (bull === 'active') return 'cancelling';
    try {
      await job.remove();
    } catch (err) {
      if (isConnectionError(err)) throw unavailable(this.redis, err);
      return 'cancelling'; // a worker took it meanwhile (it is locked): the worker stops it
    }
    const now = Date.now();
    const stepExecutions = executionsOf(progress);
    const at = progress.at;
    const error = { code: 'RUN_CANCELLED' as const, message: CANCEL_MESSAGE, ...(at ? { workflowId: at.workflowId, stepId: at.stepId } : {}) };
    const durationMs = now - (progress.startedAt ?? data.submittedAt);
    const result: QueueRunResult = { runId, workflowId: data.workflowId, status: 'failed', outputs: {}, error, stepExecutions, durationMs };
    const tomb: Tombstone = {
      workflowId: data.workflowId,
      submittedAt: data.submittedAt,
      ...(progress.startedAt !== undefined ? { startedAt: progress.startedAt } : {}),
      finishedAt: now,
      stepExecutions,
      activations: progress.activations ?? 0,
      fingerprint: data.fingerprint,
      result,
    };
    const finished: RunEvent = { type: 'run.finished', time: now, runId, workflowId: data.workflowId, status: 'failed', outputs: {}, error, durationMs };
    const events = this.keys.events(runId);
    await this.call(() =>
      this.redis
        .multi()
        .set(this.keys.result(runId), JSON.stringify(tomb), 'PX', data.retentionMs)
        .xadd(events, '*', 'e', JSON.stringify(finished))
        .pexpire(events, data.retentionMs)
        .exec(),
    );
    return 'cancelled';
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    if (this.owned) this.redis.disconnect();
  }

  /** A Redis round trip; an unreachable Redis becomes QUEUE_REDIS_UNAVAILABLE. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isConnectionError(err)) throw unavailable(this.redis, err);
      throw err;
    }
  }
}

function checkRunId(runId: unknown): void {
  if (typeof runId !== 'string' || !isValidRunId(runId)) {
    throw new ArazzoError(
      'QUEUE_RUN_ID_INVALID',
      `Run id "${String(runId).slice(0, 140)}" cannot be used: use 1 to 128 letters, digits, ".", "_" or "-", not only digits (and not a queue key name such as "events").`,
      { runId: String(runId).slice(0, 140) },
    );
  }
}

/**
 * Check a submission's inputs against its workflow: secret inputs only as references, each
 * reference `scheme:name` for an input the workflow takes, every required input given. Returns
 * the references (input name → reference).
 */
export function checkInputs(
  prepared: PreparedDocument,
  workflowId: string,
  inputs: Record<string, unknown>,
  references: Readonly<Record<string, string>>,
): Record<string, string> {
  const workflow = prepared.doc.workflows.get(workflowId);
  const written = prepared.doc.document.workflows?.find((w) => w.workflowId === workflowId);
  if (!workflow || !written) {
    const known = [...prepared.doc.workflows.keys()].join(', ') || 'none';
    throw new ArazzoError('WORKFLOW_NOT_FOUND', `Workflow "${workflowId}" is not in ${prepared.doc.location} (workflows: ${known}).`, { workflowId });
  }
  const { acceptsOthers } = describeInputs(prepared.doc.document, written);
  const secrets: Record<string, string> = {};
  for (const [name, ref] of Object.entries(references)) {
    secrets[name] = checkReference(name, ref);
    if (!acceptsOthers && !workflow.inputs.some((i) => i.name === name)) {
      const names = workflow.inputs.map((i) => i.name).join(', ') || 'none';
      throw new ArazzoError('QUEUE_SECRET_REFERENCE_INVALID', `Workflow "${workflowId}" has no input "${name}" for the reference ${ref} (inputs: ${names}).`, {
        input: name,
      });
    }
    if (inputs[name] !== undefined) {
      throw new ArazzoError('QUEUE_SECRET_LITERAL', `Input "${name}" was given both a value and a secret reference; give only the reference.`, { input: name });
    }
  }
  for (const input of workflow.inputs) {
    if (input.secret && inputs[input.name] !== undefined) {
      throw new ArazzoError(
        'QUEUE_SECRET_LITERAL',
        `Input "${input.name}" of workflow "${workflowId}" is a secret: submit it as a reference resolved by the worker, e.g. secrets: { ${input.name}: 'env:${envName(input.name)}' } (CLI: --input-env ${input.name}=${envName(input.name)}), so that its value never reaches Redis.`,
        { input: input.name },
      );
    }
  }
  const missing = workflow.inputs
    .filter((i) => i.required && !i.hasDefault && inputs[i.name] === undefined && secrets[i.name] === undefined)
    .map((i) => i.name);
  if (missing.length > 0) {
    throw new ArazzoError(
      'INPUT_INVALID',
      `Workflow "${workflowId}" needs the input${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; nothing was submitted.`,
      {
        missing,
      },
    );
  }
  return secrets;
}

/** Step executions so far, from the (sealed) state of a run's progress. */
function executionsOf(progress: RunProgress): number {
  const n = (progress.state as { stepExecutions?: unknown } | undefined)?.stepExecutions;
  return typeof n === 'number' ? n : 0;
}

function notFound(runId: string, keys: QueueKeys): ArazzoError {
  return new ArazzoError(
    'QUEUE_RUN_NOT_FOUND',
    `No run "${runId.slice(0, 140)}" in queue ${keys.base}: it was never submitted there, or it finished longer ago than the retention period.`,
    { runId: runId.slice(0, 140) },
  );
}

function waitTimeout(runId: string, ms: number): ArazzoError {
  return new ArazzoError('QUEUE_WAIT_TIMEOUT', `Run ${runId} did not finish within ${ms} ms of waiting; it goes on in the queue.`, { runId, limit: ms });
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number of milliseconds, not ${String(value)}`);
  return value;
}
