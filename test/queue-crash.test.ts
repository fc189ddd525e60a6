/**
 * Crashes on a real Redis (ARAZZO_TEST_REDIS_URL): the worker that dies is an `arazzo worker`
 * process, killed with SIGKILL mid-run; a run continues on another worker (in this process) from
 * its last checkpoint through BullMQ's stalled-job recovery, with no gap in its step history. The request in flight when a worker dies
 * is sent again (at-least-once): the production deploy workflow survives that through its 409
 * adoption. And a Redis killed and restarted mid-run loses no run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/engine/types.js';
import { createArazzoQueue, createArazzoWorker, type ArazzoQueue, type ArazzoWorker, type ArazzoWorkerOptions } from '../src/queue/index.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { DEPLOY, deleteKeys, redisUrl, spawnWorker, startPrivateRedis, testPrefix, TOKEN, until, type WorkerProcess } from './queue-helpers.js';

const url = redisUrl as string;

/** A loopback proxy to `target` that never answers the requests `hold` picks (their answer is lost, as with a dead client). */
async function forward(target: string, hold: (req: { method: string; url: string }) => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const holding = hold({ method: req.method ?? 'GET', url: req.url ?? '/' });
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection' && k !== 'content-length')) as Record<
        string,
        string
      >;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) }).then(
        async (r) => {
          const text = await r.text();
          if (holding) return; // the server did the work; the caller never hears of it
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(text);
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
/** Runs of a dead worker are taken over after about a second. */
const WORKER_ARGS = ['--stall-timeout', '1', '--concurrency', '4'];
/**
 * The worker that takes over from a killed one runs in this process: only the worker that dies
 * must be a process of its own. It looks for stalled runs every 200 ms, so it takes a run over
 * soon after the dead worker's 1 s lock has expired.
 */
const TAKEOVER = { concurrency: 4, lockDurationMs: 1_000, stalledIntervalMs: 200 } as const;

describe.skipIf(!redisUrl)('crashes', () => {
  const prefix = testPrefix('crash');
  const processes: WorkerProcess[] = [];
  const inProcess: ArazzoWorker[] = [];
  const sims: Simulator[] = [];
  let queue: ArazzoQueue | undefined;

  const worker = async (args: string[] = []): Promise<WorkerProcess> => {
    const w = spawnWorker(url, prefix, [...WORKER_ARGS, ...args], { HF_TOKEN: TOKEN });
    processes.push(w);
    await w.ready;
    return w;
  };
  /** A worker in this process, with its log lines (what `arazzo worker` prints on stderr). */
  const takeover = async (options: Partial<ArazzoWorkerOptions> = {}): Promise<{ worker: ArazzoWorker; log: string[] }> => {
    const log: string[] = [];
    const w = createArazzoWorker({ connection: url, prefix, env: { HF_TOKEN: TOKEN }, ...TAKEOVER, ...options, log: (line) => log.push(line) });
    inProcess.push(w);
    await w.waitUntilReady();
    return { worker: w, log };
  };
  const simulator = async (options: Parameters<typeof startSimulator>[0]): Promise<Simulator> => {
    const s = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], ...options });
    sims.push(s);
    return s;
  };
  const events = async (q: ArazzoQueue, runId: string): Promise<RunEvent[]> => {
    const out: RunEvent[] = [];
    for await (const e of q.events(runId, { timeoutMs: 20_000 })) out.push(e);
    return out;
  };

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    await Promise.all(inProcess.splice(0).map((w) => w.close()));
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await queue?.close();
    await deleteKeys(url, prefix);
  });

  it('a worker killed mid-poll loses no run: another worker resumes it, and the step history has no gap', async () => {
    // The third status poll is slow: the worker is killed while it is in flight.
    const log: string[] = [];
    const sim = await simulator({
      timeScale: 100,
      faults: { requests: [{ method: 'GET', path: '/v2/endpoint/acme/killed', skip: 2, times: 1, delayMs: 1_000 }] },
      log: (line) => log.push(line),
    });
    queue = createArazzoQueue({ connection: url, prefix });
    const a = await worker(['--delay-threshold', '60']); // short polls are held by the worker, not parked
    const runId = await queue.submit(
      DEPLOY,
      'deploy-and-wait',
      { namespace: 'acme', name: 'killed', repository: 'gpt2', pollIntervalSeconds: 0.1 },
      {
        secrets: { hfToken: 'env:HF_TOKEN' },
        servers: { inferenceEndpointsApi: sim.url },
      },
    );
    await until(() => sim.requestCount() >= 4, 'the create and three polls (the last one in flight)');
    await a.kill('SIGKILL');
    const b = await takeover({ delayThresholdMs: 60_000 });
    const result = await queue.result(runId, { wait: true, timeoutMs: 20_000 });
    expect(result?.status).toBe('succeeded');
    const list = await events(queue, runId);
    const finished = list.filter((e) => e.type === 'step.finished');
    // Every execution the run counted has its record: none was lost with the dead worker.
    expect(finished).toHaveLength(result?.stepExecutions as number);
    const polls = list.flatMap((e) => (e.type === 'step.started' && e.stepId === 'waitUntilRunning' ? [e.execution] : []));
    expect(polls).toEqual(polls.map((_, i) => i + 1)); // 1, 2, 3, …: no gap, no execution counted twice
    expect(finished.filter((e) => e.type === 'step.finished' && e.record.stepId === 'waitUntilRunning')).toHaveLength(polls.length);
    // The poll in flight when the worker died was sent again: the server answered one poll more than the run recorded.
    const gets = () => log.filter((l) => l.startsWith('GET /v2/endpoint/acme/killed ')).length;
    await until(() => gets() === polls.length + 1, 'the server to finish the slow poll of the dead worker', 5_000);
    expect((await queue.status(runId)).activations).toBe(2);
    expect(b.log.some((line) => line.startsWith(`run ${runId} resumed`))).toBe(true);
  }, 40_000);

  it('the production deploy workflow survives a create sent twice (worker killed after the server created the endpoint) by adopting it on 409', async () => {
    const sim = await simulator({ timeScale: 100 });
    // Between the workers and the API: the first create reaches the server, which creates the
    // endpoint, but its answer is held back until the worker has been killed.
    let held = false;
    const proxy = await forward(sim.url, (req) => {
      if (held || req.method !== 'POST') return false;
      held = true;
      return true;
    });
    try {
      queue ??= createArazzoQueue({ connection: url, prefix });
      const a = await worker();
      const runId = await queue.submit(
        DEPLOY,
        'deploy-and-wait',
        { namespace: 'acme', name: 'adopted', repository: 'gpt2', pollIntervalSeconds: 0.1 },
        {
          secrets: { hfToken: 'env:HF_TOKEN' },
          servers: { inferenceEndpointsApi: proxy.url },
        },
      );
      await until(() => held && sim.endpoints().some((e) => e.name === 'adopted'), 'the server to create the endpoint');
      await a.kill('SIGKILL');
      await takeover();
      const result = await queue.result(runId, { wait: true, timeoutMs: 20_000 });
      expect(result).toMatchObject({ status: 'succeeded', outputs: { endpointName: 'adopted', state: 'running' } });
      const steps = (await events(queue, runId)).flatMap((e) => (e.type === 'step.finished' ? [e.record] : []));
      expect(steps[0]).toMatchObject({ stepId: 'createEndpoint', statusCode: 409, outcome: 'failed', action: { name: 'alreadyExists' } });
      expect(steps[1]).toMatchObject({ stepId: 'adoptExisting', statusCode: 200 });
      expect(sim.endpoints().filter((e) => e.name === 'adopted')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 40_000);

  it('a run whose worker dies more often than maxStalls allows fails with QUEUE_RUN_LOST, for status and result', async () => {
    const sim = await simulator({ timeScale: 100, faults: { requests: [{ method: 'GET', path: '/v2/endpoint/acme/lost', delayMs: 5_000 }] } });
    queue ??= createArazzoQueue({ connection: url, prefix });
    const a = await worker(['--delay-threshold', '60']);
    const runId = await queue.submit(
      DEPLOY,
      'deploy-and-wait',
      { namespace: 'acme', name: 'lost', repository: 'gpt2', pollIntervalSeconds: 0.1 },
      {
        secrets: { hfToken: 'env:HF_TOKEN' },
        servers: { inferenceEndpointsApi: sim.url },
      },
    );
    await until(() => sim.requestCount() >= 2, 'the first poll to be in flight');
    await a.kill('SIGKILL');
    // A worker that gives up on a run at its first stall.
    const b = createArazzoWorker({ connection: url, prefix, env: { HF_TOKEN: TOKEN }, maxStalls: 0, lockDurationMs: 1_000, stalledIntervalMs: 300 });
    try {
      await b.waitUntilReady();
      const result = await queue.result(runId, { wait: true, timeoutMs: 15_000 });
      expect(result).toMatchObject({ status: 'failed', error: { code: 'QUEUE_RUN_LOST' } });
      expect(result?.error?.message).toContain(`The queue gave up on run ${runId}`);
      expect((await queue.status(runId)).state).toBe('failed');
      expect(b.stats().activations).toBe(0);
    } finally {
      await b.close();
    }
  }, 40_000);

  it('Redis killed and restarted mid-run loses no run: workers reconnect and every run ends', async () => {
    const redis = await startPrivateRedis();
    const sim = await simulator({ durations: { pendingMs: 500, initializingMs: 1_000 } });
    const w = createArazzoWorker({ connection: redis.url, prefix, env: { HF_TOKEN: TOKEN }, concurrency: 8, delayThresholdMs: 50, lockDurationMs: 5_000 });
    const q = createArazzoQueue({ connection: redis.url, prefix });
    try {
      await w.waitUntilReady();
      const prepared = await q.prepare(DEPLOY);
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          q.submit(
            prepared,
            'deploy-and-wait',
            { namespace: 'acme', name: `restart-${i}`, repository: 'gpt2', pollIntervalSeconds: 0.2, probeHealth: false },
            {
              secrets: { hfToken: 'env:HF_TOKEN' },
              servers: { inferenceEndpointsApi: sim.url },
            },
          ),
        ),
      );
      await until(
        async () => (await Promise.all(ids.map((id) => q.status(id)))).filter((s) => s.stepExecutions >= 2).length >= 10,
        'half the runs to be polling',
      );
      await redis.restart(500);
      const statuses = await until(
        async () => {
          const all = await Promise.all(ids.map((id) => q.status(id)));
          return all.every((s) => s.result) && all;
        },
        'every run to end after the restart',
        30_000,
      );
      expect(statuses.map((s) => s.state)).toEqual(ids.map(() => 'succeeded'));
      expect(sim.endpoints()).toHaveLength(20);
    } finally {
      await w.close();
      await q.close();
      await redis.stop();
    }
  }, 60_000);
});
