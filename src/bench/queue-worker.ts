/**
 * A queue worker process for the `queue` benchmark: `node --expose-gc dist/bench/queue-worker.js
 * <redisUrl> <prefix> <concurrency> <delayThresholdMs>`, with HF_TOKEN in its environment. It
 * prints JSON lines: `{"ready":true}` once connected; every half second its CPU, step executions
 * and runs finished; and, for each `mem` line it reads on stdin, the same after a full GC with its
 * RSS and heap (the GC's CPU left out). It closes gracefully when its stdin ends.
 */
import { createInterface } from 'node:readline';
import { createArazzoWorker } from '../queue/index.js';

const [url, prefix, concurrency, threshold] = process.argv.slice(2);
const worker = createArazzoWorker({
  connection: url as string,
  prefix: prefix as string,
  concurrency: Number(concurrency),
  delayThresholdMs: Number(threshold),
});

/** CPU spent in the forced collections, left out of what the worker reports. */
let gcCpuMs = 0;

const sample = (memory: boolean): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (memory && collect) {
    const before = process.cpuUsage();
    collect();
    const spent = process.cpuUsage(before);
    gcCpuMs += (spent.user + spent.system) / 1000;
  }
  const cpu = process.cpuUsage();
  const mem = memory ? process.memoryUsage() : undefined;
  const s = worker.stats();
  const line = {
    t: Date.now(),
    cpuMs: (cpu.user + cpu.system) / 1000 - gcCpuMs,
    steps: s.steps,
    finished: s.finished,
    lost: s.lost,
    ...(mem ? { mem: true, rss: mem.rss, heap: mem.heapUsed } : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
const timer = setInterval(() => sample(false), 500);
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() === 'mem') sample(true);
});
input.on('close', () => {
  clearInterval(timer);
  void worker.close().then(() => process.exit(0));
});
