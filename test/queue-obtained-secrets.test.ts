/**
 * Secrets a run obtains at run time never reach Redis either (issue 12): a workflow logs in (a
 * loopback server answers `{ "accessToken": … }` into a secret-named output), waits parked in the
 * delayed set with the token in its state, then sends the token. With a sealing key shared by the
 * workers, the run succeeds across the park and a change of worker, and no key or value of the
 * Redis server holds the token in any form. Without a key, the run fails with
 * QUEUE_SEAL_KEY_REQUIRED before its next request; under another key, QUEUE_SEAL_KEY_MISMATCH.
 * Needs a real Redis (ARAZZO_TEST_REDIS_URL; see test/queue-helpers.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../src/engine/serialize.js';
import { createArazzoQueue, createArazzoWorker, type ArazzoQueue, type ArazzoWorker, type ArazzoWorkerOptions } from '../src/queue/index.js';
import { json, startServer, type TestServer } from './engine-helpers.js';
import { deleteKeys, dumpAll, redisUrl, testPrefix, until } from './queue-helpers.js';

const url = redisUrl as string;
/** The token the login answers with: distinct from anything else the test uses. */
const ACCESS_TOKEN = 'at_0bta1ned*at(run)time!7f3c9e';
const KEY = randomBytes(32).toString('base64');

const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'login api', version: '1' },
  servers: [{ url: 'http://127.0.0.1:9/' }],
  paths: {
    '/login': { post: { operationId: 'login', responses: { '200': { description: 'a session' } } } },
    '/data': {
      get: {
        operationId: 'getData',
        parameters: [{ name: 'Authorization', in: 'header', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the data' }, '503': { description: 'not ready' } },
      },
    },
  },
};

const ARAZZO = {
  arazzo: '1.0.1',
  info: { title: 'log in, wait, use the token', version: '1' },
  sourceDescriptions: [{ name: 'api', url: './openapi.json', type: 'openapi' }],
  workflows: [
    {
      workflowId: 'login-wait-use',
      steps: [
        {
          stepId: 'login',
          operationId: 'login',
          successCriteria: [{ condition: '$statusCode == 200' }],
          outputs: { accessToken: '$response.body#/accessToken' },
        },
        {
          stepId: 'fetch',
          operationId: 'getData',
          parameters: [{ name: 'Authorization', in: 'header', value: 'Bearer {$steps.login.outputs.accessToken}' }],
          successCriteria: [{ condition: '$statusCode == 200' }],
          // Not ready yet: wait (parked in the delayed set, the token in the run's state) and try again.
          onFailure: [{ name: 'notReady', type: 'retry', retryAfter: 0.3, retryLimit: 200, criteria: [{ condition: '$statusCode == 503' }] }],
          outputs: { data: '$response.body#/value' },
        },
      ],
      outputs: { data: '$steps.fetch.outputs.data', sessionToken: '$steps.login.outputs.accessToken' },
    },
  ],
};

/** Every form the token must never be stored in. */
function forms(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64');
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    b64,
    b64.replace(/=+$/, ''),
    encodeURIComponent(value),
    encode(value),
    encode(value, true),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
}

/** Scan every key of the Redis server, and its whole value, for every form of the token. */
async function expectNoTokenInRedis(): Promise<number> {
  const all = await dumpAll(url);
  for (const [key, value] of all) {
    for (const form of forms(ACCESS_TOKEN)) {
      expect(key.includes(form), `key ${key}`).toBe(false);
      expect(value.includes(form), `the value of ${key} holds the token as ${form}`).toBe(false);
    }
  }
  return all.size;
}

describe.skipIf(!redisUrl)('secrets obtained at run time on the queue', () => {
  const prefix = testPrefix('obtained');
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-obtained-'));
  const file = join(dir, 'login.arazzo.json');
  let server: TestServer;
  let ready = false;
  let queue: ArazzoQueue;
  const workers: ArazzoWorker[] = [];

  const startWorker = async (options: Partial<ArazzoWorkerOptions> = {}): Promise<ArazzoWorker> => {
    const w = createArazzoWorker({ connection: url, prefix, env: {}, lockDurationMs: 2_000, delayThresholdMs: 100, events: 'all', ...options });
    workers.push(w);
    await w.waitUntilReady();
    return w;
  };
  const submit = (runId: string) => queue.submit(file, 'login-wait-use', {}, { runId, servers: { api: server.url } });
  const dataRequests = () => server.requests.filter((r) => r.url === '/data');

  beforeAll(async () => {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(OPENAPI));
    writeFileSync(file, JSON.stringify(ARAZZO));
    server = await startServer((req, res) => {
      if (req.url === '/login') return json(res, 200, { accessToken: ACCESS_TOKEN, expiresIn: 3600 });
      if (req.url === '/data') {
        if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) return json(res, 401, { error: 'no session' });
        return ready ? json(res, 200, { value: 'the-data' }) : json(res, 503, { error: 'not ready' });
      }
      json(res, 404, {});
    });
    queue = createArazzoQueue({ connection: url, prefix });
  });
  beforeEach(() => {
    ready = false;
    server.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await queue?.close();
    await server?.close();
    await deleteKeys(url, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('with a sealing key: the run logs in, is parked with the token in its state, moves to another worker and succeeds; Redis never holds the token', async () => {
    const first = await startWorker({ sealKey: KEY });
    const runId = await submit('obtained-ok');
    await until(async () => (await queue.status(runId)).state === 'delayed' && dataRequests().length >= 1, 'the run to be parked after a 503');
    // Parked: its state (with the token, sealed) is in Redis, and no worker holds it.
    const stored = JSON.stringify((await dumpAll(url)).get(`${prefix}:runs:${runId}`));
    expect(stored).toContain('sealed:');
    expect(await expectNoTokenInRedis()).toBeGreaterThan(5);
    // Another worker, with the same key, continues it.
    await first.close();
    const second = await startWorker({ sealKey: Buffer.from(KEY, 'base64').toString('hex') });
    ready = true;
    const result = await queue.result(runId, { wait: true, timeoutMs: 15_000 });
    expect(result).toMatchObject({ status: 'succeeded', outputs: { data: 'the-data' } });
    // The token went out with every request after the park, as in-process; the result in Redis has it masked.
    expect(dataRequests().at(-1)?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(result?.outputs.sessionToken).toBe('***');
    expect(second.stats().finished).toBe(1);
    expect((await queue.status(runId)).activations).toBeGreaterThanOrEqual(2);
    await expectNoTokenInRedis();
  });

  it('without a key: the run fails with QUEUE_SEAL_KEY_REQUIRED naming the output and the fix, before its next request, storing nothing', async () => {
    await startWorker();
    const runId = await submit('obtained-no-key');
    const result = await queue.result(runId, { wait: true, timeoutMs: 15_000 });
    expect(result?.status).toBe('failed');
    expect(result?.error?.code).toBe('QUEUE_SEAL_KEY_REQUIRED');
    expect(result?.error?.message).toContain('the output "accessToken" of step "login"');
    expect(result?.error?.message).toContain('ARAZZO_SEAL_KEY');
    expect(result?.error?.message).toContain('openssl rand -base64 32');
    expect(server.requests.map((r) => r.url)).toEqual(['/login']);
    await expectNoTokenInRedis();
  });

  it('a worker with another key, or none, fails a run sealed under the key with a clear error, not garbage', async () => {
    /** Park a run on a worker with the key, stop that worker, and let `options` take the run over. */
    const takeOver = async (runId: string, options: Partial<ArazzoWorkerOptions>) => {
      const first = await startWorker({ sealKey: KEY });
      await submit(runId);
      await until(async () => (await queue.status(runId)).state === 'delayed', `run ${runId} to be parked`);
      await first.close();
      const before = dataRequests().length;
      const next = await startWorker(options);
      const result = await queue.result(runId, { wait: true, timeoutMs: 15_000 });
      await next.close();
      // It stopped before sending the token again.
      expect(dataRequests().length).toBe(before);
      return result;
    };
    expect(await takeOver('obtained-wrong-key', { sealKey: randomBytes(32).toString('base64') })).toMatchObject({
      status: 'failed',
      error: { code: 'QUEUE_SEAL_KEY_MISMATCH', message: expect.stringContaining('same ARAZZO_SEAL_KEY') },
    });
    expect(await takeOver('obtained-keyless-worker', {})).toMatchObject({
      status: 'failed',
      error: { code: 'QUEUE_SEAL_KEY_REQUIRED', message: expect.stringContaining('ARAZZO_SEAL_KEY') },
    });
    await expectNoTokenInRedis();
  });
});
