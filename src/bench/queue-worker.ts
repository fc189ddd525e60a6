/**
 * A queue worker process for the `queue` benchmark: `node dist/bench/queue-worker.js <redisUrl>
 * <prefix> <concurrency> <delayThresholdMs>`, with HF_TOKEN in its environment. It prints one JSON
 * line when ready, then a sample every second (its own CPU, steps and runs finished; every fifth
 * after a full GC, with RSS and heap),
 * and closes gracefully when its stdin ends, printing a last sample.
 */
import { createArazzoWorker } from '../queue/index.js';

const [url, prefix, concurrency, threshold] = process.argv.slice(2);
const worker = createArazzoWorker({
  connection: url as string,
  prefix: prefix as string,
  concurrency: Number(concurrency),
  delayThresholdMs: Number(threshold),
});

/** CPU spent in the forced collections below, left out of what the worker reports. */
let gcCpuMs = 0;
let count = 0;

/**
 * Every fifth sample (5 s) comes after a full collection (node --expose-gc), so its memory figures
 * show what is kept, not what happens to be uncollected; the others carry no memory figures. The
 * collections' CPU is not the runs', and they are rare enough not to slow the runs down.
 */
const sample = (extra: Record<string, unknown> = {}): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  const measured = collect !== undefined && (count++ % 5 === 0 || extra.final === true);
  if (measured) {
    const before = process.cpuUsage();
    collect();
    const spent = process.cpuUsage(before);
    gcCpuMs += (spent.user + spent.system) / 1000;
  }
  const cpu = process.cpuUsage();
  const mem = measured ? process.memoryUsage() : undefined;
  const s = worker.stats();
  process.stdout.write(
    `${JSON.stringify({
      t: Date.now(),
      ...(mem ? { rss: mem.rss, heap: mem.heapUsed } : {}),
      cpuMs: (cpu.user + cpu.system) / 1000 - gcCpuMs,
      steps: s.steps,
      finished: s.finished,
      delayed: s.delayed,
      active: s.active,
      lost: s.lost,
      ...extra,
    })}\n`,
  );
};

await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
const timer = setInterval(sample, 1_000);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(timer);
  void worker.close().then(() => {
    sample({ final: true });
    process.exit(0);
  });
});
