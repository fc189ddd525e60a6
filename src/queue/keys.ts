/**
 * Where everything lives in Redis. BullMQ keeps its own keys under `<prefix>:<queue>:` (the job
 * hashes `<prefix>:<queue>:<runId>`, the lists and sets `wait`, `active`, `delayed`, `completed`, …,
 * and its own `events` stream). Ours sit beside them with a second segment no run id can take (run
 * ids have no `:`), so the whole queue is one pattern: `<prefix>:<queue>:*`.
 *
 * | key | type | holds | lifetime |
 * |---|---|---|---|
 * | `<p>:<q>:<runId>` | hash (BullMQ) | the job; its `data` field holds the submission and the sealed checkpoint | retention after the run ends |
 * | `<p>:<q>:events:<runId>` | stream | the run's events, masked, one entry each (`e` = JSON) | retention after the run ends |
 * | `<p>:<q>:doc:<sha256>` | string | a document bundle: the root and, per URL read at submit, the hash of its text | documentTtl, extended while runs use it |
 * | `<p>:<q>:src:<sha256>` | string | the text of one document or source description | as the bundles that name it |
 * | `<p>:<q>:cancel:<runId>` | string | a cancel request | retention |
 * | `<p>:<q>:result:<runId>` | string | the result of a run cancelled before a worker took it (its job is removed) | retention |
 * | `<p>:<q>:cancel` | pub/sub channel | run ids to cancel, for the worker running them | — |
 */

/** Defaults: `arazzo:runs:*`. */
export const DEFAULT_PREFIX = 'arazzo';
export const DEFAULT_QUEUE = 'runs';

/** Names of queue-level keys (BullMQ's and ours): a run id may not be one of them. */
const RESERVED = new Set([
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
  'metrics',
  // ours: with these ids a job's own keys (`<id>:lock`, `<id>:logs`) could meet ours
  'cancel',
  'result',
  'doc',
  'src',
]);

/** A run id a client may choose: 1-128 of letters, digits, `.`, `_`, `-`, not only digits, not a BullMQ key name. */
export function isValidRunId(id: string): boolean {
  return /^[A-Za-z0-9._-]{1,128}$/.test(id) && !/^\d+$/.test(id) && !RESERVED.has(id);
}

export class QueueKeys {
  readonly base: string;

  constructor(
    readonly prefix: string,
    readonly queue: string,
  ) {
    this.base = `${prefix}:${queue}`;
  }

  job(runId: string): string {
    return `${this.base}:${runId}`;
  }

  events(runId: string): string {
    return `${this.base}:events:${runId}`;
  }

  cancel(runId: string): string {
    return `${this.base}:cancel:${runId}`;
  }

  result(runId: string): string {
    return `${this.base}:result:${runId}`;
  }

  bundle(id: string): string {
    return `${this.base}:doc:${id}`;
  }

  source(sha: string): string {
    return `${this.base}:src:${sha}`;
  }

  get cancelChannel(): string {
    return `${this.base}:cancel`;
  }
}
