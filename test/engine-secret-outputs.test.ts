/** P21 for secrets obtained at run time: an output whose name looks secret is a secret from then on. */
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import type { RunEvent } from '../src/engine/types.js';
import type { TestServer } from './engine-helpers.js';
import { loadConformance, scriptedServer } from './fixtures/conformance/helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TOKEN = 'tok-obtained-at-run-time-123';

async function setup() {
  server = await scriptedServer({ '/token': [{ status: 200, body: { access_token: TOKEN } }] });
  const doc = await loadConformance([
    {
      workflowId: 'w',
      steps: [
        { stepId: 'login', operationId: 'token', outputs: { accessToken: '$response.body#/access_token' } },
        // /other echoes the request back, headers included: the token comes back in the body.
        {
          stepId: 'use',
          operationId: 'other',
          parameters: [{ name: 'X-Session', in: 'header', value: '$steps.login.outputs.accessToken' }],
          outputs: { echoed: '$response.body#/headers/x-session' },
        },
      ],
      outputs: { accessToken: '$steps.login.outputs.accessToken', echoed: '$steps.use.outputs.echoed' },
    },
  ]);
  return { doc, servers: { api: server.url } };
}

describe('secret-named outputs', () => {
  it('are masked in the result and in every event after the step that produced them', async () => {
    const { doc, servers } = await setup();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    // The request really carried the token; only what we report hides it.
    expect((server as unknown as { requests: Array<{ headers: Record<string, string> }> }).requests[1]!.headers['x-session']).toBe(TOKEN);
    expect(result.outputs).toEqual({ accessToken: '***', echoed: '***' });
    const loginDone = events.findIndex((e) => e.type === 'step.finished' && e.stepId === 'login');
    expect(loginDone).toBeGreaterThan(0);
    expect(JSON.stringify(events.slice(loginDone))).not.toContain(TOKEN);
  });

  it('are masked in the result without any listener too', async () => {
    const { doc, servers } = await setup();
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.outputs).toEqual({ accessToken: '***', echoed: '***' });
  });
});

describe('writeOnly inputs', () => {
  it('are secrets, as the CLI lists them', async () => {
    server = await scriptedServer({});
    const doc = await loadConformance([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { pin: { type: 'string', writeOnly: true } } },
        steps: [
          { stepId: 'use', operationId: 'other', parameters: [{ name: 'n', in: 'query', value: '$inputs.pin' }], outputs: { url: '$response.body#/url' } },
        ],
        outputs: { url: '$steps.use.outputs.url' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { pin: 'pin-4711-secret' }, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ url: '/other?n=***' });
    expect(JSON.stringify(events)).not.toContain('pin-4711-secret');
  });
});
