/**
 * The shipped workflows and OpenAPI descriptions: each workflow runs green against the simulator,
 * each failure path ends as designed (through the engine with a fake clock, and through the CLI's
 * entry function for exit codes), and the OpenAPI files validate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArazzo, runWorkflow } from '../src/index.js';
import type { Clock, RunEvent, RunOptions, RunResult } from '../src/engine/types.js';
import type { LoadedDocument } from '../src/compile/loaded.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';
import { runDemo, TIME_SCALE } from '../src/demo/run-demo.js';
import { fakeIo, runCli, VirtualClock } from './cli-helpers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const wf = (name: string): string => `${ROOT}workflows/${name}`;
const SEED = wf('hugging-face-deploy-inference-endpoint-workflow.yml');
const DEPLOY = wf('hugging-face-deploy-and-wait-workflow.yml');
const LIFECYCLE = wf('hugging-face-endpoint-lifecycle-workflow.yml');
const EMBEDDINGS = wf('hugging-face-elasticsearch-embeddings-workflow.yml');
const CHAT = wf('hugging-face-chat-completion-workflow.yml');

const TOKEN = 'hf_workflow_test_token';
const HOUR = 3_600_000;
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Simulated time: it moves only when something waits (x-delay, retries), by the wait. */
const newClock = (): VirtualClock => new VirtualClock(Date.UTC(2025, 5, 1, 9, 0, 0));

async function simulator(options: SimulatorOptions = {}): Promise<{ sim: Simulator; clock: VirtualClock }> {
  const clock = newClock();
  sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], clock, ...options });
  return { sim, clock };
}

const docs = new Map<string, Promise<LoadedDocument>>();
function load(file: string): Promise<LoadedDocument> {
  if (!docs.has(file)) docs.set(file, loadArazzo(file));
  return docs.get(file) as Promise<LoadedDocument>;
}

async function run(
  file: string,
  workflowId: string,
  inputs: Record<string, unknown>,
  clock: Clock,
  extra: Partial<RunOptions> = {},
): Promise<{ result: RunResult; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const s = sim as Simulator;
  const result = await runWorkflow(
    await load(file),
    workflowId,
    { hfToken: TOKEN, namespace: 'acme', ...inputs },
    {
      clock,
      servers: { inferenceEndpointsApi: s.url, elasticsearchApi: s.elasticsearchUrl },
      limits: { requestTimeoutMs: 2 * HOUR },
      history: true,
      onEvent: (e) => events.push(e),
      ...extra,
    },
  );
  return { result, events };
}

const stepIds = (r: RunResult): string[] => (r.steps ?? []).map((s) => s.stepId);
const distinct = (ids: string[]): string[] => ids.filter((id, i) => ids[i - 1] !== id);

async function createDirectly(
  s: Simulator,
  name: string,
  model: Record<string, unknown> = { repository: 'gpt2', framework: 'pytorch', task: 'text-generation' },
): Promise<void> {
  const res = await request(`${s.url}/v2/endpoint/acme`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      type: 'authenticated',
      provider: { vendor: 'aws', region: 'us-east-1' },
      compute: { accelerator: 'cpu', instanceType: 'intel-icl', instanceSize: 'x2', scaling: { minReplica: 1, maxReplica: 1 } },
      model,
    }),
  });
  await res.body.text();
  expect(res.statusCode).toBe(200);
}

async function post(url: string): Promise<void> {
  const res = await request(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  await res.body.text();
}

describe('shipped files', () => {
  it('ships the seed workflow byte for byte as given', () => {
    const seed = readFileSync(`${ROOT}test/fixtures/simulator/seed-workflow.txt`);
    const start = seed.indexOf('arazzo: 1.0.1');
    expect(readFileSync(SEED).equals(seed.subarray(start))).toBe(true);
  });

  it.each(['hugging-face-inference-endpoints-api.yml', 'elasticsearch-inference-api.yml', 'hugging-face-endpoint-inference-api.yml'])(
    'openapi/%s validates',
    async (file) => {
      await expect(SwaggerParser.validate(`${ROOT}openapi/${file}`)).resolves.toBeDefined();
    },
  );

  it('defines the operations and path parameters the seed calls', async () => {
    const api = (await SwaggerParser.dereference(`${ROOT}openapi/hugging-face-inference-endpoints-api.yml`)) as any;
    const ops = Object.values(api.paths as Record<string, Record<string, any>>).flatMap((item) =>
      Object.values(item).filter((op) => op && typeof op === 'object' && 'operationId' in op),
    );
    const ids = ops.map((op) => op.operationId);
    for (const id of [
      'listEndpoints',
      'createEndpoint',
      'getEndpoint',
      'updateEndpoint',
      'deleteEndpoint',
      'pauseEndpoint',
      'resumeEndpoint',
      'scaleEndpointToZero',
      'getEndpointLogs',
      'getEndpointMetrics',
      'listProviders',
    ]) {
      expect(ids).toContain(id);
    }
    const get = api.paths['/v2/endpoint/{namespace}/{endpoint_name}'];
    expect(get.parameters.map((p: { name: string }) => p.name)).toEqual(['namespace', 'endpoint_name']);
    expect(api.servers[0].url).toBe('https://api.endpoints.huggingface.cloud');
    expect(api.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('loads every shipped workflow without errors', async () => {
    for (const file of [SEED, DEPLOY, LIFECYCLE, EMBEDDINGS, CHAT]) {
      const doc = await load(file);
      expect(doc.workflows.size).toBe(1);
    }
  });
});

describe('workflows run green against the simulator', () => {
  it('1. the seed workflow succeeds when create answers 201', async () => {
    // The seed polls without a delay; let simulated time pass one second per request instead.
    let t = Date.UTC(2025, 5, 1);
    sim = await startSimulator({ tokens: [TOKEN], namespaces: ['acme'], createStatus: 201, clock: { now: () => (t += 1000) } });
    const { result } = await run(
      SEED,
      'deploy-inference-endpoint',
      { name: 'seed-gpt2', repository: 'gpt2', instanceType: 'intel-icl', instanceSize: 'x2' },
      newClock(),
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toMatchObject({ endpointName: 'seed-gpt2', state: 'running' });
    expect(result.outputs['inferenceUrl']).toMatch(new RegExp(`^${sim.url}/endpoints/[a-z0-9]+$`));
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'pollStatus']);
  });

  it('1. the seed workflow fails against the create status of the real API (200), as documented', async () => {
    const { clock } = await simulator({ createStatus: 200 });
    const { result } = await run(
      SEED,
      'deploy-inference-endpoint',
      { name: 'seed-gpt2', repository: 'gpt2', instanceType: 'intel-icl', instanceSize: 'x2' },
      clock,
    );
    expect(result.status).toBe('failed');
    expect(result.error?.stepId).toBe('createEndpoint');
    expect(result.error?.statusCode).toBe(200);
  });

  it.each([200, 201, 202] as const)('2. deploy-and-wait accepts create status %i and polls every pollIntervalSeconds until running', async (createStatus) => {
    const { clock } = await simulator({ createStatus });
    const started = clock.now();
    const { result, events } = await run(DEPLOY, 'deploy-and-wait', { name: 'prod-gpt2', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toMatchObject({ endpointName: 'prod-gpt2', state: 'running', message: 'Endpoint is ready', healthStatus: 200 });
    expect(result.outputs['inferenceUrl']).toMatch(/\/endpoints\/[a-z0-9]+$/);
    // pending 10 s + initializing 90 s, polled every 5 s: 21 polls, ready at 100 s, then one health probe.
    expect(stepIds(result).filter((s) => s === 'waitUntilRunning')).toHaveLength(21);
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'waitUntilRunning', 'probeHealth']);
    const probe = result.steps?.at(-1);
    expect(probe).toMatchObject({ stepId: 'probeHealth', statusCode: 200, outcome: 'succeeded', url: `${result.outputs['inferenceUrl']}/health` });
    expect(result.outputs['healthMessage']).toBe(`GET ${result.outputs['inferenceUrl']}/health answered HTTP 200`);
    expect(result.outputs).not.toHaveProperty('healthError');
    expect(clock.now() - started).toBe(100_000);
    const delays = events.filter((e) => e.type === 'delay.started');
    expect(delays.every((e) => e.type === 'delay.started' && e.ms === 5000 && e.reason === 'step-delay')).toBe(true);
  });

  it('2. deploy-and-wait masks the token in results and events', async () => {
    const { clock } = await simulator();
    const { result, events } = await run(DEPLOY, 'deploy-and-wait', { name: 'masked', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    // result.state is the resumable checkpoint and keeps the inputs on purpose; everything shown is masked.
    const { state, ...shown } = result;
    expect(state).toBeDefined();
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it('3. the lifecycle pauses, resumes, updates the hardware, scales to zero and deletes', async () => {
    const { sim, clock } = await simulator();
    await createDirectly(sim, 'life');
    await clock.advance(100_000);
    const { result } = await run(LIFECYCLE, 'endpoint-lifecycle', { name: 'life' }, clock);
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({
      pausedState: 'paused',
      resumedState: 'running',
      updatedState: 'running',
      instanceType: 'intel-spr',
      instanceSize: 'x4',
      repository: 'gpt2',
      message: 'Endpoint is ready',
      scaledState: 'scaledToZero',
      deletedStatusCode: 404,
    });
    expect(distinct(stepIds(result))).toEqual([
      'pauseEndpoint',
      'resumeEndpoint',
      'waitAfterResume',
      'updateHardware',
      'waitAfterUpdate',
      'scaleToZero',
      'deleteEndpoint',
      'confirmDeleted',
    ]);
    expect(sim.endpoints()).toEqual([]);
  });

  it('3. the lifecycle changes the model too when modelUpdate is given, and only the fields given', async () => {
    const { sim, clock } = await simulator();
    await createDirectly(sim, 'remodel');
    await clock.advance(100_000);
    const { result } = await run(LIFECYCLE, 'endpoint-lifecycle', { name: 'remodel', modelUpdate: { repository: 'openai-community/gpt2-medium' } }, clock);
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({ updatedState: 'running', repository: 'openai-community/gpt2-medium', instanceType: 'intel-spr' });
    const put = result.steps?.find((s) => s.stepId === 'updateHardware');
    expect(put?.statusCode).toBe(200);
  });

  it('4. deploys an embedding model, registers it with Elasticsearch and embeds through it', async () => {
    const { clock, sim } = await simulator({ elasticsearch: { apiKeys: ['es-api-key'] } });
    const { result } = await run(EMBEDDINGS, 'deploy-embeddings-to-elasticsearch', { name: 'minilm', esApiKey: 'es-api-key' }, clock);
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({ state: 'running', inferenceId: 'hugging-face-embeddings', dimensions: 384, similarity: 'cosine' });
    expect(result.outputs['embedding']).toHaveLength(384);
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'waitUntilRunning', 'probeHealth', 'registerInElasticsearch', 'embedThroughElasticsearch']);
    const probe = result.steps?.find((s) => s.stepId === 'probeHealth');
    expect(probe?.url).toBe(`${result.outputs['inferenceUrl']}/health`);
    expect(sim.endpoints()[0]?.['model']).toMatchObject({ repository: 'sentence-transformers/all-MiniLM-L6-v2', task: 'sentence-embeddings' });
  });

  it('5. deploys a text-generation model and gets a chat completion from its run-time URL', async () => {
    const { clock } = await simulator();
    const { result } = await run(CHAT, 'deploy-and-chat', { name: 'chatty', prompt: 'Name one API workflow format.' }, clock);
    expect(result.error).toBeUndefined();
    expect(result.outputs['reply']).toContain('Name one API workflow format.');
    expect(result.outputs['finishReason']).toBe('stop');
    const chat = result.steps?.find((s) => s.stepId === 'chat');
    expect(chat?.url).toBe(`${result.outputs['inferenceUrl']}/v1/chat/completions`);
  });
});

describe('deploy-and-wait failure paths', () => {
  it('ends failed on a failed deploy, with the server message as an output', async () => {
    const { clock } = await simulator({ faults: { failDeploy: true } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'doomed', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    expect(result.outputs['state']).toBe('failed');
    expect(result.outputs['message']).toContain('Endpoint failed to deploy');
    expect(result.outputs['errorMessage']).toContain('Delete the endpoint and create it again');
    expect(result.error).toMatchObject({ stepId: 'waitUntilRunning', statusCode: 200 });
    expect(result.error?.message).toContain('deploymentFailed');
  });

  it('adopts an existing running endpoint on 409 without creating another', async () => {
    const { sim, clock } = await simulator();
    await createDirectly(sim, 'taken');
    await clock.advance(100_000);
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'taken', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    expect(result.steps?.[0]).toMatchObject({ stepId: 'createEndpoint', statusCode: 409, outcome: 'failed' });
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'adoptExisting', 'waitUntilRunning', 'probeHealth']);
    expect(result.outputs['state']).toBe('running');
    expect(sim.endpoints()).toHaveLength(1);
  });

  it.each(['pause', 'scale-to-zero'])('adopts an existing endpoint after %s and resumes it', async (action) => {
    const { sim, clock } = await simulator();
    await createDirectly(sim, 'sleepy');
    await clock.advance(100_000);
    await post(`${sim.url}/v2/endpoint/acme/sleepy/${action}`);
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'sleepy', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'adoptExisting', 'resumeExisting', 'waitUntilRunning', 'probeHealth']);
    expect(result.outputs).toMatchObject({ state: 'running', healthStatus: 200 });
  });

  it.each([
    [
      '4',
      EMBEDDINGS,
      'deploy-embeddings-to-elasticsearch',
      { repository: 'sentence-transformers/all-MiniLM-L6-v2', framework: 'pytorch', task: 'sentence-embeddings' },
    ],
    ['5', CHAT, 'deploy-and-chat', { repository: 'gpt2', framework: 'pytorch', task: 'text-generation' }],
  ] as const)('workflow %s adopts a paused endpoint on 409, resumes it and goes on', async (_n, file, workflowId, model) => {
    const { sim, clock } = await simulator();
    await createDirectly(sim, 'parked', model);
    await clock.advance(100_000);
    await post(`${sim.url}/v2/endpoint/acme/parked/pause`);
    const { result } = await run(file, workflowId, { name: 'parked', esApiKey: 'unused' }, clock);
    expect(result.error).toBeUndefined();
    expect(distinct(stepIds(result)).slice(0, 5)).toEqual(['createEndpoint', 'adoptExisting', 'resumeExisting', 'waitUntilRunning', 'probeHealth']);
    expect(result.outputs['state']).toBe('running');
    expect(sim.endpoints()).toHaveLength(1);
  });

  it('retries a 429 on create after the Retry-After seconds', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'POST', path: '/v2/endpoint/acme', retryAfter: 7, times: 1 }] } });
    const { result, events } = await run(DEPLOY, 'deploy-and-wait', { name: 'limited', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    expect(result.steps?.slice(0, 2).map((s) => s.statusCode)).toEqual([429, 200]);
    expect(events.find((e) => e.type === 'delay.started' && e.reason === 'retry')).toMatchObject({ ms: 7000, stepId: 'createEndpoint' });
  });

  it('retries a burst of 503 while polling', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'GET', path: '/v2/endpoint/acme/burst', status: 503, skip: 2, times: 3 }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'burst', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    expect(result.steps?.filter((s) => s.statusCode === 503)).toHaveLength(3);
  });

  it('retries a dropped connection, and a create that was dropped after all is adopted', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'GET', drop: true, skip: 1, times: 1 }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'flaky', repository: 'gpt2' }, clock);
    expect(result.status).toBe('succeeded');
    const dropped = result.steps?.find((s) => s.statusCode === undefined);
    expect(dropped).toMatchObject({ stepId: 'waitUntilRunning', outcome: 'failed' });
    expect(dropped?.error?.code).toBe('HTTP_CONNECTION');
  });

  it('fails with HTTP_CONNECTION once the retries for dropped connections are used up', async () => {
    const { clock, sim } = await simulator({ faults: { requests: [{ drop: true }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'offline', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('HTTP_CONNECTION');
    expect(result.steps).toHaveLength(4);
    expect(sim.requestCount()).toBe(4);
  });

  it('stops polling when the guard (maxWaitSeconds) is exceeded', async () => {
    const { clock } = await simulator({ durations: { initializingMs: 30 * 60_000 } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'slow', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_DEADLINE_EXCEEDED', stepId: 'waitUntilRunning', limit: 1200 });
    expect(result.error?.message).toContain('1200');
    // Polls at 0, 5, ..., 1195 s; the next one would start 1200 s after the first.
    expect(stepIds(result).filter((s) => s === 'waitUntilRunning')).toHaveLength(240);
  });

  const HEALTH = /^\/endpoints\/[a-z0-9]+\/health$/;
  const UNHEALTHY = { error: 'unhealthy', error_type: 'healthcheck' };

  it('probes the health route with the token and retries 503 (cold start) every 2 s until it answers 200', async () => {
    const { clock, sim } = await simulator({ faults: { requests: [{ method: 'GET', path: HEALTH, status: 503, body: UNHEALTHY, times: 3 }] } });
    const { result, events } = await run(DEPLOY, 'deploy-and-wait', { name: 'warming', repository: 'gpt2' }, clock);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const probes = (result.steps ?? []).filter((s) => s.stepId === 'probeHealth');
    expect(probes.map((s) => s.statusCode)).toEqual([503, 503, 503, 200]);
    const waits = events.flatMap((e) => (e.type === 'delay.started' && e.stepId === 'probeHealth' ? [[e.ms, e.reason]] : []));
    expect(waits).toEqual([
      [2000, 'retry'],
      [2000, 'retry'],
      [2000, 'retry'],
    ]);
    expect(result.outputs).toMatchObject({ state: 'running', healthStatus: 200 });
    // The probe went to the endpoint's own URL, not to the management API, and carried the token.
    expect(probes[0]?.url).toBe(`${result.outputs['inferenceUrl']}/health`);
    expect(sim.endpoints()).toHaveLength(1);
  });

  it('waits out a real scale-to-zero cold start of the simulated model: 503 for 30 s, then 200', async () => {
    const { sim, clock } = await simulator();
    // An endpoint that scales to zero after 1 idle minute, running since 100 s after its creation.
    const res = await request(`${sim.url}/v2/endpoint/acme`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'idle',
        type: 'authenticated',
        provider: { vendor: 'aws', region: 'us-east-1' },
        compute: { accelerator: 'cpu', instanceType: 'intel-icl', instanceSize: 'x2', scaling: { minReplica: 0, maxReplica: 1, scaleToZeroTimeout: 1 } },
        model: { repository: 'gpt2', framework: 'pytorch', task: 'text-generation' },
      }),
    });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    await clock.advance(100_000);
    // The first probe spends a minute in the proxy: by the time it arrives the idle endpoint has
    // scaled to zero, so it starts a replica (30 s) and every probe until then answers 503.
    sim.setFaults({ requests: [{ method: 'GET', path: HEALTH, delayMs: 60_000, times: 1 }] });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'idle', repository: 'gpt2' }, clock);
    expect(result.error).toBeUndefined();
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'adoptExisting', 'waitUntilRunning', 'probeHealth']);
    const probes = (result.steps ?? []).filter((st) => st.stepId === 'probeHealth');
    expect(probes.map((st) => st.statusCode)).toEqual([...Array(15).fill(503), 200]);
    expect(result.outputs).toMatchObject({ state: 'running', healthStatus: 200 });
  });

  it('ends failed with a clear message when the health route never answers 200 (90 retries, 3 minutes)', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'GET', path: HEALTH, status: 503, body: UNHEALTHY }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'sick', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    const probes = (result.steps ?? []).filter((s) => s.stepId === 'probeHealth');
    expect(probes).toHaveLength(91);
    expect((probes.at(-1)?.startedAt ?? 0) - (probes[0]?.startedAt ?? 0)).toBe(180_000);
    expect(result.error).toMatchObject({ code: 'CRITERION_FAILED', stepId: 'probeHealth', statusCode: 503, responseMessage: 'unhealthy' });
    expect(result.error?.message).toContain('"unhealthy" ended the workflow');
    expect(result.outputs).toMatchObject({ state: 'running', healthStatus: 503 });
    expect(result.outputs['healthMessage']).toBe(`GET ${result.outputs['inferenceUrl']}/health answered HTTP 503`);
    expect(result.outputs['healthError']).toBe('unhealthy');
  });

  it('ends failed at once when the health route answers anything but 200 or 503', async () => {
    const { clock } = await simulator({
      faults: { requests: [{ method: 'GET', path: HEALTH, status: 404, body: { error: 'No route GET /health', error_type: 'not_found' } }] },
    });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'noroute', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    expect((result.steps ?? []).filter((s) => s.stepId === 'probeHealth')).toHaveLength(1);
    expect(result.error).toMatchObject({ stepId: 'probeHealth', statusCode: 404 });
    expect(result.outputs['healthMessage']).toMatch(/\/health answered HTTP 404$/);
    expect(result.outputs['healthError']).toBe('No route GET /health');
  });

  it('fails without retrying when the token is refused by the deployed model (401)', async () => {
    const { clock } = await simulator({
      faults: { requests: [{ method: 'GET', path: HEALTH, status: 401, body: { error: 'Invalid credentials in Authorization header' } }] },
    });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'refused', repository: 'gpt2' }, clock);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ stepId: 'probeHealth', statusCode: 401 });
    expect(result.outputs['healthMessage']).toContain('answered HTTP 401');
    expect(result.outputs['healthError']).toContain('Invalid credentials');
  });

  it('skips the probe when probeHealth is false (e.g. a public endpoint behind a proxy that blocks /health)', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'GET', path: HEALTH, status: 403 }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'proxied', repository: 'gpt2', endpointType: 'public', probeHealth: false }, clock);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(distinct(stepIds(result))).toEqual(['createEndpoint', 'waitUntilRunning']);
    expect(result.outputs).toMatchObject({ state: 'running', message: 'Endpoint is ready' });
    expect(result.outputs).not.toHaveProperty('healthStatus');
  });

  it('the same public endpoint fails the run when the probe is not skipped', async () => {
    const { clock } = await simulator({ faults: { requests: [{ method: 'GET', path: HEALTH, status: 403 }] } });
    const { result } = await run(DEPLOY, 'deploy-and-wait', { name: 'proxied', repository: 'gpt2', endpointType: 'public' }, clock);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ stepId: 'probeHealth', statusCode: 403 });
  });

  it('lifecycle ends failed when the update ends updateFailed', async () => {
    const { sim, clock } = await simulator({ faults: { failUpdate: true } });
    await createDirectly(sim, 'upd');
    await clock.advance(100_000);
    const { result } = await run(LIFECYCLE, 'endpoint-lifecycle', { name: 'upd' }, clock);
    expect(result.status).toBe('failed');
    expect(result.error?.stepId).toBe('waitAfterUpdate');
    expect(result.outputs['updatedState']).toBe('updateFailed');
    expect(result.outputs['message']).toContain('Endpoint failed to update');
    expect(sim.endpoints()).toHaveLength(1);
  });
});

describe('deploy-and-wait through the CLI', () => {
  /**
   * `arazzo run` in-process on simulated time shared with the simulator: a deployment takes its
   * real simulated duration (pending 10 s, initializing 90 s) and the default 5 s poll interval,
   * without any real wait.
   */
  async function cli(args: string[], clock: VirtualClock): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli(args, { env: { HF_TEST_TOKEN: TOKEN, NO_COLOR: '1' }, clock });
  }

  const runArgs = (file: string, url: string, inputs: string[]): string[] => [
    'run',
    file,
    '--server',
    `inferenceEndpointsApi=${url}`,
    '--input',
    'namespace=acme',
    '--input-env',
    'hfToken=HF_TEST_TOKEN',
    '--json',
    ...inputs,
  ];

  async function deploy(options: SimulatorOptions, inputs: string[]): Promise<{ code: number; report: any; stderr: string; sim: Simulator }> {
    const { sim: s, clock } = await simulator(options);
    const out = await cli(runArgs(DEPLOY, s.url, ['--input', 'repository=gpt2', ...inputs]), clock);
    let report: any;
    try {
      report = JSON.parse(out.stdout);
    } catch {
      report = undefined;
    }
    return { code: out.code, report, stderr: out.stderr, sim: s };
  }

  it('exits 0 with the outputs when the endpoint runs, after polling for the simulated 100 s', async () => {
    const { code, report, stderr } = await deploy({}, ['--input', 'name=cli-ok']);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      workflowId: 'deploy-and-wait',
      status: 'succeeded',
      outputs: { endpointName: 'cli-ok', state: 'running', healthStatus: 200 },
    });
    // pending 10 s + initializing 90 s, polled every 5 s from the create on: 21 polls, on every run.
    expect(report.steps.filter((s: { stepId: string }) => s.stepId === 'waitUntilRunning')).toHaveLength(21);
    expect(report.steps.at(-1)).toMatchObject({ stepId: 'probeHealth', statusCode: 200 });
    expect(stderr + JSON.stringify(report)).not.toContain(TOKEN);
    // errorMessage and healthError are only for failures: listed as expected, not printed.
    expect(report.outputs).not.toHaveProperty('errorMessage');
    expect(report.outputs).not.toHaveProperty('healthError');
    expect(report.warnings.map((w: { output: string; expected?: boolean }) => [w.output, w.expected])).toEqual([
      ['errorMessage', true],
      ['healthError', true],
    ]);
    expect(stderr).not.toContain('warning');
  });

  it('exits 1 with the server message when the deployment fails', async () => {
    const { code, report, stderr } = await deploy({ faults: { failDeploy: true } }, ['--input', 'name=cli-failed']);
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.outputs.message).toContain('Endpoint failed to deploy');
    expect(report.error.message).toContain('waitUntilRunning');
    // The health outputs are empty because probeHealth never ran: expected, not printed.
    expect(report.outputs).not.toHaveProperty('healthStatus');
    expect(report.warnings.length).toBeGreaterThan(0);
    expect(report.warnings.every((w: { expected?: boolean }) => w.expected === true)).toBe(true);
    expect(stderr).not.toContain('OUTPUT_UNRESOLVED');
  });

  it('--input probeHealth=false skips the health probe', async () => {
    const { code, report } = await deploy({ faults: { requests: [{ method: 'GET', path: /\/health$/, status: 403 }] } }, [
      '--input',
      'name=cli-noprobe',
      '--input',
      'probeHealth=false',
    ]);
    expect(code).toBe(0);
    expect(report.steps.map((s: { stepId: string }) => s.stepId)).not.toContain('probeHealth');
  });

  it('exits 1 naming the probe when the health route refuses', async () => {
    const { code, report } = await deploy({ faults: { requests: [{ method: 'GET', path: /\/health$/, status: 403 }] } }, ['--input', 'name=cli-blocked']);
    expect(code).toBe(1);
    expect(report.error).toMatchObject({ stepId: 'probeHealth', statusCode: 403 });
    expect(report.outputs.healthMessage).toContain('answered HTTP 403');
  });

  it('exits 1 with STEP_DEADLINE_EXCEEDED when the guard is exceeded', async () => {
    const { code, report } = await deploy({}, ['--input', 'name=cli-slow', '--input', 'maxWaitSeconds=30']);
    expect(code).toBe(1);
    expect(report.error.code).toBe('STEP_DEADLINE_EXCEEDED');
    expect(report.error.message).toContain('x-max-duration');
  });

  it('exits 0 after adopting an existing endpoint on 409', async () => {
    const { sim: s, clock } = await simulator();
    await createDirectly(s, 'cli-taken');
    const out = await cli(runArgs(DEPLOY, s.url, ['--input', 'name=cli-taken', '--input', 'repository=gpt2']), clock);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.steps[0]).toMatchObject({ stepId: 'createEndpoint', statusCode: 409 });
    expect(report.steps[1].stepId).toBe('adoptExisting');
  });

  it('lifecycle exits 1 with the server message when the update ends updateFailed', async () => {
    const { sim: s, clock } = await simulator({ faults: { failUpdate: true } });
    await createDirectly(s, 'cli-upd');
    await clock.advance(100_000);
    const out = await cli(runArgs(LIFECYCLE, s.url, ['--input', 'name=cli-upd']), clock);
    expect(out.code).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.error.stepId).toBe('waitAfterUpdate');
    expect(report.outputs).toMatchObject({ updatedState: 'updateFailed' });
    expect(report.outputs.message).toContain('Endpoint failed to update');
    expect(out.stderr + out.stdout).not.toContain(TOKEN);
  });

  it('exits 2 and sends nothing when a required input is missing or invalid', async () => {
    const { code, sim: s } = await deploy({}, ['--input', 'name=Not_Valid']);
    expect(code).toBe(2);
    expect(s.requestCount()).toBe(0);
  });
});

describe('npm run demo', () => {
  it('runs deploy-and-wait against the in-process simulator and exits with the CLI exit code', async () => {
    // On simulated time, with the demo's own time compression: no real wait.
    const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const io = fakeIo({ NO_COLOR: '1' });
      const code = await runDemo(args, io, { clock: newClock() });
      return { code, stdout: io.out, stderr: io.err };
    };
    const ok = await run(['--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report).toMatchObject({ status: 'succeeded', outputs: { endpointName: 'demo-gpt2', state: 'running', healthStatus: 200 } });
    expect(report.steps.at(-1)).toMatchObject({ stepId: 'probeHealth', statusCode: 200 });
    const text = await run([]);
    expect(text.code).toBe(0);
    expect(text.stdout + text.stderr).toMatch(/probeHealth\s+GET \/endpoints\/[a-z0-9]+\/health\s+200/);
    expect(text.stderr).not.toContain('hf_demo_simulator_token');
    const failed = await run(['--fail-deploy', '--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).outputs.message).toContain('Endpoint failed to deploy');
  });

  it('is described with the time compression it uses', () => {
    for (const doc of ['README.md', 'docs/huggingface.md']) {
      expect(readFileSync(`${ROOT}${doc}`, 'utf8'), doc).toContain(`compressed ${TIME_SCALE}x`);
    }
  });
});
