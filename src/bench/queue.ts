/**
 * The durable queue (issue 12): 10,000 runs of the production deploy workflow
 * (`workflows/hugging-face-deploy-and-wait-workflow.yml`) against the simulator with compressed
 * time (a deployment takes 1 s, polls are 200 ms apart), on 4 worker processes of concurrency 50.
 * Every poll wait is longer than the workers' 100 ms threshold, so every run is parked in BullMQ's
 * delayed set between polls. All runs must succeed.
 *
 * The workers first run 1,000 runs to warm up (the in-process floor too). Figures, over the 10,000:
 * throughput (against the same runs in one process with `runWorkflow`), Redis memory per finished
 * run (INFO memory, against the bytes of JSON stored for it), worker RSS after a full GC at 0, 1/4,
 * 1/2, 3/4 and all of the runs (the end against the start: it must stay flat), and CPU per step:
 * the workers' (and the workers' plus Redis's) against `runWorkflow`'s in-process.
 *
 * It needs `redis-server` on PATH: it starts a private one (append-only, in a temporary directory)
 * and skips itself, saying why, when there is none. The simulator runs in a process of its own, so
 * its CPU counts on neither side.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type ArazzoQueue, createArazzoQueue, type PreparedDocument } from '../queue/index.js';
import { fmt } from './concurrent.js';
import { fromRoot, PACKAGE_ROOT, waitFor } from './harness.js';
import type { BenchContext } from './registry.js';
import type { Figure } from './report.js';
import { isRecord } from '../util/guards.js';

const TOKEN = 'hf_bench_token_0123456789';
const WORKERS = 4;
const CONCURRENCY = 50;
const THRESHOLD_MS = 100;
const POLL_SECONDS = 0.2;
/** Simulated deployment: pending 10 s + initializing 90 s, compressed 100x: 1 s. */
const TIME_SCALE = 100;

interface Sample {
  t: number;
  cpuMs: number;
  steps: number;
  finished: number;
  lost: number;
  /** Set on the samples taken after a full GC, on request. */
  mem?: boolean;
  rss?: number;
  heap?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A child that prints JSON lines; `lines` collects them. */
function spawnJson(args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: Array<Record<string, unknown>>; done: Promise<void> } {
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isRecord(parsed)) lines.push(parsed);
      } catch {
        // A stray line a child printed (a warning, say) is not a figure: show it, keep reading.
        process.stderr.write(`${line}\n`);
      }
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || code === null ? resolve() : reject(new Error(`${args.join(' ').slice(0, 80)} exited with ${code}`))));
  });
  done.catch(() => undefined);
  return { child, lines, done };
}

async function startRedis(binary: string): Promise<{ url: string; redis: Redis; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-redis-'));
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  await redis.ping();
  return {
    url,
    redis,
    async stop() {
      redis.disconnect();
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startSimulatorProcess(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      fromRoot('dist/simulator/cli.js'),
      '--port',
      String(port),
      '--time-scale',
      String(TIME_SCALE),
      '--token',
      TOKEN,
      '--namespace',
      'acme',
      '--no-elasticsearch',
    ],
    { cwd: PACKAGE_ROOT, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error('the simulator did not start within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop: () => child.kill() };
}

function info(text: string, field: string): number {
  const m = new RegExp(`^${field}:([0-9.]+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;
const µs = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;

type WorkerProcess = ReturnType<typeof spawnJson>;

const samples = (w: WorkerProcess): Sample[] => w.lines.filter((l) => !l.ready) as unknown as Sample[];
const finishedBy = (workers: readonly WorkerProcess[]): number => workers.reduce((n, w) => n + (samples(w).at(-1)?.finished ?? 0), 0);

/** A sample of each worker after a full GC: ask, and wait for the answers. */
async function memorySamples(workers: readonly WorkerProcess[]): Promise<Sample[]> {
  const before = workers.map((w) => samples(w).filter((s) => s.mem).length);
  for (const w of workers) w.child.stdin?.write('mem\n');
  await waitFor(
    () => workers.filter((w, i) => samples(w).filter((s) => s.mem).length > (before[i] as number)).length,
    workers.length,
    30_000,
    'memory samples',
  );
  return workers.map(
    (w) =>
      samples(w)
        .filter((s) => s.mem)
        .at(-1) as Sample,
  );
}

/** Submit `count` runs named `<name>-<i>`, 500 at a time; their ids. */
async function submitRuns(queue: ArazzoQueue, prepared: PreparedDocument, simUrl: string, count: number, name: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, (_, j) =>
      queue.submit(
        prepared,
        'deploy-and-wait',
        { namespace: 'acme', name: `${name}-${i + j}`, repository: 'gpt2', pollIntervalSeconds: POLL_SECONDS },
        { secrets: { hfToken: 'env:HF_TOKEN' }, servers: { inferenceEndpointsApi: simUrl } },
      ),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const binary = which('redis-server');
  if (!binary) {
    ctx.log('skipped: no redis-server on PATH (apt-get install redis-server, or brew install redis); this benchmark starts a private one');
    return [];
  }
  const runs = ctx.pick(10_000, 1_000);
  const warmUp = ctx.pick(1_000, 200);
  const redis = await startRedis(binary);
  const sim = await startSimulatorProcess();
  const prefix = 'bench';
  const workers = Array.from({ length: WORKERS }, () =>
    spawnJson(['--expose-gc', fromRoot('dist/bench/queue-worker.js'), redis.url, prefix, String(CONCURRENCY), String(THRESHOLD_MS)], { HF_TOKEN: TOKEN }),
  );
  const queue = createArazzoQueue({ connection: redis.url, prefix });
  try {
    await waitFor(() => workers.filter((w) => w.lines.some((l) => l.ready)).length, WORKERS, 20_000, 'workers ready');
    const prepared = await queue.prepare(fromRoot('workflows/hugging-face-deploy-and-wait-workflow.yml'));
    ctx.log(
      `${fmt(runs)} runs of deploy-and-wait on ${WORKERS} workers × concurrency ${CONCURRENCY}, after ${fmt(warmUp)} to warm up; deployments take 1 s, polls every ${POLL_SECONDS * 1000} ms, waits ≥ ${THRESHOLD_MS} ms parked`,
    );
    // Warm up: the workers load the document, ajv and undici, and the JIT settles.
    await submitRuns(queue, prepared, sim.url, warmUp, 'w');
    await waitFor(() => finishedBy(workers), warmUp, 5 * 60_000, 'warm-up runs finished');

    const first = await memorySamples(workers);
    const before = await redis.redis.info();
    const memBefore = info(before, 'used_memory');
    const redisCpuBefore = info(before, 'used_cpu_user') + info(before, 'used_cpu_sys');
    const start = performance.now();
    const ids = await submitRuns(queue, prepared, sim.url, runs, 'q');
    const submitMs = performance.now() - start;
    // Memory after a full GC when a quarter, half and three quarters of the runs have ended.
    const along: Sample[][] = [first];
    for (const part of [0.25, 0.5, 0.75]) {
      await waitFor(() => finishedBy(workers), warmUp + runs * part, 15 * 60_000, 'runs finished');
      along.push(await memorySamples(workers));
    }
    await waitFor(() => finishedBy(workers), warmUp + runs, 15 * 60_000, 'runs finished');
    const wallMs = performance.now() - start;
    const end = await memorySamples(workers);
    along.push(end);
    const after = await redis.redis.info();
    const memAfter = info(after, 'used_memory');
    const redisCpuMs = (info(after, 'used_cpu_user') + info(after, 'used_cpu_sys') - redisCpuBefore) * 1000;

    // Every run must have succeeded; count their steps and the bytes of JSON kept for each.
    let steps = 0;
    let storedBytes = 0;
    const failures: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const statuses = await Promise.all(ids.slice(i, i + 500).map((id) => queue.status(id)));
      for (const s of statuses) {
        if (s.state !== 'succeeded') failures.push(`${s.runId}: ${s.state} ${s.result?.error?.code ?? ''} ${s.result?.error?.message ?? ''}`);
        steps += s.stepExecutions;
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} of ${runs} runs did not succeed, e.g. ${failures[0]}`);
    for (const id of ids.slice(0, 100)) {
      const data = await redis.redis.hmget(`${prefix}:runs:${id}`, 'data', 'progress');
      const events = await redis.redis.xrange(`${prefix}:runs:events:${id}`, '-', '+');
      storedBytes += data.reduce((n, d) => n + Buffer.byteLength(d ?? ''), 0) + events.reduce((n, [, f]) => n + Buffer.byteLength(f[1] ?? ''), 0);
    }
    storedBytes /= Math.min(100, ids.length);

    const lost = end.reduce((n, s) => n + s.lost, 0);
    const workerCpuMs = end.reduce((n, s, i) => n + s.cpuMs - (first[i] as Sample).cpuMs, 0);
    const workerSteps = end.reduce((n, s, i) => n + s.steps - (first[i] as Sample).steps, 0);
    const ratios = end.map((s, i) => (s.rss as number) / ((first[i] as Sample).rss as number));
    const worst = ratios.indexOf(Math.max(...ratios));
    const mbs = (pick: (s: Sample) => number | undefined) => along.map((row) => ((pick(row[worst] as Sample) ?? 0) / 1024 / 1024).toFixed(0)).join(' ');
    ctx.log(
      `submitted in ${(submitMs / 1000).toFixed(1)} s; all ${fmt(runs)} succeeded in ${(wallMs / 1000).toFixed(1)} s: ${fmt((runs * 1000) / wallMs)} runs/s, ${fmt((steps * 1000) / wallMs)} steps/s (${fmt(steps)} steps, ${lost} runs lost by a worker)`,
    );
    ctx.log(`worker ${worst + 1} after a full GC at 0, 1/4, 1/2, 3/4 and all of the runs: RSS ${mbs((s) => s.rss)} MB; heap ${mbs((s) => s.heap)} MB`);
    ctx.log(
      `Redis: ${mb(memAfter - memBefore)} for ${fmt(runs)} finished runs (${kb((memAfter - memBefore) / runs)} each; ${kb(storedBytes)} of JSON each), CPU ${(redisCpuMs / 1000).toFixed(1)} s`,
    );

    // The floor: the same runs in one process, after the same warm-up.
    const local = spawnJson([fromRoot('dist/bench/queue-local.js'), sim.url, String(runs), String(POLL_SECONDS), String(warmUp)], { HF_TOKEN: TOKEN });
    await local.done;
    const floor = local.lines[0] as { wallMs: number; cpuMs: number; steps: number; failed: number; firstError?: string };
    if (floor.failed > 0) throw new Error(`${floor.failed} in-process runs failed: ${floor.firstError}`);
    const localRate = (runs * 1000) / floor.wallMs;
    const localPerStep = floor.cpuMs / floor.steps;
    const workerPerStep = workerCpuMs / workerSteps;
    const totalPerStep = workerPerStep + redisCpuMs / steps;
    ctx.log(
      `in one process: ${fmt(localRate)} runs/s, ${µs(localPerStep)} CPU per step (${fmt(floor.steps)} steps); queue: workers ${µs(workerPerStep)}, workers + Redis ${µs(totalPerStep)} per step`,
    );
    return [
      {
        figure: `${fmt(runs)} queued deploy runs, 4 workers × 50: throughput`,
        subject: `${fmt((runs * 1000) / wallMs)} runs/s`,
        baseline: `in-process ${fmt(localRate)} runs/s`,
        ratio: (runs * 1000) / wallMs / localRate,
      },
      { figure: 'queue: worker CPU per step', subject: µs(workerPerStep), baseline: `in-process ${µs(localPerStep)}`, ratio: workerPerStep / localPerStep },
      {
        figure: 'queue: worker + Redis CPU per step',
        subject: µs(totalPerStep),
        baseline: `in-process ${µs(localPerStep)}`,
        ratio: totalPerStep / localPerStep,
      },
      {
        figure: 'queue: Redis memory per finished run',
        subject: kb((memAfter - memBefore) / runs),
        baseline: `its JSON ${kb(storedBytes)}`,
        ratio: (memAfter - memBefore) / runs / storedBytes,
      },
      {
        figure: `queue: worker RSS after GC, after the ${fmt(runs)} runs vs before`,
        subject: mb(end[worst]?.rss as number),
        baseline: mb(first[worst]?.rss as number),
        ratio: ratios[worst] as number,
        target: { op: '<=', value: 1.25 },
      },
    ];
  } finally {
    for (const w of workers) w.child.stdin?.end();
    await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
    await queue.close();
    sim.stop();
    await redis.stop();
  }
}
