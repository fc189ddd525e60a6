/** The public shapes of the queue (`arazzo-engine/queue`) and what a run's job holds in Redis. */
import type { RunErrorInfo, RunLimits } from '../engine/types.js';
import type { LoadOptions } from '../load.js';
import type { RedisConnection } from './redis.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a finished run (its job, events and result) stays readable: 7 days. */
export const DEFAULT_RETENTION_MS = 7 * DAY_MS;
/** How long a document bundle lives unused: 30 days (each submit and each delayed run extends it). */
export const DEFAULT_DOCUMENT_TTL_MS = 30 * DAY_MS;

export interface QueueConnectionOptions {
  /** Redis: a URL (`redis://127.0.0.1:6379`), ioredis options, or an ioredis client you keep and close yourself. */
  readonly connection: RedisConnection;
  /** Key prefix (default `arazzo`). */
  readonly prefix?: string;
  /** Queue name (default `runs`): keys are `<prefix>:<queue>:*`. */
  readonly queue?: string;
}

export interface ArazzoQueueOptions extends QueueConnectionOptions {
  /** How long a finished run stays readable (status, result, events); default 7 days. */
  readonly retentionMs?: number;
  /** How long a stored document lives once no submit or run uses it; default 30 days. */
  readonly documentTtlMs?: number;
  /** Options for loading documents at submit (allowHosts, maxSourceBytes, …); workers load under the same allowHosts. */
  readonly load?: LoadOptions;
}

/** How a run is started. */
export interface SubmitOptions {
  /**
   * The run's id. Submitting the same id twice starts one run (the second submit returns the id);
   * an id already used by a different submission is refused with QUEUE_RUN_ID_CONFLICT. Default: a
   * new random id.
   */
  readonly runId?: string;
  /**
   * Secret inputs as references, resolved by the worker that runs them: `{ hfToken: 'env:HF_TOKEN' }`.
   * A secret input (`format: password`, `writeOnly`, or a secret-looking name) given a value in
   * `inputs` instead is refused (QUEUE_SECRET_LITERAL): values never reach Redis.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Base URL per source name, as `RunOptions.servers`. */
  readonly servers?: Readonly<Record<string, string>>;
  /** As `RunOptions.limits`. */
  readonly limits?: RunLimits;
  /** As `RunOptions.followRedirects`. */
  readonly followRedirects?: boolean;
}

/**
 * Where a run is:
 * - `queued`: waiting for a worker;
 * - `running`: a worker is sending its request or holds a short wait;
 * - `delayed`: a long wait (`x-delay`, a retry's `Retry-After`) in BullMQ's delayed set until `wakeAt`, holding no worker;
 * - `succeeded`, `failed`: over (`result` says how);
 * - `cancelled`: over, cancelled by `cancel` (`result.error.code` is RUN_CANCELLED).
 */
export type QueueRunState = 'queued' | 'running' | 'delayed' | 'succeeded' | 'failed' | 'cancelled';

/** A finished run's result: masked, as `RunResult` in-process (without its state). */
export interface QueueRunResult {
  readonly runId: string;
  readonly workflowId: string;
  readonly status: 'succeeded' | 'failed';
  readonly outputs: Record<string, unknown>;
  readonly error?: RunErrorInfo;
  readonly stepExecutions: number;
  readonly durationMs: number;
}

export interface RunStatus {
  readonly runId: string;
  readonly workflowId: string;
  readonly state: QueueRunState;
  /** Clock times (ms since the epoch). */
  readonly submittedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** When a `delayed` run wakes up. */
  readonly wakeAt?: number;
  /** The step the run is at (or ended at). */
  readonly at?: { readonly workflowId: string; readonly stepId: string };
  /** Step executions so far. */
  readonly stepExecutions: number;
  /** How many times a worker picked the run up (a delayed run wakes up on any worker). */
  readonly activations: number;
  /** Set once `cancel` was asked for a run still running. */
  readonly cancelRequested?: boolean;
  /** Present once the run is over. */
  readonly result?: QueueRunResult;
}

/** What `cancel` did. */
export type CancelOutcome =
  /** The run was queued or delayed: it was removed, and is now `cancelled`. */
  | 'cancelled'
  /** A worker is running it: its request in flight is aborted at once, and it ends `cancelled`. */
  | 'cancelling'
  /** It had already finished; nothing changed. */
  | 'finished';

/** The options a run is submitted with, as stored. */
export interface StoredRunOptions {
  readonly servers?: Readonly<Record<string, string>>;
  readonly limits?: RunLimits;
  readonly followRedirects?: boolean;
}

/** Where a run waits, recorded with each checkpoint (for `status`). */
export interface StoredPosition {
  readonly workflowId: string;
  readonly stepId: string;
  /** When the run was moved to the delayed set: when it wakes up. */
  readonly wakeAt?: number;
}

/** What a run's BullMQ job holds in its `data` (JSON): the submission, written once. No secret value is ever part of it. */
export interface JobData {
  readonly v: number;
  readonly workflowId: string;
  /** The document bundle (`<prefix>:<queue>:doc:<id>`). */
  readonly doc: string;
  /** The inputs that are not secret. */
  readonly inputs: Record<string, unknown>;
  /** Secret inputs: input name → reference. */
  readonly secrets?: Record<string, string>;
  readonly options?: StoredRunOptions;
  readonly retentionMs: number;
  readonly documentTtlMs: number;
  readonly submittedAt: number;
  /** Hash of what was submitted: a second submit with the same run id must match it. */
  readonly fingerprint: string;
}

/**
 * Where a run is, in the `progress` field of its job hash (JSON), rewritten with every checkpoint.
 * No secret value is ever part of it: the state is sealed.
 */
export interface RunProgress {
  /** The latest checkpoint, sealed (secrets replaced by their references). */
  readonly state?: unknown;
  readonly at?: StoredPosition;
  readonly startedAt?: number;
  readonly activations?: number;
  /** Set when the run is over. */
  readonly result?: QueueRunResult;
}

/** The job hash field that holds a run's RunProgress. */
export const PROGRESS_FIELD = 'progress';

export const JOB_DATA_VERSION = 1;
/** The error message of a run stopped by `cancel`. */
export const CANCEL_MESSAGE = 'The run was cancelled (arazzo cancel).';
export const JOB_NAME = 'run';
