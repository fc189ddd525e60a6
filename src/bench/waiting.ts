/**
 * Heap per run while it waits in `x-delay` on a real timer: every run has created its job and
 * polled once (`pending`), and waits 600 s before its next poll; then all are cancelled. Heap is
 * read after a full GC before the runs start and while they all wait. The raw twin parks the same
 * way, holding its parsed responses and a timer. Both share one undici Agent, as in `concurrent`.
 */
import { setMaxListeners } from 'node:events';
import { Agent } from 'undici';
import type { LoadedDocument } from '../index.js';
import { CONNECTIONS, fmt } from './concurrent.js';
import { gc, stats, waitFor } from './harness.js';
import { engineCreateAndPoll, loadJobs } from './jobs.js';
import { rawCreateAndPoll } from './raw.js';
import type { BenchContext } from './registry.js';
import type { Figure } from './report.js';
import { type SpawnedServer, spawnServer } from './server-process.js';

/** Heap per parked run: start `runs` runs, wait until all wait between polls, GC, read the heap, cancel them. */
async function parkedHeap(start: (signal: AbortSignal, onWait: () => void) => Promise<unknown>, runs: number): Promise<number> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let waiting = 0;
  const onWait = (): void => {
    waiting += 1;
  };
  gc();
  const before = process.memoryUsage().heapUsed;
  const all = Promise.allSettled(Array.from({ length: runs }, () => start(controller.signal, onWait)));
  try {
    await waitFor(() => waiting, runs, 120_000, 'runs waiting in x-delay');
  } catch (err) {
    controller.abort();
    await all;
    throw err;
  }
  // Let the last runs go from "announced the wait" to "sleeping".
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const during = process.memoryUsage().heapUsed;
  controller.abort();
  await all;
  return (during - before) / runs;
}

async function waitingHeap(ctx: BenchContext, doc: LoadedDocument, server: SpawnedServer, dispatcher: Agent, runs: number, rounds: number): Promise<Figure> {
  const inputs = { queue: 'wait', polls: 2, pollIntervalSeconds: 600 };
  const raw = (n = runs) =>
    parkedHeap(
      (signal, onWait) =>
        rawCreateAndPoll(server.url, inputs.queue, 'waiter', inputs.polls, { dispatcher, signal, onWait, pollIntervalSeconds: inputs.pollIntervalSeconds }),
      n,
    );
  const engine = (n = runs) =>
    parkedHeap(
      (signal, onWait) =>
        engineCreateAndPoll(
          doc,
          server.url,
          { ...inputs, name: 'waiter' },
          {
            dispatcher,
            signal,
            onEvent: (e) => {
              if (e.type === 'delay.started') onWait();
            },
          },
          false,
        ),
      n,
    );
  // A small unmeasured round first: the first parked runs also allocate compiled code and inline caches.
  for (const fn of [raw, engine]) {
    await fn(Math.ceil(runs / 10));
    await server.reset();
  }
  const rawKb: number[] = [];
  const engKb: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? ['raw', 'engine'] : ['engine', 'raw']) {
      const bytes = side === 'raw' ? await raw() : await engine();
      (side === 'raw' ? rawKb : engKb).push(bytes / 1024);
      await server.reset();
    }
  }
  const r = stats(rawKb);
  const e = stats(engKb);
  ctx.log(
    `${fmt(runs)} runs waiting in x-delay, ${rounds} rounds: heap per run raw ${r.median.toFixed(2)} KB (${r.min.toFixed(2)}–${r.max.toFixed(2)}), engine ${e.median.toFixed(2)} KB (${e.min.toFixed(2)}–${e.max.toFixed(2)})`,
  );
  return {
    figure: `heap per run waiting in x-delay (${fmt(runs)} runs)`,
    subject: `${e.median.toFixed(2)} KB`,
    baseline: `raw undici ${r.median.toFixed(2)} KB`,
    ratio: e.median / r.median,
    target: { op: '<=', value: 8, unit: 'KB', measured: e.median },
  };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const doc = await loadJobs();
  const server = await spawnServer();
  const dispatcher = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 60_000 });
  try {
    return [await waitingHeap(ctx, doc, server, dispatcher, ctx.pick(10_000, 2_000), ctx.pick(2, 1))];
  } finally {
    await dispatcher.close();
    await server.close();
  }
}
