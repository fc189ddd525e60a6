/**
 * A queue worker process for the `queue` benchmark: `node dist/bench/queue-worker.js <redisUrl>
 * <prefix> <concurrency> <delayThresholdMs>`, with HF_TOKEN in its environment. It prints one JSON
 * line when ready, then a sample every second (RSS, heap, its own CPU, steps and runs finished),
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

const sample = (extra: Record<string, unknown> = {}): void => {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const s = worker.stats();
  process.stdout.write(
    `${JSON.stringify({ t: Date.now(), rss: mem.rss, heap: mem.heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, steps: s.steps, finished: s.finished, delayed: s.delayed, active: s.active, lost: s.lost, ...extra })}\n`,
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
