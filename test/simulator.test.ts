/**
 * The Hugging Face Inference Endpoints simulator, driven with plain HTTP requests and a fake clock.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';
import { parseSimulatorArgs } from '../src/simulator/cli.js';

const TOKEN = 'hf_test_token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

class FakeClock {
  t = Date.UTC(2025, 0, 1, 12, 0, 0);
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<{ sim: Simulator; clock: FakeClock }> {
  const clock = new FakeClock();
  sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], clock, ...options });
  return { sim, clock };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

async function call(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = AUTH): Promise<Answer> {
  const res = await request(url, {
    method: method as 'GET',
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

function endpointBody(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type: 'protected',
    provider: { vendor: 'aws', region: 'us-east-1' },
    compute: { accelerator: 'cpu', instanceType: 'intel-icl', instanceSize: 'x2', scaling: { minReplica: 1, maxReplica: 1 } },
    model: { repository: 'sentence-transformers/all-MiniLM-L6-v2', framework: 'pytorch', task: 'sentence-embeddings' },
    ...overrides,
  };
}

const MINUTES = 60_000;
/** Default pending (10 s) + initializing (90 s). */
const DEPLOY_MS = 100_000;

describe('management API: auth and validation', () => {
  it('answers 401 with the documented message when the token is missing or unknown', async () => {
    const { sim } = await start();
    for (const headers of [{}, { authorization: 'Bearer hf_wrong' }, { authorization: 'Basic abc' }]) {
      const res = await call(`${sim.url}/v2/endpoint/acme`, 'GET', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body.error).toContain('A valid user or organization token, sent as a Bearer, is required');
    }
  });

  it('answers 401 for a namespace the token cannot use, and serves the provider catalog without a token', async () => {
    const { sim } = await start();
    expect((await call(`${sim.url}/v2/endpoint/someone-else`)).status).toBe(401);
    const providers = await call(`${sim.url}/v2/provider`, 'GET', undefined, {});
    expect(providers.status).toBe(200);
    expect(providers.body.items.map((v: { name: string }) => v.name)).toContain('aws');
    const quota = await call(`${sim.url}/v2/provider/acme`);
    expect(quota.body.vendors[0].regions[0].computes[0].quota).toEqual({ maxAccelerators: 16, usedAccelerators: 0 });
  });

  it('rejects names that break the name rule with 400 and says what is allowed', async () => {
    const { sim } = await start();
    for (const name of ['My-Endpoint', 'a'.repeat(33), 'under_score', '']) {
      const res = await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody(name));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/lowercase alphanumeric characters or '-'|name is required/);
    }
    expect((await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('a'.repeat(32)))).status).toBe(200);
  });

  it('names the missing field, the bad enum value or the unknown hardware in a 400', async () => {
    const { sim } = await start();
    const noCompute = endpointBody('x1');
    delete noCompute['compute'];
    expect((await call(`${sim.url}/v2/endpoint/acme`, 'POST', noCompute)).body.error).toContain('compute');
    expect((await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('x2', { type: 'secret' }))).body.error).toContain('type must be one of');
    const badHw = endpointBody('x3', {
      compute: { accelerator: 'cpu', instanceType: 'intel-xyz', instanceSize: 'x2', scaling: { minReplica: 1, maxReplica: 1 } },
    });
    const res = await call(`${sim.url}/v2/endpoint/acme`, 'POST', badHw);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('intel-xyz x2 is not available');
    const bad = await request(`${sim.url}/v2/endpoint/acme`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.statusCode).toBe(400);
    await bad.body.text();
  });

  it('answers 409 on a duplicate name in the same namespace', async () => {
    const { sim } = await start();
    expect((await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('dup'))).status).toBe(200);
    const again = await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('dup'));
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('An endpoint with the same name already exists');
  });
});

describe('management API: the endpoint lifecycle', () => {
  it('creates with 200 by default and 201 when configured, in state pending without a URL', async () => {
    const { sim } = await start();
    const created = await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    expect(created.status).toBe(200);
    expect(created.body.status).toMatchObject({ state: 'pending', url: null, readyReplica: 0, message: 'Endpoint waiting to be scheduled' });
    await sim.close();
    const second = await start({ createStatus: 201 });
    expect((await call(`${second.sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'))).status).toBe(201);
  });

  it('carries every key huggingface_hub requires, with UTC timestamps ending in Z', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('keys', { model: { repository: 'gpt2', framework: 'pytorch' } }));
    clock.advance(DEPLOY_MS);
    const { body } = await call(`${sim.url}/v2/endpoint/acme/keys`);
    for (const key of ['name', 'type', 'healthRoute']) expect(body).toHaveProperty(key);
    for (const key of ['repository', 'framework', 'revision', 'task']) expect(body.model).toHaveProperty(key);
    for (const key of ['state', 'createdAt', 'updatedAt']) expect(body.status).toHaveProperty(key);
    expect(body.status.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(body.status.updatedAt).toMatch(/Z$/);
    expect(body.healthRoute).toBe('/health');
    const list = await call(`${sim.url}/v2/endpoint/acme`);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].model).toHaveProperty('revision');
  });

  it('moves pending -> initializing -> running as the clock advances, and shows the URL only when running', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    const get = async (): Promise<any> => (await call(`${sim.url}/v2/endpoint/acme/ep`)).body;
    expect((await get()).status.state).toBe('pending');
    clock.advance(10_000);
    expect((await get()).status).toMatchObject({ state: 'initializing', url: null });
    clock.advance(89_999);
    expect((await get()).status.state).toBe('initializing');
    clock.advance(1);
    const running = await get();
    expect(running.status).toMatchObject({ state: 'running', message: 'Endpoint is ready', readyReplica: 1, targetReplica: 1 });
    expect(running.status.url).toBe(`${sim.url}/endpoints/${running.status.url.split('/').pop()}`);
  });

  it('compresses every duration by the time scale, and takes custom durations', async () => {
    const { sim, clock } = await start({ timeScale: 30, durations: { pendingMs: 3_000, initializingMs: 27_000 } });
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('fast'));
    clock.advance(999);
    expect((await call(`${sim.url}/v2/endpoint/acme/fast`)).body.status.state).toBe('initializing');
    clock.advance(1);
    expect((await call(`${sim.url}/v2/endpoint/acme/fast`)).body.status.state).toBe('running');
  });

  it('ends a deploy in failed with an explanation when configured to fail', async () => {
    const { sim, clock } = await start({ faults: { failDeploy: ['doomed'] } });
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('doomed'));
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('fine'));
    clock.advance(DEPLOY_MS);
    const doomed = (await call(`${sim.url}/v2/endpoint/acme/doomed`)).body;
    expect(doomed.status).toMatchObject({ state: 'failed', url: null });
    expect(doomed.status.message).toContain('Endpoint failed to deploy');
    expect(doomed.status.errorMessage).toContain('Delete the endpoint and create it again');
    expect((await call(`${sim.url}/v2/endpoint/acme/fine`)).body.status.state).toBe('running');
    const resume = await call(`${sim.url}/v2/endpoint/acme/doomed/resume`, 'POST');
    expect(resume.status).toBe(400);
  });

  it('pauses (URL gone), resumes through pending, and refuses to resume a running endpoint with "already running"', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    clock.advance(DEPLOY_MS);
    const url = (await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status.url;
    const again = await call(`${sim.url}/v2/endpoint/acme/ep/resume`, 'POST');
    expect(again.status).toBe(400);
    expect(again.body.error).toContain('already running');
    const paused = await call(`${sim.url}/v2/endpoint/acme/ep/pause`, 'POST');
    expect(paused.body.status).toMatchObject({ state: 'paused', url: null, targetReplica: 0 });
    const resumed = await call(`${sim.url}/v2/endpoint/acme/ep/resume`, 'POST');
    expect(resumed.status).toBe(200);
    expect(resumed.body.status.state).toBe('pending');
    clock.advance(DEPLOY_MS);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status).toMatchObject({ state: 'running', url });
  });

  it('updates through updating to running, or to updateFailed when configured', async () => {
    const { sim, clock } = await start({ faults: { failUpdate: ['bad'] } });
    for (const name of ['good', 'bad']) await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody(name));
    clock.advance(DEPLOY_MS);
    for (const name of ['good', 'bad']) {
      const res = await call(`${sim.url}/v2/endpoint/acme/${name}`, 'PUT', { compute: { instanceType: 'intel-spr', instanceSize: 'x4' } });
      expect(res.status).toBe(200);
      expect(res.body.status.state).toBe('updating');
      expect(res.body.status.url).not.toBeNull();
      expect(res.body.compute).toMatchObject({ instanceType: 'intel-spr', instanceSize: 'x4', scaling: { minReplica: 1, maxReplica: 1 } });
    }
    clock.advance(30_000);
    expect((await call(`${sim.url}/v2/endpoint/acme/good`)).body.status.state).toBe('running');
    const bad = (await call(`${sim.url}/v2/endpoint/acme/bad`)).body;
    expect(bad.status.state).toBe('updateFailed');
    expect(bad.status.message).toContain('Endpoint failed to update');
    const invalid = await call(`${sim.url}/v2/endpoint/acme/good`, 'PUT', { compute: { instanceSize: 'x99' } });
    expect(invalid.status).toBe(400);
  });

  it('scales to zero keeping the URL, cold-starts on the first request with 503, then serves', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    clock.advance(DEPLOY_MS);
    const scaled = await call(`${sim.url}/v2/endpoint/acme/ep/scale-to-zero`, 'POST');
    expect(scaled.body.status.state).toBe('scaledToZero');
    const url = scaled.body.status.url;
    expect(url).toMatch(/\/endpoints\//);
    expect((await call(`${url}/health`)).status).toBe(503);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status.state).toBe('initializing');
    clock.advance(30_000);
    expect((await call(`${url}/health`)).status).toBe(200);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status.state).toBe('running');
  });

  it('holds a request during a cold start when X-Scale-Up-Timeout covers it', async () => {
    let t = Date.UTC(2025, 0, 1);
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
    sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], clock });
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    t += DEPLOY_MS;
    const url = (await call(`${sim.url}/v2/endpoint/acme/ep/scale-to-zero`, 'POST')).body.status.url;
    expect((await call(`${url}/health`, 'GET', undefined, { ...AUTH, 'x-scale-up-timeout': '10' })).status).toBe(503);
    const before = t;
    const held = await call(url, 'POST', { inputs: 'hi' }, { ...AUTH, 'x-scale-up-timeout': '60' });
    expect(held.status).toBe(200);
    expect(held.body[0]).toHaveLength(384);
    expect(t - before).toBe(30_000);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status.state).toBe('running');
  });

  it('pages the list with limit and cursor', async () => {
    const { sim } = await start();
    for (const name of ['a1', 'a2', 'a3']) await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody(name));
    const first = (await call(`${sim.url}/v2/endpoint/acme?limit=2`)).body;
    expect(first.items.map((e: { name: string }) => e.name)).toEqual(['a1', 'a2']);
    const second = (await call(`${sim.url}/v2/endpoint/acme?limit=2&cursor=${first.nextCursor}`)).body;
    expect(second.items.map((e: { name: string }) => e.name)).toEqual(['a3']);
    expect(second.nextCursor).toBeNull();
    expect((await call(`${sim.url}/v2/endpoint/acme?search=2`)).body.items).toHaveLength(1);
  });

  it('scales to zero by itself after scaleToZeroTimeout idle minutes when minReplica is 0', async () => {
    const { sim, clock } = await start();
    const body = endpointBody('idle', {
      compute: { accelerator: 'cpu', instanceType: 'intel-icl', instanceSize: 'x2', scaling: { minReplica: 0, maxReplica: 1, scaleToZeroTimeout: 15 } },
    });
    expect((await call(`${sim.url}/v2/endpoint/acme`, 'POST', body)).status).toBe(200);
    clock.advance(DEPLOY_MS + 14 * MINUTES);
    expect((await call(`${sim.url}/v2/endpoint/acme/idle`)).body.status.state).toBe('running');
    clock.advance(MINUTES);
    expect((await call(`${sim.url}/v2/endpoint/acme/idle`)).body.status.state).toBe('scaledToZero');
  });

  it('deletes, after which get answers 404; logs and metrics are served', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    clock.advance(DEPLOY_MS);
    const logs = await call(`${sim.url}/v2/endpoint/acme/ep/logs`);
    expect(logs.headers['content-type']).toContain('text/plain');
    expect(logs.text).toContain('Endpoint is ready');
    const metric = await call(`${sim.url}/v2/endpoint/acme/ep/metrics/request-count`, 'POST', { from: 0, to: 600, step: 60 });
    expect(metric.body.values).toHaveLength(11);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep/metrics/nope`, 'POST', { from: 0, to: 1 })).status).toBe(404);
    expect((await call(`${sim.url}/v2/endpoint/acme/ep`, 'DELETE')).body).toEqual({});
    const gone = await call(`${sim.url}/v2/endpoint/acme/ep`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toContain("'ep' not found");
  });
});

describe('fault injection', () => {
  it('answers a burst of 5xx, then recovers', async () => {
    const { sim } = await start({ faults: { requests: [{ method: 'GET', path: '/v2/endpoint/acme', status: 503, times: 2 }] } });
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(503);
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(503);
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(200);
  });

  it('answers 429 with Retry-After, skipping the first matching requests', async () => {
    const { sim } = await start({ faults: { requests: [{ path: '/v2/endpoint/*', retryAfter: 7, skip: 1, times: 1 }] } });
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(200);
    const limited = await call(`${sim.url}/v2/endpoint/acme`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    const { sim } = await start({ faults: { requests: [{ path: /^\/v2\//, drop: true, times: 1 }] } });
    await expect(call(`${sim.url}/v2/endpoint/acme`)).rejects.toThrow();
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(200);
  });

  it('answers slowly on the simulator clock, and faults can be replaced at run time', async () => {
    let release: () => void = () => undefined;
    let sleeping: (ms: number) => void = () => undefined;
    const slept = new Promise<number>((r) => (sleeping = r));
    const clock = {
      now: () => Date.UTC(2025, 0, 1),
      sleep: (ms: number) => {
        sleeping(ms);
        return new Promise<void>((r) => (release = r));
      },
    };
    sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], clock, faults: { requests: [{ delayMs: 5_000, times: 1 }] } });
    let done = false;
    const pending = call(`${sim.url}/v2/endpoint/acme`).then((r) => {
      done = true;
      return r;
    });
    expect(await slept).toBe(5_000);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    release();
    expect((await pending).status).toBe(200);
    sim.setFaults({ requests: [{ status: 500 }] });
    expect((await call(`${sim.url}/v2/endpoint/acme`)).status).toBe(500);
  });
});

describe('the served model behind the endpoint URL', () => {
  async function running(name: string, overrides: Record<string, unknown> = {}): Promise<{ url: string; sim: Simulator; clock: FakeClock }> {
    const started = await start();
    const created = await call(`${started.sim.url}/v2/endpoint/acme`, 'POST', endpointBody(name, overrides));
    expect(created.status).toBe(200);
    started.clock.advance(DEPLOY_MS);
    const url = (await call(`${started.sim.url}/v2/endpoint/acme/${name}`)).body.status.url as string;
    return { url, ...started };
  }

  it('answers 503 before running and serves /health once running; needs a token unless public', async () => {
    const { sim, clock } = await start();
    const created = await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('ep'));
    expect(created.body.status.url).toBeNull();
    clock.advance(DEPLOY_MS);
    const url = (await call(`${sim.url}/v2/endpoint/acme/ep`)).body.status.url;
    expect((await call(`${url}/health`, 'GET', undefined, {})).status).toBe(401);
    expect((await call(`${url}/health`)).status).toBe(200);
    await call(`${sim.url}/v2/endpoint/acme/ep/pause`, 'POST');
    const paused = await call(`${url}/health`);
    expect(paused.status).toBe(503);
    expect(paused.body.error).toContain('paused');
  });

  it('returns deterministic unit-length embeddings of the configured dimension', async () => {
    const { url } = await running('emb');
    const a = await call(url, 'POST', { inputs: ['how big', 'other'] });
    expect(a.status).toBe(200);
    expect(a.body).toHaveLength(2);
    expect(a.body[0]).toHaveLength(384);
    const norm = Math.sqrt(a.body[0].reduce((s: number, v: number) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 3);
    const b = await call(`${url}/embed`, 'POST', { inputs: 'how big' });
    expect(b.body[0]).toEqual(a.body[0]);
    const openai = await call(`${url}/v1/embeddings`, 'POST', { input: 'how big' });
    expect(openai.body.data[0].embedding).toEqual(a.body[0]);
    expect((await call(url, 'POST', { nope: 1 })).status).toBe(422);
  });

  it('generates text and chat completions for a text-generation model', async () => {
    const { url } = await running('gen', { type: 'public', model: { repository: 'gpt2', framework: 'pytorch', task: 'text-generation' } });
    const gen = await call(url, 'POST', { inputs: 'Hello' }, {});
    expect(gen.body[0].generated_text).toContain('Hello');
    const chat = await call(`${url}/v1/chat/completions`, 'POST', { model: 'tgi', messages: [{ role: 'user', content: 'Say hi' }], max_tokens: 50 }, {});
    expect(chat.status).toBe(200);
    expect(chat.body.object).toBe('chat.completion');
    expect(chat.body.choices[0].message).toMatchObject({ role: 'assistant' });
    expect(chat.body.choices[0].message.content).toContain('Say hi');
    expect((await call(`${url}/v1/embeddings`, 'POST', { input: 'x' }, {})).status).toBe(404);
  });
});

describe('Elasticsearch _inference emulation', () => {
  it('fails the PUT when the Hugging Face endpoint cannot be called, like the real validation call', async () => {
    const { sim } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('emb'));
    const servedUrl = sim.endpoints()[0]?.['servedUrl'] as string;
    for (const url of [servedUrl, `${sim.url}/endpoints/does-not-exist`, 'http://127.0.0.1:1/']) {
      const put = await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'PUT', {
        service: 'hugging_face',
        service_settings: { api_key: TOKEN, url },
      });
      expect(put.status).toBe(400);
      expect(put.body.error.reason).toBe('Could not complete inference endpoint creation as validation call to service threw an exception.');
      expect(put.body.status).toBe(400);
    }
    expect((await call(`${sim.elasticsearchUrl}/_inference/_all`)).body.endpoints).toEqual([]);
  });

  it('fails the PUT while the endpoint is paused or scaled to zero, and succeeds once it runs', async () => {
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('emb'));
    clock.advance(DEPLOY_MS);
    const url = (await call(`${sim.url}/v2/endpoint/acme/emb`)).body.status.url as string;
    const put = (): Promise<Answer> =>
      call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'PUT', { service: 'hugging_face', service_settings: { api_key: TOKEN, url } });
    await call(`${sim.url}/v2/endpoint/acme/emb/pause`, 'POST');
    const paused = await put();
    expect(paused.status).toBe(400);
    expect(paused.body.error.caused_by.reason).toContain('[503]');
    await call(`${sim.url}/v2/endpoint/acme/emb/resume`, 'POST');
    clock.advance(DEPLOY_MS);
    await call(`${sim.url}/v2/endpoint/acme/emb/scale-to-zero`, 'POST');
    const scaled = await put();
    expect(scaled.status).toBe(400);
    expect(scaled.body.error.caused_by.reason).toContain('scaled to zero');
    clock.advance(30_000);
    expect((await put()).status).toBe(200);
  });

  it('registers a running endpoint with the dimensions it learned, embeds through it, lists and deletes it', async () => {
    const { sim, clock } = await start({ elasticsearch: { apiKeys: ['es-key'] } });
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('emb'));
    clock.advance(DEPLOY_MS);
    const url = (await call(`${sim.url}/v2/endpoint/acme/emb`)).body.status.url;
    const es = { authorization: 'ApiKey es-key' };
    const body = { service: 'hugging_face', service_settings: { api_key: TOKEN, url } };
    expect((await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'PUT', body, {})).status).toBe(401);
    const withModelId = await call(
      `${sim.elasticsearchUrl}/_inference/text_embedding/hf`,
      'PUT',
      { ...body, service_settings: { ...body.service_settings, model_id: 'x' } },
      es,
    );
    expect(withModelId.status).toBe(400);
    const put = await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'PUT', body, es);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      inference_id: 'hf',
      task_type: 'text_embedding',
      service: 'hugging_face',
      service_settings: { url, similarity: 'cosine', dimensions: 384, rate_limit: { requests_per_minute: 3000 } },
      chunking_settings: { strategy: 'sentence', max_chunk_size: 250, sentence_overlap: 1 },
    });
    expect(JSON.stringify(put.body)).not.toContain(TOKEN);
    expect((await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'PUT', body, es)).body.error.type).toBe('resource_already_exists_exception');
    const inferred = await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'POST', { input: 'hello' }, es);
    expect(inferred.body.text_embedding[0].embedding).toHaveLength(384);
    expect((await call(`${sim.elasticsearchUrl}/_inference/_all`, 'GET', undefined, es)).body.endpoints).toHaveLength(1);
    await call(`${sim.url}/v2/endpoint/acme/emb/pause`, 'POST');
    const whilePaused = await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'POST', { input: 'hello' }, es);
    expect(whilePaused.status).toBe(503);
    expect((await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'DELETE', undefined, es)).body).toEqual({ acknowledged: true, pipelines: [] });
    expect((await call(`${sim.elasticsearchUrl}/_inference/text_embedding/hf`, 'GET', undefined, es)).status).toBe(404);
  });

  it('is absent when turned off', async () => {
    const { sim } = await start({ elasticsearch: false });
    expect((await call(`${sim.elasticsearchUrl}/_inference/_all`)).status).toBe(404);
  });
});

describe('simulator command line', () => {
  it('maps flags to options', () => {
    const options = parseSimulatorArgs([
      '--port',
      '0',
      '--time-scale',
      '30',
      '--create-status',
      '201',
      '--token',
      'a',
      '--token',
      'b',
      '--fail-deploy',
      'x,y',
      '--fault',
      '{"status":503,"times":2}',
      '--pending-seconds',
      '5',
      '--no-elasticsearch',
    ]);
    expect(options).toMatchObject({
      port: 0,
      timeScale: 30,
      createStatus: 201,
      tokens: ['a', 'b'],
      durations: { pendingMs: 5000 },
      faults: { failDeploy: ['x', 'y'], requests: [{ status: 503, times: 2 }] },
      elasticsearch: false,
    });
    expect(parseSimulatorArgs(['--help'])).toBe('help');
  });

  it('takes --fail-deploy and --fail-update without names as "every endpoint"', () => {
    expect(parseSimulatorArgs(['--fail-deploy', '--port', '0'])).toMatchObject({ port: 0, faults: { failDeploy: true } });
    expect(parseSimulatorArgs(['--port', '0', '--fail-update'])).toMatchObject({ faults: { failUpdate: true } });
    expect(parseSimulatorArgs(['--fail-update', 'a,b'])).toMatchObject({ faults: { failUpdate: ['a', 'b'] } });
  });

  it('starts from the built command line on the chosen port and serves the API', async () => {
    const cliPath = fileURLToPath(new URL('../dist/simulator/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cliPath, '--port', '0', '--token', TOKEN, '--namespace', 'acme', '--create-status', '201'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
      });
      const created = await call(`${url}/v2/endpoint/acme`, 'POST', endpointBody('from-cli'));
      expect(created.status).toBe(201);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  });
});

describe('responses match the shipped OpenAPI descriptions', () => {
  /**
   * Checks a simulator answer against the response the description declares for this operation and
   * status: the status must be declared, and a JSON body must match its schema. The whole document
   * is registered with Ajv so recursive schemas (Elasticsearch's caused_by) resolve by reference.
   */
  async function conformance(file: string): Promise<(method: string, template: string, answer: Answer) => string[]> {
    const doc = (await SwaggerParser.bundle(fileURLToPath(new URL(`../openapi/${file}`, import.meta.url)))) as any;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ ...doc, $id: `https://openapi.local/${file}` });
    const pointer = (...parts: string[]): string => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
    return (method, template, answer) => {
      const op = doc.paths?.[template]?.[method.toLowerCase()];
      if (!op) return [`${method} ${template} is not described`];
      const code = String(answer.status);
      const key = op.responses[code] !== undefined ? code : op.responses[`${code[0]}XX`] !== undefined ? `${code[0]}XX` : undefined;
      if (key === undefined) return [`${method} ${template} answered ${code}, which the description does not declare`];
      let response = op.responses[key];
      if (response.$ref) response = doc.components.responses[String(response.$ref).split('/').pop() as string];
      const json = Object.keys(response.content ?? {}).find((m) => m.includes('json'));
      if (json === undefined) return [];
      let ref = `https://openapi.local/${file}#/${pointer('paths', template, method.toLowerCase(), 'responses', key, 'content', json, 'schema')}`;
      if (op.responses[key].$ref)
        ref = `https://openapi.local/${file}#/${pointer('components', 'responses', String(op.responses[key].$ref).split('/').pop() as string, 'content', json, 'schema')}`;
      const validate = ajv.getSchema(ref);
      if (!validate) return [`no schema at ${ref}`];
      return validate(answer.body) ? [] : [`${method} ${template} ${code}: ${ajv.errorsText(validate.errors)}`];
    };
  }

  it('the management API answers what hugging-face-inference-endpoints-api.yml declares', async () => {
    const check = await conformance('hugging-face-inference-endpoints-api.yml');
    const { sim, clock } = await start();
    const E = '/v2/endpoint/{namespace}';
    const N = `${E}/{endpoint_name}`;
    const base = `${sim.url}/v2/endpoint/acme`;
    const problems: string[] = [];
    const run = async (method: string, template: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> => {
      const answer = await call(url, method, body, headers);
      problems.push(...check(method, template, answer));
      return answer;
    };
    const tgi = { tgi: { url: 'ghcr.io/huggingface/text-generation-inference:latest', health_route: '/health' } };
    await run('POST', E, base, endpointBody('ep', { model: { repository: 'gpt2', framework: 'pytorch', task: 'text-generation', image: tgi } }));
    expect((await run('POST', E, base, endpointBody('ep'))).status).toBe(409);
    expect((await run('POST', E, base, { name: 'Not Valid' })).status).toBe(400);
    expect((await run('GET', E, base, undefined, {})).status).toBe(401);
    await run('GET', E, base);
    await run('GET', N, `${base}/ep`);
    clock.advance(DEPLOY_MS);
    expect((await run('GET', N, `${base}/ep`)).body.status.state).toBe('running');
    await run('PUT', N, `${base}/ep`, { compute: { instanceSize: 'x4' } });
    await run('POST', `${N}/pause`, `${base}/ep/pause`);
    await run('POST', `${N}/resume`, `${base}/ep/resume`);
    clock.advance(DEPLOY_MS);
    expect((await run('POST', `${N}/resume`, `${base}/ep/resume`)).status).toBe(400);
    await run('POST', `${N}/scale-to-zero`, `${base}/ep/scale-to-zero`);
    await run('GET', `${N}/logs`, `${base}/ep/logs?tail=5`);
    await run('POST', `${N}/metrics`, `${base}/ep/metrics`, { from: 0, to: 600, step: 60 });
    await run('POST', `${N}/metrics/{metric}`, `${base}/ep/metrics/cpu-usage`, { from: 0, to: 600 });
    await run('GET', '/v2/provider', `${sim.url}/v2/provider`, undefined, {});
    await run('GET', '/v2/provider/{namespace}', `${sim.url}/v2/provider/acme`);
    await run('DELETE', N, `${base}/ep`);
    expect((await run('GET', N, `${base}/ep`)).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('the served model and the Elasticsearch emulation answer what their descriptions declare', async () => {
    const model = await conformance('hugging-face-endpoint-inference-api.yml');
    const es = await conformance('elasticsearch-inference-api.yml');
    const { sim, clock } = await start();
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('emb'));
    await call(`${sim.url}/v2/endpoint/acme`, 'POST', endpointBody('gen', { model: { repository: 'gpt2', framework: 'pytorch', task: 'text-generation' } }));
    const served = Object.fromEntries(sim.endpoints().map((e) => [e['name'] as string, e['servedUrl'] as string]));
    const emb = served['emb'] as string;
    const gen = served['gen'] as string;
    const problems: string[] = [];
    const run = async (check: typeof model, method: string, template: string, url: string, body?: unknown): Promise<Answer> => {
      const answer = await call(url, method, body);
      problems.push(...check(method, template, answer));
      return answer;
    };
    expect((await run(model, 'GET', '/health', `${emb}/health`)).status).toBe(503);
    expect((await run(model, 'POST', '/', emb, { inputs: 'x' })).status).toBe(503);
    clock.advance(DEPLOY_MS);
    await run(model, 'GET', '/health', `${emb}/health`);
    await run(model, 'POST', '/', emb, { inputs: ['a', 'b'] });
    await run(model, 'POST', '/embed', `${emb}/embed`, { inputs: 'a' });
    await run(model, 'POST', '/v1/embeddings', `${emb}/v1/embeddings`, { input: ['a'] });
    expect((await run(model, 'POST', '/', emb, { nope: 1 })).status).toBe(422);
    await run(model, 'POST', '/', gen, { inputs: 'hi' });
    await run(model, 'POST', '/generate', `${gen}/generate`, { inputs: 'hi' });
    await run(model, 'POST', '/v1/chat/completions', `${gen}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });

    const E = sim.elasticsearchUrl;
    const one = '/_inference/{task_type}/{inference_id}';
    const settings = (url: string): unknown => ({ service: 'hugging_face', service_settings: { api_key: TOKEN, url } });
    await run(es, 'GET', '/', `${E}/`);
    expect((await run(es, 'PUT', one, `${E}/_inference/text_embedding/x`, settings('http://127.0.0.1:1/'))).status).toBe(400);
    expect((await run(es, 'PUT', one, `${E}/_inference/text_embedding/x`, settings(emb))).status).toBe(200);
    await run(es, 'GET', one, `${E}/_inference/text_embedding/x`);
    await run(es, 'GET', '/_inference/_all', `${E}/_inference/_all`);
    await run(es, 'POST', '/_inference/text_embedding/{inference_id}', `${E}/_inference/text_embedding/x`, { input: 'hi' });
    expect((await run(es, 'POST', '/_inference/text_embedding/{inference_id}', `${E}/_inference/text_embedding/x`, {})).status).toBe(400);
    await run(es, 'DELETE', one, `${E}/_inference/text_embedding/x`);
    expect((await run(es, 'GET', one, `${E}/_inference/text_embedding/x`)).status).toBe(404);
    expect(problems).toEqual([]);
  });
});
