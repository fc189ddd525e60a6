/**
 * The floor the engine is measured against: the `createAndPoll` workflow of
 * src/bench/fixtures/jobs.arazzo.yaml written by hand with undici `request()`. It sends the same
 * requests (same paths, same JSON bodies), parses every JSON response and tests the same
 * conditions, and does nothing else. Imports undici only, so a process running it starts as fast
 * as a bare undici script can.
 */
import { type Dispatcher, request } from 'undici';

export interface RawRunOptions {
  readonly dispatcher?: Dispatcher;
  /** Pause between polls, like the workflow's `x-delay: $inputs.pollIntervalSeconds`. */
  readonly pollIntervalSeconds?: number;
  readonly signal?: AbortSignal;
  /** Called when a run starts waiting between polls (the benchmarks count parked runs with it). */
  readonly onWait?: () => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates a job, then polls its status until it is no longer pending; returns the final state. */
export async function rawCreateAndPoll(base: string, queue: string, name: string, polls: number, options: RawRunOptions = {}): Promise<string> {
  const { dispatcher, signal } = options;
  const root = `${base}/queues/${encodeURIComponent(queue)}/jobs`;
  const created = await request(root, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, polls, priority: 'normal', labels: ['bench'] }),
    dispatcher,
    signal,
  });
  const job = JSON.parse(await created.body.text()) as { id: string };
  if (created.statusCode !== 201) throw new Error(`createJob answered ${created.statusCode}`);
  const statusUrl = `${root}/${encodeURIComponent(job.id)}/status`;
  let first = true;
  for (;;) {
    if (!first && options.pollIntervalSeconds) {
      options.onWait?.();
      await sleep(options.pollIntervalSeconds * 1000, signal);
    }
    first = false;
    const res = await request(statusUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: ['state', 'progress', 'updatedAt'], client: name }),
      dispatcher,
      signal,
    });
    const status = JSON.parse(await res.body.text()) as { state: string };
    if (res.statusCode !== 200) throw new Error(`getJobStatus answered ${res.statusCode}`);
    if (status.state !== 'pending') return status.state;
  }
}
