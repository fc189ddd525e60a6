/**
 * The floor the engine is measured against: the `createAndPoll` workflow of
 * src/bench/fixtures/jobs.arazzo.yaml written by hand with undici `request()`. It sends the same
 * requests (same paths, same JSON bodies), parses every JSON response and tests the same
 * conditions, and does nothing else. Imports undici only, so a process running it starts as fast
 * as a bare undici script can.
 */
import { type Dispatcher, getGlobalDispatcher, request } from 'undici';

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

/**
 * One request through undici's dispatcher API, the body collected into a string: what the engine's
 * default transport does under its size cap, timeouts and cancellation. A second, lower floor: the
 * cheapest way undici offers to make the same request.
 */
function dispatchJson(dispatcher: Dispatcher, origin: string, path: string, body: string): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    const chunks: Buffer[] = [];
    dispatcher.dispatch(
      { origin, path, method: 'POST', headers: { 'content-type': 'application/json' }, body },
      {
        onRequestStart() {},
        onResponseStart(_controller, code) {
          statusCode = code;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ statusCode, text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8') });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

/** `rawCreateAndPoll` with undici's dispatcher API instead of `request()`: same requests, every response parsed. */
export async function rawDispatchCreateAndPoll(
  base: string,
  queue: string,
  name: string,
  polls: number,
  dispatcher: Dispatcher = getGlobalDispatcher(),
): Promise<string> {
  const root = `/queues/${encodeURIComponent(queue)}/jobs`;
  const created = await dispatchJson(dispatcher, base, root, JSON.stringify({ name, polls, priority: 'normal', labels: ['bench'] }));
  const job = JSON.parse(created.text) as { id: string };
  if (created.statusCode !== 201) throw new Error(`createJob answered ${created.statusCode}`);
  const statusPath = `${root}/${encodeURIComponent(job.id)}/status`;
  for (;;) {
    const res = await dispatchJson(dispatcher, base, statusPath, JSON.stringify({ fields: ['state', 'progress', 'updatedAt'], client: name }));
    const status = JSON.parse(res.text) as { state: string };
    if (res.statusCode !== 200) throw new Error(`getJobStatus answered ${res.statusCode}`);
    if (status.state !== 'pending') return status.state;
  }
}
