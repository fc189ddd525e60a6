/**
 * A worker: a BullMQ Worker whose processor drives runs with the engine's RunDriver, one step at a
 * time, storing the checkpoint in Redis after every step before the next one starts. A wait longer
 * than `delayThresholdMs` moves the job to BullMQ's delayed set (its state saved first), so it
 * holds no worker slot; any worker picks it up when it is due. A worker that dies (SIGKILL, a lost
 * machine) loses no run: BullMQ's stalled-job check hands its jobs to other workers, which resume
 * them from their last checkpoint. A worker closed gracefully hands its runs over the same way,
 * without waiting for them to end.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Job, Worker } from 'bullmq';
import type { Dispatcher } from 'undici';
import type { LoadedDocument } from '../compile/loaded.js';
import type { HttpClient } from '../engine/types.js';
import { type BundleManifest, loadFromManifest, manifestTexts, parseManifest } from './bundle.js';
import { DEFAULT_PREFIX, DEFAULT_QUEUE, QueueKeys } from './keys.js';
import { openRedis, type QueueRedis, withScripts } from './redis.js';
import { JobRun } from './run-job.js';
import type { SecretProvider } from './secrets.js';
import { parseSealKey, type SealKey } from './seal-key.js';
import type { JobData, QueueConnectionOptions } from './types.js';
import { ArazzoError } from '../errors.js';

/** Which events a worker writes to each run's stream. */
export type EventLevel = 'all' | 'steps' | 'none';

export interface ArazzoWorkerOptions extends QueueConnectionOptions {
  /** Runs processed at the same time (worker slots); default 10. A run in the delayed set takes none. */
  readonly concurrency?: number;
  /**
   * Resolves secret references. Without it, or when it returns undefined for an `env:NAME`
   * reference, the worker reads NAME from `env`.
   */
  readonly secrets?: SecretProvider;
  /** Where `env:` references are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The sealing key: 32 random bytes (base64 or hex text, or the bytes), the same for every worker
   * of the queue (`arazzo worker` reads `ARAZZO_SEAL_KEY`; make one with `openssl rand -base64 32`).
   * Secrets a run obtains at run time (a login's token output) are stored encrypted under it.
   * Without it, a run fails with QUEUE_SEAL_KEY_REQUIRED at the first checkpoint that would hold
   * one; runs that obtain no secret need none.
   */
  readonly sealKey?: string | Uint8Array;
  /** A wait at least this long moves the run to the delayed set instead of holding a slot (default 1,000 ms). */
  readonly delayThresholdMs?: number;
  /**
   * How long a run stays locked to this worker without a sign of life (default 30,000 ms). A worker
   * killed mid-run has its runs taken over by another worker after about this long.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for runs whose worker died (default half of lockDurationMs). */
  readonly stalledIntervalMs?: number;
  /** Times a run may lose its worker before BullMQ fails it with QUEUE_RUN_LOST (default 5). */
  readonly maxStalls?: number;
  /**
   * Events written to each run's stream: `steps` (default: every event but request.sent and
   * response.received, which carry headers and bodies, up to limits.maxResponseBytes each), `all`
   * (every event, as in-process), `none` (only run.finished).
   */
  readonly events?: EventLevel;
  /** The transport, as in `RunOptions` (default: undici with a shared keep-alive pool). */
  readonly http?: HttpClient;
  readonly dispatcher?: Dispatcher;
  readonly fetch?: typeof fetch;
  readonly proxyFromEnv?: boolean;
  /** One line per run activation, parking, handover and end (the CLI prints them on stderr). */
  readonly log?: (line: string) => void;
  /** Start taking runs at once (default true); otherwise call `run()`. */
  readonly autorun?: boolean;
}

export interface WorkerStats {
  /** Runs this worker processes right now. */
  readonly active: number;
  /** Runs picked up (a run parked and woken up counts again). */
  readonly activations: number;
  /** Step executions (requests sent) by this worker. */
  readonly steps: number;
  /** Runs moved to the delayed set for a long wait. */
  readonly delayed: number;
  /** Runs handed back to the queue by `close`. */
  readonly handedOver: number;
  /** Runs that ended on this worker. */
  readonly finished: number;
  /** Runs this worker lost to another (its lock expired while it was stalled). */
  readonly lost: number;
}

export interface ArazzoWorker {
  /** This worker's id (host, process, random part): it names the worker in logs. */
  readonly id: string;
  readonly keys: QueueKeys;
  /** Resolves once the worker is connected and taking runs. */
  waitUntilReady(): Promise<void>;
  /** Start taking runs (only needed with `autorun: false`). */
  run(): void;
  stats(): WorkerStats;
  /**
   * Stop taking runs and hand the runs in progress back to the queue at their next step boundary
   * (a request in flight finishes first), then close the connections. Another worker resumes them.
   */
  close(): Promise<void>;
}

export function createArazzoWorker(options: ArazzoWorkerOptions): ArazzoWorker {
  return new QueueWorker(options);
}

/** Counters a run updates on its worker. */
export interface Counters {
  activations: number;
  steps: number;
  delayed: number;
  handedOver: number;
  finished: number;
  lost: number;
}

/** A loaded bundle: the document and the Redis keys that hold it (kept alive while runs sleep). */
export interface CachedDocument {
  readonly doc: LoadedDocument;
  readonly keys: readonly string[];
}

/** What a run needs from its worker. */
export interface WorkerContext {
  readonly id: string;
  readonly keys: QueueKeys;
  readonly redis: QueueRedis;
  readonly options: ArazzoWorkerOptions;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Seals the secrets runs obtain at run time; undefined without `sealKey`. */
  readonly sealKey: SealKey | undefined;
  readonly delayThresholdMs: number;
  readonly events: EventLevel;
  readonly counters: Counters;
  /** Set by `close`: runs hand themselves over at their next step boundary. */
  readonly closing: boolean;
  document(id: string): Promise<CachedDocument>;
  log(line: string): void;
}

const DOCUMENT_CACHE_SIZE = 64;

class QueueWorker implements ArazzoWorker, WorkerContext {
  readonly id: string;
  readonly keys: QueueKeys;
  readonly redis: QueueRedis;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sealKey: SealKey | undefined;
  readonly delayThresholdMs: number;
  readonly events: EventLevel;
  readonly counters: Counters = { activations: 0, steps: 0, delayed: 0, handedOver: 0, finished: 0, lost: 0 };
  closing = false;
  private readonly owned: boolean;
  /** BullMQ's connection (ours when `owned`). */
  private readonly bullRedis: QueueRedis;
  private readonly subscriber: QueueRedis;
  private readonly bull: Worker<JobData>;
  private readonly documents = new Map<string, Promise<CachedDocument>>();
  private readonly running = new Map<string, JobRun>();
  private closed: Promise<void> | undefined;

  constructor(readonly options: ArazzoWorkerOptions) {
    this.id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.keys = new QueueKeys(options.prefix ?? DEFAULT_PREFIX, options.queue ?? DEFAULT_QUEUE);
    this.env = options.env ?? process.env;
    this.sealKey = options.sealKey === undefined ? undefined : parseSealKey(options.sealKey);
    this.delayThresholdMs = nonNegative(options.delayThresholdMs, 1_000, 'delayThresholdMs');
    this.events = options.events ?? 'steps';
    const lockDuration = nonNegative(options.lockDurationMs, 30_000, 'lockDurationMs');
    const concurrency = options.concurrency ?? 10;
    if (!(Number.isSafeInteger(concurrency) && concurrency >= 1))
      throw new RangeError(`concurrency must be a whole number of at least 1, not ${String(concurrency)}`);
    const { redis, owned } = openRedis(options.connection, 'worker');
    this.bullRedis = redis;
    this.owned = owned;
    // The runs' own commands (checkpoints, pickups) on a connection of their own, sent in batches:
    // the commands of many runs issued in the same tick go out as one write.
    this.redis = withScripts(redis.duplicate({ enableAutoPipelining: true }));
    this.redis.on('error', () => undefined);
    this.subscriber = redis.duplicate() as QueueRedis;
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, runId: string) => this.running.get(runId)?.cancel());
    void this.subscriber.subscribe(this.keys.cancelChannel).catch(() => undefined);
    this.bull = new Worker<JobData>(this.keys.queue, (job, token) => this.process(job, token as string), {
      connection: redis,
      prefix: this.keys.prefix,
      concurrency,
      lockDuration,
      stalledInterval: nonNegative(options.stalledIntervalMs, Math.max(500, Math.floor(lockDuration / 2)), 'stalledIntervalMs'),
      maxStalledCount: options.maxStalls ?? 5,
      autorun: options.autorun ?? true,
      name: this.id,
    });
    // Connection errors are retried by ioredis; a run's own errors end up in its result.
    this.bull.on('error', (err) => this.log(`worker error: ${err.message}`));
    // A finished run's job expires with its final checkpoint; one BullMQ failed (QUEUE_RUN_LOST) expires here.
    this.bull.on('failed', (job) => {
      if (job) void this.expire(job);
    });
  }

  waitUntilReady(): Promise<void> {
    return Promise.all([this.bull.waitUntilReady(), this.subscriber.ping(), this.redis.ping()]).then(() => undefined);
  }

  run(): void {
    void this.bull.run().catch((err: Error) => this.log(`worker stopped: ${err.message}`));
  }

  stats(): WorkerStats {
    return { active: this.running.size, ...this.counters };
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  private async process(job: Job<JobData>, token: string): Promise<void> {
    const runId = job.id as string;
    const run = new JobRun(this, job, token);
    this.running.set(runId, run);
    try {
      await run.execute();
    } finally {
      if (this.running.get(runId) === run) this.running.delete(runId);
    }
  }

  /** A job BullMQ failed expires after its run's retention period (BullMQ also trims by age on later failures). */
  private async expire(job: Job<JobData>): Promise<void> {
    const ms = job.data?.retentionMs;
    if (!(typeof ms === 'number' && ms > 0) || !job.id) return;
    const key = this.keys.job(job.id);
    await this.redis
      .multi()
      .pexpire(key, ms)
      .pexpire(`${key}:logs`, ms)
      .exec()
      .catch(() => undefined);
  }

  /** The document of a bundle, loaded once per worker (the most recent 64 are kept). */
  document(id: string): Promise<CachedDocument> {
    let pending = this.documents.get(id);
    if (pending) {
      this.documents.delete(id);
      this.documents.set(id, pending);
      return pending;
    }
    pending = this.loadDocument(id);
    this.documents.set(id, pending);
    pending.catch(() => this.documents.delete(id));
    if (this.documents.size > DOCUMENT_CACHE_SIZE) this.documents.delete(this.documents.keys().next().value as string);
    return pending;
  }

  private async loadDocument(id: string): Promise<CachedDocument> {
    const manifestKey = this.keys.bundle(id);
    const json = await this.redis.get(manifestKey);
    if (json === null) {
      throw new ArazzoError(
        'QUEUE_DOCUMENT_MISSING',
        `The documents of this run (bundle ${id}) are no longer in Redis (expired or deleted); submit the run again.`,
      );
    }
    const manifest: BundleManifest = parseManifest(json, id);
    const shas = manifestTexts(manifest);
    const textKeys = shas.map((sha) => this.keys.source(sha));
    const values = shas.length > 0 ? await this.redis.mget(...textKeys) : [];
    const texts = new Map(shas.map((sha, i) => [sha, values[i]]));
    const doc = await loadFromManifest(manifest, id, texts);
    return { doc, keys: [manifestKey, ...textKeys] };
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    for (const run of this.running.values()) run.handOver();
    await this.bull.close();
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
    if (this.owned) await this.bullRedis.quit().catch(() => this.bullRedis.disconnect());
  }
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a non-negative number of milliseconds, not ${String(value)}`);
  return value;
}
