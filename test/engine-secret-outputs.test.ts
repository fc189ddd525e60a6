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
  it('are given in clear in RunResult.outputs, what the caller asked for, and masked in every event, the response that delivered them included', async () => {
    const { doc, servers } = await setup();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    // The request really carried the token; only what we report hides it.
    expect((server as unknown as { requests: Array<{ headers: Record<string, string> }> }).requests[1]!.headers['x-session']).toBe(TOKEN);
    expect(result.outputs).toEqual({ accessToken: TOKEN, echoed: TOKEN });
    // The response that delivered the token is masked too: it is reported once the step's outputs are known.
    const types = events.filter((e) => e.type === 'response.received' || e.type === 'step.finished').map((e) => `${e.type} ${'stepId' in e ? e.stepId : ''}`);
    expect(types).toEqual(['response.received login', 'step.finished login', 'response.received use', 'step.finished use']);
    expect(events.find((e) => e.type === 'response.received')).toMatchObject({ response: { statusCode: 200, body: '{"access_token":"***"}' } });
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    // The outputs as the events give them, run.finished and the workflow's own end included.
    const finished = events.filter((e) => e.type === 'run.finished' || e.type === 'workflow.finished');
    expect(finished).toHaveLength(2);
    for (const e of finished) expect(e.type !== 'step.started' && 'outputs' in e ? e.outputs : undefined).toEqual({ accessToken: '***', echoed: '***' });
  });

  it('are given in clear in RunResult.outputs without any listener too, and masked in its steps (history)', async () => {
    const { doc, servers } = await setup();
    expect((await runWorkflow(doc, 'w', {}, { servers })).outputs).toEqual({ accessToken: TOKEN, echoed: TOKEN });
    const withHistory = await runWorkflow(doc, 'w', {}, { servers, history: true });
    expect(withHistory.outputs).toEqual({ accessToken: TOKEN, echoed: TOKEN });
    expect(withHistory.steps?.map((r) => r.outputs)).toEqual([{ accessToken: '***' }, { echoed: '***' }]);
  });

  it('are known as secrets from the step that produced them on, with no listener and no history: a later error never shows them', async () => {
    server = await scriptedServer({ '/token': [{ status: 200, body: { access_token: TOKEN } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'login', operationId: 'token', outputs: { accessToken: '$response.body#/access_token' } },
          // /other echoes the request, token included; its criterion fails, so the error quotes the body.
          {
            stepId: 'use',
            operationId: 'other',
            parameters: [{ name: 'X-Session', in: 'header', value: '$steps.login.outputs.accessToken' }],
            successCriteria: [{ condition: '$statusCode == 201' }],
          },
        ],
        // No workflow output names the token: only the step output says it is a secret.
        outputs: { used: '$statusCode' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('CRITERION_FAILED');
    expect(result.error?.responseExcerpt).toContain('***');
    expect(JSON.stringify(result.error)).not.toContain(TOKEN);
  });
});

describe('secret inputs echoed into outputs', () => {
  it('are given in clear in RunResult.outputs (the workflow outputs them: the caller asked for them), and masked in events', async () => {
    server = await scriptedServer({});
    const doc = await loadConformance([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { apiToken: { type: 'string' } } },
        steps: [{ stepId: 'use', operationId: 'other', parameters: [{ name: 'X-Key', in: 'header', value: '$inputs.apiToken' }] }],
        outputs: { token: '$inputs.apiToken', header: 'Key {$inputs.apiToken}' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { apiToken: 'input-secret-9876' }, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.outputs).toEqual({ token: 'input-secret-9876', header: 'Key input-secret-9876' });
    expect(JSON.stringify(events)).not.toContain('input-secret-9876');
    expect(events.find((e) => e.type === 'run.finished')).toMatchObject({ outputs: { token: '***', header: 'Key ***' } });
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
    // The output holds the secret as the server echoed it: in clear for the caller, masked in events.
    expect(result.outputs).toEqual({ url: '/other?n=pin-4711-secret' });
    expect(JSON.stringify(events)).not.toContain('pin-4711-secret');
  });
});
