import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArazzo } from '../src/load.js';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';
import { autoAdvance, json, startServer, type TestServer } from './engine-helpers.js';

const seed = fileURLToPath(new URL('./fixtures/engine/hf/workflows/hugging-face-deploy-inference-endpoint-workflow.yml', import.meta.url));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the shipped Hugging Face deploy workflow, unchanged', () => {
  it('creates the endpoint, polls pending → pending → initializing → running and returns its URL', async () => {
    const states = ['pending', 'pending', 'initializing', 'running'];
    let created: Record<string, unknown> | undefined;
    server = await startServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v2/endpoint/acme') {
        created = JSON.parse(req.body) as Record<string, unknown>;
        return json(res, 201, { name: created.name, status: { state: 'pending' } });
      }
      if (req.method === 'GET' && req.url === '/v2/endpoint/acme/my-ep') {
        const state = states.shift() ?? 'running';
        return json(res, 200, { name: 'my-ep', status: { state, url: state === 'running' ? 'https://my-ep.endpoints.example/' : null } });
      }
      return json(res, 404, { error: `unexpected ${req.method} ${req.url}` });
    });
    const doc = await loadArazzo(seed);
    const events: RunEvent[] = [];
    const clock = new ManualClock();
    const result = await runWorkflow(
      doc,
      'deploy-inference-endpoint',
      { hfToken: 'hf_secret_token_123', namespace: 'acme', name: 'my-ep', repository: 'gpt2' },
      { servers: { inferenceEndpointsApi: server.url }, clock, onEvent: autoAdvance(clock, events), history: true },
    );

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ endpointName: 'my-ep', state: 'running', inferenceUrl: 'https://my-ep.endpoints.example/' });
    expect(result.steps?.map((s) => `${s.stepId}:${s.statusCode}:${s.action?.name}`)).toEqual([
      'createEndpoint:201:created',
      'pollStatus:200:stillStarting',
      'pollStatus:200:stillStarting',
      'pollStatus:200:stillStarting',
      'pollStatus:200:ready',
    ]);
    // Defaults from the inputs schema were applied and the payload is structured JSON.
    expect(created).toMatchObject({
      name: 'my-ep',
      type: 'public',
      provider: { vendor: 'aws', region: 'us-east-1' },
      model: { repository: 'gpt2', revision: 'main', task: 'text-generation' },
    });
    // The bare `Bearer $inputs.hfToken` is interpolated (P28)...
    expect(server.requests[0]?.headers.authorization).toBe('Bearer hf_secret_token_123');
    // ...and the token never appears in any event.
    const text = JSON.stringify(events);
    expect(text).not.toContain('hf_secret_token_123');
    expect(events.find((e) => e.type === 'request.sent')).toMatchObject({ request: { headers: { Authorization: '***' } } });
    expect(events[0]?.type).toBe('run.started');
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  });
});
