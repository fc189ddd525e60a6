/**
 * `arazzo-engine/queue`: durable, distributed runs on BullMQ and Redis (docs/queue.md).
 *
 * ```ts
 * import { createArazzoQueue, createArazzoWorker } from 'arazzo-engine/queue';
 *
 * const worker = createArazzoWorker({ connection: 'redis://127.0.0.1:6379', concurrency: 50 });
 * const queue = createArazzoQueue({ connection: 'redis://127.0.0.1:6379' });
 * const runId = await queue.submit('workflows/hugging-face-deploy-and-wait-workflow.yml', 'deploy-and-wait',
 *   { namespace: 'acme', name: 'my-ep', repository: 'openai-community/gpt2' },
 *   { secrets: { hfToken: 'env:HF_TOKEN' } });
 * console.log(await queue.result(runId, { wait: true }));
 * ```
 */
export { createArazzoQueue } from './client.js';
export type { ArazzoQueue, WaitOptions } from './client.js';
export { createArazzoWorker } from './worker.js';
export type { ArazzoWorker, ArazzoWorkerOptions, EventLevel, WorkerStats } from './worker.js';
export type { SecretProvider, SecretRequest } from './secrets.js';
export type { PreparedDocument } from './bundle.js';
export type { RedisConnection } from './redis.js';
export { QueueKeys, DEFAULT_PREFIX, DEFAULT_QUEUE, isValidRunId } from './keys.js';
export {
  CANCEL_MESSAGE,
  DEFAULT_DOCUMENT_TTL_MS,
  DEFAULT_RETENTION_MS,
  type ArazzoQueueOptions,
  type CancelOutcome,
  type QueueConnectionOptions,
  type QueueRunResult,
  type QueueRunState,
  type RunStatus,
  type SubmitOptions,
} from './types.js';
