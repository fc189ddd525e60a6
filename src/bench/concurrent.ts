/**
 * Many runs at once, against raw undici doing the same requests concurrently:
 * - throughput of 1,000 and 10,000 concurrent two-step runs (`createAndPoll` with one poll:
 *   create, then a status poll that answers `done`), and their CPU per run;
 * - heap per run while it waits in `x-delay` (a real timer): every run has created its job and
 *   polled once (`pending`), and waits before its next poll. Measured with a full GC before and
 *   after; the raw twin holds its parsed responses and a timer in the same place.
 * Both sides share one undici Agent with a bounded number of connections (what a process running
 * thousands of runs should use; the default dispatcher would open a socket per concurrent request).
 */
import { setMaxListeners } from 'node:events';
import { Agent } from 'undici';
import type { LoadedDocument } from '../index.js';
import { gc, pairedRounds, stats, waitFor } from './harness.js';
import { engineCreateAndPoll, loadJobs, sameRequests } from './jobs.js';
import { rawCreateAndPoll } from './raw.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';
import { type SpawnedServer, spawnServer } from './server-process.js';

const CONNECTIONS = 32;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function throughput(ctx: BenchContext, doc: LoadedDocument, server: SpawnedServer, dispatcher: Agent, runs: number, rounds: number): Promise<Figure[]> {
  const raw = () => Promise.all(Array.from({ length: runs }, (_, i) => rawCreateAndPoll(server.url, 'many', `run-${i}`, 1, { dispatcher })));
  const engine = () =>
    Promise.all(Array.from({ length: runs }, (_, i) => engineCreateAndPoll(doc, server.url, { queue: 'many', name: `run-${i}`, polls: 1 }, { dispatcher })));
  await raw();
  await engine();
  await server.reset();
  const paired = await pairedRounds(rounds, raw, engine, { check: sameRequests(server) });
  const rate = (wallMs: number): number => (runs * 1000) / wallMs;
  const rawRate = stats(paired.baseline.map((s) => rate(s.wallMs)));
  const engRate = stats(paired.subject.map((s) => rate(s.wallMs)));
  const tputRatios = stats(paired.subject.map((s, i) => rate(s.wallMs) / rate((paired.baseline[i] ?? s).wallMs)));
  const cpuPerRun = (ms: number): number => (ms * 1000) / runs;
  const rawCpu = stats(paired.baseline.map((s) => cpuPerRun(s.cpuMs)));
  const engCpu = stats(paired.subject.map((s) => cpuPerRun(s.cpuMs)));
  const cpuRatios = stats(paired.subject.map((s, i) => s.cpuMs / (paired.baseline[i] ?? s).cpuMs));
  ctx.log(
    `${fmt(runs)} runs × 2 requests, ${rounds} paired rounds: raw ${fmt(rawRate.median)} runs/s (${fmt(rawRate.min)}–${fmt(rawRate.max)}), engine ${fmt(engRate.median)} runs/s (${fmt(engRate.min)}–${fmt(engRate.max)}); CPU per run raw ${rawCpu.median.toFixed(0)} µs, engine ${engCpu.median.toFixed(0)} µs`,
  );
  const label = `${fmt(runs)} concurrent runs`;
  return [
    ratioFigure(
      `${label}, throughput`,
      `${fmt(engRate.median)} runs/s`,
      `raw undici ${fmt(rawRate.median)} runs/s`,
      tputRatios,
      runs >= 10_000 ? { op: '>=', value: 0.7 } : undefined,
    ),
    ratioFigure(`${label}, CPU per run`, `${engCpu.median.toFixed(0)} µs`, `raw undici ${rawCpu.median.toFixed(0)} µs`, cpuRatios),
  ];
}

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
  const raw = () =>
    parkedHeap(
      (signal, onWait) =>
        rawCreateAndPoll(server.url, inputs.queue, 'waiter', inputs.polls, { dispatcher, signal, onWait, pollIntervalSeconds: inputs.pollIntervalSeconds }),
      runs,
    );
  const engine = () =>
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
      runs,
    );
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
    ctx.log(`one undici Agent with ${CONNECTIONS} connections for both sides`);
    const figures = [
      ...(await throughput(ctx, doc, server, dispatcher, 1_000, ctx.pick(5, 3))),
      ...(await throughput(ctx, doc, server, dispatcher, 10_000, ctx.pick(3, 1))),
    ];
    figures.push(await waitingHeap(ctx, doc, server, dispatcher, ctx.pick(10_000, 2_000), 1));
    return figures;
  } finally {
    await dispatcher.close();
    await server.close();
  }
}
