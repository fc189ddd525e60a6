/**
 * The durable queue on a real Redis (ARAZZO_TEST_REDIS_URL; see test/queue-helpers.ts), with
 * workers in this process and the Hugging Face simulator on loopback with compressed time: runs
 * reach the same end as in-process, long waits park runs in BullMQ's delayed set, submit is
 * idempotent, cancel stops a run wherever it is, secrets never reach Redis, finished runs expire.
 * Crashes (SIGKILL, a Redis restart) are in queue-crash.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadArazzo } from '../src/load.js';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';
import { encode } from '../src/engine/serialize.js';
import { createArazzoQueue, createArazzoWorker, type ArazzoQueue, type ArazzoWorker, type ArazzoWorkerOptions } from '../src/queue/index.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { DEPLOY, deleteKeys, dumpAll, redisUrl, testPrefix, TOKEN, until } from './queue-helpers.js';

const url = redisUrl as string;

describe.skipIf(!redisUrl)('the queue on Redis', () => {
  const prefix = testPrefix('queue');
  let sim: Simulator;
  let queue: ArazzoQueue;
  const workers: ArazzoWorker[] = [];
  const queues: ArazzoQueue[] = [];

  const inputs = (name: string, extra: Record<string, unknown> = {}) => ({
    namespace: 'acme',
    name,
    repository: 'openai-community/gpt2',
    pollIntervalSeconds: 0.05,
    ...extra,
  });
  const submitOptions = (s: Simulator = sim) => ({ secrets: { hfToken: 'env:HF_TOKEN' }, servers: { inferenceEndpointsApi: s.url } });
  const startWorker = async (options: Partial<ArazzoWorkerOptions> = {}): Promise<ArazzoWorker> => {
    const w = createArazzoWorker({ connection: url, prefix, env: { HF_TOKEN: TOKEN }, lockDurationMs: 2_000, delayThresholdMs: 100, ...options });
    workers.push(w);
    await w.waitUntilReady();
    return w;
  };
  const newQueue = (options: { retentionMs?: number; prefix?: string } = {}): ArazzoQueue => {
    const q = createArazzoQueue({ connection: url, prefix, ...options });
    queues.push(q);
    return q;
  };

  /**
   * Submit a short run and wait for its end: a barrier instead of a fixed sleep. The worker takes
   * runs in the order they were queued, so any run queued before this one has been picked up by then.
   */
  const finishAfter = async (): Promise<void> => {
    const id = await queue.submit(
      DEPLOY,
      'deploy-and-wait',
      inputs(`barrier-${Math.random().toString(36).slice(2, 8)}`, { probeHealth: false }),
      submitOptions(),
    );
    expect((await queue.result(id, { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
  };

  beforeAll(async () => {
    sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], timeScale: 1000 });
    queue = newQueue();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await sim?.close();
    await deleteKeys(url, prefix);
  });

  it('runs the production deploy workflow to the end, with the outputs, events and masking of an in-process run', async () => {
    await startWorker({ events: 'all' });
    // Polls 200 ms apart: longer than the worker's 100 ms threshold, so the run is parked between them.
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('parity-q', { pollIntervalSeconds: 0.2 }), submitOptions());
    const events: RunEvent[] = [];
    for await (const e of queue.events(runId, { timeoutMs: 15_000 })) events.push(e);
    const result = await queue.result(runId, { wait: true, timeoutMs: 5_000 });

    const doc = await loadArazzo(DEPLOY);
    const local: RunEvent[] = [];
    const clock = new ManualClock(Date.now());
    const inProcess = await runWorkflow(
      doc,
      'deploy-and-wait',
      { ...inputs('parity-l', { pollIntervalSeconds: 0.2 }), hfToken: TOKEN },
      {
        servers: submitOptions().servers,
        clock,
        onEvent: (e) => {
          local.push(e);
          if (e.type === 'delay.started') setImmediate(() => void clock.advance(e.ms));
        },
      },
    );

    expect(result?.status).toBe('succeeded');
    const comparable = (outputs: Record<string, unknown>) => ({ ...outputs, endpointName: undefined, inferenceUrl: undefined, healthMessage: undefined });
    expect(comparable(result?.outputs ?? {})).toEqual(comparable(inProcess.outputs));
    // The same kinds of events in the same order (poll loops collapsed: their length depends on timing).
    const shape = (list: RunEvent[]) => list.map((e) => `${e.type}:${'stepId' in e ? e.stepId : ''}`).filter((s, i, all) => s !== all[i - 1]);
    const collapse = (list: string[]) => list.join(' ').replace(/(step\.started:waitUntilRunning.*?delay\.started:waitUntilRunning ?)+/g, '[poll] ');
    expect(collapse(shape(events))).toBe(collapse(shape(local)));
    // Masked as in-process: the credential header is *** and the token appears nowhere.
    const authorization = (list: RunEvent[]) =>
      list
        .flatMap((e) => (e.type === 'request.sent' ? Object.entries(e.request.headers).filter(([k]) => k.toLowerCase() === 'authorization') : []))
        .map(([, v]) => v);
    expect(new Set(authorization(events))).toEqual(new Set(['***']));
    expect(new Set(authorization(local))).toEqual(new Set(['***']));
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(events.every((e) => e.runId === runId)).toBe(true);
    const status = await queue.status(runId);
    expect(status).toMatchObject({ state: 'succeeded', workflowId: 'deploy-and-wait', stepExecutions: result?.stepExecutions });
    expect(status.activations).toBeGreaterThan(1); // it was parked between polls and woke up again
  });

  it('stores a document and its sources once per content hash, however often it is submitted', async () => {
    const q = newQueue({ prefix: `${prefix}-docs` });
    const prepared = await q.prepare(DEPLOY);
    await q.submit(prepared, 'deploy-and-wait', inputs('docs-1'), submitOptions());
    await q.submit(DEPLOY, 'deploy-and-wait', inputs('docs-2'), submitOptions());
    await q.submit(prepared, 'deploy-and-wait', inputs('docs-3'), submitOptions());
    const keys = [...(await dumpAll(url)).keys()].filter((k) => k.startsWith(`${prefix}-docs:`));
    expect(keys.filter((k) => k.includes(':doc:'))).toHaveLength(1);
    expect(keys.filter((k) => k.includes(':src:'))).toHaveLength(3); // the workflow and its two OpenAPI descriptions
    await deleteKeys(url, `${prefix}-docs`);
  });

  it('starts one run for a run id submitted twice, and refuses that id for another submission', async () => {
    const first = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('idem-ep'), { ...submitOptions(), runId: 'idem-1' });
    const second = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('idem-ep'), { ...submitOptions(), runId: 'idem-1' });
    expect([first, second]).toEqual(['idem-1', 'idem-1']);
    await expect(queue.submit(DEPLOY, 'deploy-and-wait', inputs('other-ep'), { ...submitOptions(), runId: 'idem-1' })).rejects.toMatchObject({
      code: 'QUEUE_RUN_ID_CONFLICT',
    });
    await startWorker();
    expect((await queue.result('idem-1', { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
    const activations = (await queue.status('idem-1')).activations;
    expect(activations).toBeGreaterThan(0);
    // Submitting it once more after the end starts nothing either. A run submitted after it is
    // the barrier: the worker takes runs in order, so a second start would be picked up first.
    expect(await queue.submit(DEPLOY, 'deploy-and-wait', inputs('idem-ep'), { ...submitOptions(), runId: 'idem-1' })).toBe('idem-1');
    await finishAfter();
    expect(sim.endpoints().filter((e) => e.name === 'idem-ep')).toHaveLength(1);
    expect((await queue.status('idem-1')).activations).toBe(activations);
    await expect(queue.submit(DEPLOY, 'deploy-and-wait', inputs('x'), { runId: 'not:valid' })).rejects.toMatchObject({ code: 'QUEUE_RUN_ID_INVALID' });
    await expect(queue.submit(DEPLOY, 'deploy-and-wait', inputs('x'), { runId: 'events' })).rejects.toMatchObject({ code: 'QUEUE_RUN_ID_INVALID' });
  });

  it('never writes a secret to Redis: every key of the server scanned, every form of the token looked for', async () => {
    await expect(queue.submit(DEPLOY, 'deploy-and-wait', { ...inputs('literal'), hfToken: TOKEN }, { servers: submitOptions().servers })).rejects.toMatchObject(
      {
        code: 'QUEUE_SECRET_LITERAL',
      },
    );
    await startWorker({ events: 'all' });
    const ok = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('secret-ok'), submitOptions());
    const parked = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('secret-parked', { pollIntervalSeconds: 60 }), submitOptions());
    expect((await queue.result(ok, { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
    await until(async () => (await queue.status(parked)).state === 'delayed', 'the second run to be parked');
    const b64 = Buffer.from(TOKEN).toString('base64');
    const forms = [TOKEN, b64, b64.replace(/=+$/, ''), encodeURIComponent(TOKEN), encode(TOKEN, true), `Bearer ${TOKEN}`];
    const all = await dumpAll(url);
    const ours = [...all.keys()].filter((k) => k.startsWith(`${prefix}:`));
    expect(ours.length).toBeGreaterThan(10); // jobs, events, documents, BullMQ's own keys
    for (const [key, value] of all) {
      for (const form of forms) {
        expect(key.includes(form), `key ${key}`).toBe(false);
        expect(value.includes(form), `value of ${key} holds a form of the token`).toBe(false);
      }
    }
    // The parked run's stored state does hold the reference, which the worker resolves again.
    expect(all.get(`${prefix}:runs:${parked}`)).toContain('env:HF_TOKEN');
    expect(await queue.cancel(parked)).toBe('cancelled');
  });

  it('parks waits in the delayed set: 200 polling runs all progress on one worker with 2 slots', async () => {
    // Every create must reach the server before the first endpoint is up: 3 s leaves room for 200
    // creates through 2 slots on a busy machine (1.5 s did not always). Polls 1 s apart: every run
    // still parks between polls, with about half the activations of polls 0.5 s apart.
    const RUNS = 200;
    const slow = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], durations: { pendingMs: 1500, initializingMs: 1500 } });
    try {
      const w = await startWorker({ concurrency: 2, delayThresholdMs: 50 });
      const q = newQueue();
      const prepared = await q.prepare(DEPLOY);
      const ids = await Promise.all(
        Array.from({ length: RUNS }, (_, i) =>
          q.submit(prepared, 'deploy-and-wait', inputs(`many-${i}`, { pollIntervalSeconds: 1, probeHealth: false }), submitOptions(slow)),
        ),
      );
      let maxActive = 0;
      const sampler = setInterval(() => {
        maxActive = Math.max(maxActive, w.stats().active);
      }, 5);
      await until(() => w.stats().finished === RUNS, `all ${RUNS} runs to end`, 40_000);
      clearInterval(sampler);
      const statuses = await Promise.all(ids.map((id) => q.status(id)));
      expect(statuses.filter((s) => s.state === 'succeeded')).toHaveLength(RUNS);
      expect(statuses.every((s) => s.stepExecutions >= 2 && s.activations >= 2)).toBe(true);
      expect(maxActive).toBeLessThanOrEqual(2);
      expect(w.stats().delayed).toBeGreaterThanOrEqual(RUNS);
      // Every run created its endpoint before the first run ended: the two slots were freed by
      // parking runs between polls, not by runs ending.
      const redis = new Redis(url);
      try {
        let lastCreate = 0;
        let firstEnd = Number.POSITIVE_INFINITY;
        for (const id of ids) {
          for (const [, fields] of await redis.xrange(`${prefix}:runs:events:${id}`, '-', '+')) {
            const e = JSON.parse(fields[1] as string) as RunEvent;
            if (e.type === 'step.finished' && e.stepId === 'createEndpoint') lastCreate = Math.max(lastCreate, e.time);
            if (e.type === 'run.finished') firstEnd = Math.min(firstEnd, e.time);
          }
        }
        expect(lastCreate).toBeGreaterThan(0);
        expect(lastCreate).toBeLessThan(firstEnd);
      } finally {
        redis.disconnect();
      }
    } finally {
      await slow.close();
    }
  }, 60_000);

  it('cancels a run whose request is in flight: the request is aborted, the run ends cancelled at once', async () => {
    const slow = await startSimulator({
      tokens: [TOKEN],
      namespaces: ['acme'],
      timeScale: 1000,
      faults: { requests: [{ method: 'GET', path: '/v2/endpoint/acme/inflight', delayMs: 10_000 }] },
    });
    try {
      await startWorker();
      const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('inflight'), submitOptions(slow));
      await until(() => slow.requestCount() >= 2, 'the first poll to be in flight');
      const started = Date.now();
      expect(await queue.cancel(runId)).toBe('cancelling');
      const result = await queue.result(runId, { wait: true, timeoutMs: 5_000 });
      expect(Date.now() - started).toBeLessThan(3_000); // not the 10 s the server takes to answer
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'RUN_CANCELLED', stepId: 'waitUntilRunning', message: 'The run was cancelled (arazzo cancel).' },
      });
      expect((await queue.status(runId)).state).toBe('cancelled');
    } finally {
      await slow.close();
    }
  });

  it('cancels a delayed run: it leaves the delayed set at once and reads as cancelled', async () => {
    await startWorker();
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('delayed-cancel', { pollIntervalSeconds: 120 }), submitOptions());
    const parked = await until(async () => {
      const s = await queue.status(runId);
      return s.state === 'delayed' && s;
    }, 'the run to be parked');
    expect(parked.wakeAt).toBeGreaterThan(Date.now() + 60_000);
    expect(parked.at?.stepId).toBe('waitUntilRunning');
    expect(await queue.cancel(runId)).toBe('cancelled');
    const status = await queue.status(runId);
    expect(status).toMatchObject({ state: 'cancelled', result: { error: { code: 'RUN_CANCELLED' } } });
    const redis = new Redis(url);
    try {
      expect(await redis.zscore(`${prefix}:runs:delayed`, runId)).toBeNull();
    } finally {
      redis.disconnect();
    }
    const events: RunEvent[] = [];
    for await (const e of queue.events(runId, { timeoutMs: 2_000 })) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed', error: { code: 'RUN_CANCELLED' } });
    expect(await queue.cancel(runId)).toBe('finished');
  });

  it('cancels a queued run before any worker takes it; no worker runs it afterwards', async () => {
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('queued-cancel'), submitOptions());
    expect((await queue.status(runId)).state).toBe('queued');
    expect(await queue.cancel(runId)).toBe('cancelled');
    const w = await startWorker();
    await finishAfter();
    expect(w.stats().activations).toBe(1); // the barrier run alone
    expect(sim.endpoints().some((e) => e.name === 'queued-cancel')).toBe(false);
    await expect(queue.cancel('no-such-run')).rejects.toMatchObject({ code: 'QUEUE_RUN_NOT_FOUND' });
  });

  it('forgets finished runs after the retention period', async () => {
    const q = newQueue({ retentionMs: 300 });
    await startWorker();
    const runId = await q.submit(DEPLOY, 'deploy-and-wait', inputs('retained', { probeHealth: false }), submitOptions());
    expect((await q.result(runId, { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
    await until(
      async () => {
        try {
          await q.status(runId);
          return false;
        } catch (err) {
          return (err as { code?: string }).code === 'QUEUE_RUN_NOT_FOUND';
        }
      },
      'the finished run to expire',
      8_000,
    );
    const left = [...(await dumpAll(url)).keys()].filter((k) => k.includes(runId));
    expect(left).toEqual([]);
  });

  it('fails a run whose secret the worker cannot resolve, before any request', async () => {
    const before = sim.requestCount();
    await startWorker({ env: {} });
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('no-secret'), submitOptions());
    const result = await queue.result(runId, { wait: true, timeoutMs: 10_000 });
    expect(result?.error?.code).toBe('QUEUE_SECRET_UNRESOLVED');
    expect(result?.error?.message).toContain('env:HF_TOKEN');
    expect(sim.requestCount()).toBe(before);
  });

  it('resolves secret references through a provider the worker is given', async () => {
    const asked: string[] = [];
    await startWorker({
      env: {},
      secrets: (r) => {
        asked.push(`${r.scheme}|${r.name}|${r.input}`);
        return r.reference === 'vault:hf#token' ? TOKEN : undefined;
      },
    });
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('provided', { probeHealth: false }), {
      ...submitOptions(),
      secrets: { hfToken: 'vault:hf#token' },
    });
    expect((await queue.result(runId, { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
    expect(asked[0]).toBe('vault|hf#token|hfToken');
  });

  it('hands the runs in progress back when a worker closes; another worker finishes them', async () => {
    const a = await startWorker({ delayThresholdMs: 60_000 });
    const runId = await queue.submit(DEPLOY, 'deploy-and-wait', inputs('handover', { pollIntervalSeconds: 0.2 }), submitOptions());
    await until(async () => (await queue.status(runId)).stepExecutions >= 2, 'the run to poll on worker A');
    const closing = Date.now();
    await a.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
    expect(a.stats().handedOver).toBe(1);
    expect((await queue.status(runId)).result).toBeUndefined();
    const b = await startWorker();
    expect((await queue.result(runId, { wait: true, timeoutMs: 15_000 }))?.status).toBe('succeeded');
    expect(b.stats().finished).toBe(1);
  });
});
