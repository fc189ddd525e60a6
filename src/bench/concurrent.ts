/**
 * Many runs at once, against raw undici doing the same requests concurrently: throughput of 1,000
 * and 10,000 concurrent two-step runs (`createAndPoll` with one poll: create, then a status poll
 * that answers `done`), and their CPU per run. Both sides share one undici Agent with a bounded
 * number of connections (what a process running thousands of runs should use; the default
 * dispatcher would open a socket per concurrent request).
 */
import { Agent } from 'undici';
import type { LoadedDocument } from '../index.js';
import { pairedRounds, stats } from './harness.js';
import { engineCreateAndPoll, loadJobs, sameRequests } from './jobs.js';
import { rawCreateAndPoll } from './raw.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';
import { type SpawnedServer, spawnServer } from './server-process.js';

export const CONNECTIONS = 32;
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function throughput(ctx: BenchContext, doc: LoadedDocument, server: SpawnedServer, dispatcher: Agent, runs: number, rounds: number): Promise<Figure[]> {
  const raw = () => Promise.all(Array.from({ length: runs }, (_, i) => rawCreateAndPoll(server.url, 'many', `run-${i}`, 1, { dispatcher })));
  const engine = () =>
    Promise.all(Array.from({ length: runs }, (_, i) => engineCreateAndPoll(doc, server.url, { queue: 'many', name: `run-${i}`, polls: 1 }, { dispatcher })));
  // Warm up both sides with 2,000 runs each, in batches of at most `runs` (enough for the JIT; the
  // first call sizes the pool). One batch of 1,000 left the engine's code still being optimised
  // during the first measured rounds of the 1,000-run figure.
  const warm = Math.min(runs, 2_000);
  for (let done = 0; done < 2_000; done += warm) {
    await Promise.all(Array.from({ length: warm }, (_, i) => rawCreateAndPoll(server.url, 'many', `warm-${i}`, 1, { dispatcher })));
    await Promise.all(
      Array.from({ length: warm }, (_, i) => engineCreateAndPoll(doc, server.url, { queue: 'many', name: `warm-${i}`, polls: 1 }, { dispatcher })),
    );
  }
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

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const doc = await loadJobs();
  const server = await spawnServer();
  const dispatcher = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 60_000 });
  try {
    ctx.log(`one undici Agent with ${CONNECTIONS} connections for both sides`);
    return [
      ...(await throughput(ctx, doc, server, dispatcher, 1_000, ctx.pick(5, 3))),
      ...(await throughput(ctx, doc, server, dispatcher, 10_000, ctx.pick(3, 1))),
    ];
  } finally {
    await dispatcher.close();
    await server.close();
  }
}
