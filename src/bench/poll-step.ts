/**
 * A poll loop: one run of `createAndPoll` whose `pollStatus` step (two path parameters, a JSON
 * request body, a JSONPath criterion deciding the goto) runs N times, against raw undici
 * `request()` making the same N + 1 requests and parsing every response (the floor issue 8 names).
 * The server is another process, so the CPU time read here is the client's alone. Both use
 * undici's default dispatcher. A second, lower floor follows: the same requests through undici's
 * dispatcher API (`dispatch()` with a handler that collects the body), which is how the engine's
 * transport sends; the engine's cost over it is what the engine adds to the cheapest undici path.
 */
import { type Paired, pairedRatios, pairedRounds, type Sample, stats, us } from './harness.js';
import { engineCreateAndPoll, loadJobs, sameRequests } from './jobs.js';
import { rawCreateAndPoll, rawDispatchCreateAndPoll } from './raw.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';
import { spawnServer } from './server-process.js';

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const polls = ctx.pick(2_000, 1_000);
  const rounds = ctx.pick(15, 5);
  const steps = polls + 1;
  const doc = await loadJobs();
  const server = await spawnServer();
  try {
    const inputs = { queue: 'poll', name: 'poll-step', polls };
    // Warm up both paths (JIT, connection), then start from clean counters.
    for (let i = 0; i < 2; i++) {
      await rawCreateAndPoll(server.url, inputs.queue, inputs.name, polls);
      await rawDispatchCreateAndPoll(server.url, inputs.queue, inputs.name, polls);
      await engineCreateAndPoll(doc, server.url, inputs);
    }
    await server.reset();
    const paired: Paired = await pairedRounds(
      rounds,
      () => rawCreateAndPoll(server.url, inputs.queue, inputs.name, polls),
      () => engineCreateAndPoll(doc, server.url, inputs),
      { check: sameRequests(server) },
    );
    const perStep = (xs: Sample[], pick: (s: Sample) => number) => stats(xs.map((s) => (pick(s) * 1000) / steps));
    const cpu = (s: Sample): number => s.cpuMs;
    const wall = (s: Sample): number => s.wallMs;
    const rawCpu = perStep(paired.baseline, cpu);
    const engCpu = perStep(paired.subject, cpu);
    const rawWall = perStep(paired.baseline, wall);
    const engWall = perStep(paired.subject, wall);
    const line = (name: string, s: { median: number; min: number; max: number }): string => `${name} ${us(s.median)} µs (${us(s.min)}–${us(s.max)})`;
    ctx.log(`${rounds} paired rounds of ${steps} steps (1 create + ${polls} polls); per step, median (min–max):`);
    ctx.log(`  CPU:  ${line('raw', rawCpu)}   ${line('engine', engCpu)}`);
    ctx.log(`  wall: ${line('raw', rawWall)}   ${line('engine', engWall)}`);
    const lowRounds = ctx.pick(9, 3);
    const low: Paired = await pairedRounds(
      lowRounds,
      () => rawDispatchCreateAndPoll(server.url, inputs.queue, inputs.name, polls),
      () => engineCreateAndPoll(doc, server.url, inputs),
      { check: sameRequests(server) },
    );
    const lowCpu = perStep(low.baseline, cpu);
    const lowEngCpu = perStep(low.subject, cpu);
    ctx.log(`${lowRounds} paired rounds against raw undici dispatch(): CPU ${line('raw dispatch()', lowCpu)}   ${line('engine', lowEngCpu)}`);
    return [
      ratioFigure('poll step, CPU per step', `${us(engCpu.median)} µs`, `raw undici ${us(rawCpu.median)} µs`, stats(pairedRatios(paired, cpu)), {
        op: '<=',
        value: 1.2,
      }),
      ratioFigure('poll step, wall time per step', `${us(engWall.median)} µs`, `raw undici ${us(rawWall.median)} µs`, stats(pairedRatios(paired, wall))),
      ratioFigure(
        'poll step, CPU per step against dispatch()',
        `${us(lowEngCpu.median)} µs`,
        `raw undici dispatch() ${us(lowCpu.median)} µs`,
        stats(pairedRatios(low, cpu)),
      ),
    ];
  } finally {
    await server.close();
  }
}
