import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import { MAX_INPUT_DEPTH } from '../src/document/input-text.js';
import type { RunEvent } from '../src/engine/types.js';
import { autoAdvance, json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer;
afterEach(async () => server?.close());
const servers = (): Record<string, string> => ({ api: `${server.url}/base` });

/** A server whose /status answers from a script (last entry repeats). */
async function scripted(script: Array<{ status: number; body?: unknown; headers?: Record<string, string>; text?: string }>): Promise<TestServer> {
  let i = 0;
  server = await startServer((req, res) => {
    if (req.url.startsWith('/base/token')) return json(res, 200, { token: 'fresh' });
    const step = script[Math.min(i++, script.length - 1)]!;
    if (step.text !== undefined) {
      res.writeHead(step.status, { 'content-type': 'application/xml', ...step.headers });
      res.end(step.text);
      return;
    }
    json(res, step.status, step.body ?? {}, step.headers);
  });
  return server;
}

const statusStep = (extra: Record<string, unknown> = {}) => ({ stepId: 'poll', operationId: 'getStatus', ...extra });

describe('success criteria', () => {
  it('passes when simple, regex, jsonpath and xpath criteria all hold', async () => {
    await scripted([{ status: 200, body: { state: 'READY', items: [{ id: 1 }] } }]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          statusStep({
            successCriteria: [
              { condition: "$statusCode == 200 && $response.body#/state == 'ready'" },
              { context: '$response.body#/state', condition: '^READ', type: 'regex' },
              { context: '$response.body', condition: '$.items[?@.id == 1]', type: 'jsonpath' },
            ],
            outputs: { state: '$response.body#/state', missing: '$response.body#/nope' },
          }),
        ],
        outputs: { state: '$steps.poll.outputs.state' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ state: 'READY' });
  });

  it('evaluates xpath against an XML response kept as text', async () => {
    await scripted([{ status: 200, text: '<status><state>running</state></status>' }]);
    const doc = await loadDoc([
      { workflowId: 'w', steps: [statusStep({ successCriteria: [{ context: '$response.body', condition: "/status/state = 'running'", type: 'xpath' }] })] },
    ]);
    expect((await runWorkflow(doc, 'w', {}, { servers: servers() })).status).toBe('succeeded');
  });

  it('fails with CRITERION_FAILED naming the failed criteria, and still evaluates outputs (P6)', async () => {
    await scripted([{ status: 503, body: { state: 'down' } }]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [statusStep({ successCriteria: [{ condition: '$statusCode == 200' }], outputs: { state: '$response.body#/state' } })],
        outputs: { s: '$steps.poll.outputs.state' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), history: true });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'CRITERION_FAILED', stepId: 'poll', statusCode: 503, failedCriteria: [{ condition: '$statusCode == 200' }] });
    expect(result.error?.responseExcerpt).toContain('down');
    expect(result.steps?.[0]?.outputs).toEqual({ state: 'down' });
  });

  it('without successCriteria a 2xx succeeds and anything else fails (P5)', async () => {
    await scripted([{ status: 404 }]);
    const doc = await loadDoc([{ workflowId: 'w', steps: [statusStep()] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.error).toMatchObject({ code: 'STEP_FAILED', statusCode: 404 });
  });
});

describe('actions', () => {
  it('goto loops to the same step with an x-delay from an expression, then ends', async () => {
    await scripted([
      { status: 200, body: { s: 'pending' } },
      { status: 200, body: { s: 'pending' } },
      { status: 200, body: { s: 'done' } },
    ]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { pollIntervalSeconds: { type: 'number', default: 5 } } },
        steps: [
          statusStep({
            'x-delay': '$inputs.pollIntervalSeconds',
            onSuccess: [
              { name: 'again', type: 'goto', stepId: 'poll', criteria: [{ condition: "$response.body#/s == 'pending'" }] },
              { name: 'stop', type: 'end' },
            ],
          }),
          { stepId: 'never', operationId: 'getStatus' },
        ],
      },
    ]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const t0 = clock.now();
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(server.requests).toHaveLength(3);
    const delays = events.filter((e) => e.type === 'delay.started');
    expect(delays.map((d) => (d.type === 'delay.started' ? [d.ms, d.reason] : []))).toEqual([
      [5000, 'step-delay'],
      [5000, 'step-delay'],
    ]);
    expect(clock.now() - t0).toBe(10_000);
  });

  it('onFailure end ends the workflow as failed (P23); onSuccess end as succeeded', async () => {
    await scripted([{ status: 500 }]);
    const doc = await loadDoc([
      { workflowId: 'w', steps: [statusStep({ onFailure: [{ name: 'giveUp', type: 'end' }] }), { stepId: 'later', operationId: 'getStatus' }] },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toContain('giveUp');
    expect(server.requests).toHaveLength(1);
  });

  it('retries after retryAfter seconds, then succeeds', async () => {
    await scripted([{ status: 503 }, { status: 503 }, { status: 200 }]);
    const doc = await loadDoc([{ workflowId: 'w', steps: [statusStep({ onFailure: [{ name: 'again', type: 'retry', retryAfter: 1.5, retryLimit: 3 }] })] }]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'delay.started').map((e) => (e.type === 'delay.started' ? e.ms : 0))).toEqual([1500, 1500]);
    expect(events.filter((e) => e.type === 'step.started').map((e) => (e.type === 'step.started' ? e.attempt : 0))).toEqual([1, 2, 3]);
  });

  it('a Retry-After header (seconds or HTTP-date) overrides retryAfter', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    await scripted([
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': 'Tue, 01 Jan 2030 00:00:20 GMT' } },
      { status: 200 },
    ]);
    const doc = await loadDoc([{ workflowId: 'w', steps: [statusStep({ onFailure: [{ name: 'again', type: 'retry', retryAfter: 1, retryLimit: 5 }] })] }]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'delay.started').map((e) => (e.type === 'delay.started' ? e.ms : 0))).toEqual([7000, 13000]);
  });

  it('delay.started says where each wait comes from: x-delay, retryAfter or the Retry-After header, also when a run resumes in a wait', async () => {
    const clock = new ManualClock();
    await scripted([
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503 },
      { status: 200, body: { done: false } },
      { status: 200, body: { done: true } },
    ]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          statusStep({
            'x-delay': 3,
            onSuccess: [{ name: 'again', type: 'goto', stepId: 'poll', criteria: [{ condition: '$response.body#/done == false' }] }],
            onFailure: [{ name: 'busy', type: 'retry', retryAfter: 2, retryLimit: 5 }],
          }),
        ],
      },
    ]);
    const events: RunEvent[] = [];
    const checkpoints: unknown[] = [];
    const result = await runWorkflow(
      doc,
      'w',
      {},
      { servers: servers(), clock, onEvent: autoAdvance(clock, events), onCheckpoint: (s) => void checkpoints.push(s) },
    );
    expect(result.status).toBe('succeeded');
    const delays = events.flatMap((e) => (e.type === 'delay.started' ? [{ ms: e.ms, reason: e.reason, source: e.source, retryAfter: e.retryAfter }] : []));
    expect(delays).toEqual([
      { ms: 7000, reason: 'retry', source: 'retry-after', retryAfter: '7' },
      { ms: 2000, reason: 'retry', source: 'retryAfter', retryAfter: undefined },
      { ms: 3000, reason: 'step-delay', source: 'x-delay', retryAfter: undefined },
    ]);
    // Resumed from the checkpoint taken in the first wait, the run announces what is left of it, and why.
    const resumed: RunEvent[] = [];
    const later = new ManualClock();
    await runWorkflow(doc, 'w', {}, { servers: servers(), clock: later, resume: checkpoints[0] as never, onEvent: autoAdvance(later, resumed) });
    expect(resumed.find((e) => e.type === 'delay.started')).toMatchObject({ reason: 'retry', source: 'retry-after', retryAfter: '7' });
  });

  it('once retryLimit is exhausted, later failure actions apply (P13)', async () => {
    await scripted([{ status: 500 }]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          statusStep({
            onFailure: [
              { name: 'again', type: 'retry', retryLimit: 2 },
              { name: 'fallback', type: 'goto', stepId: 'fallback' },
            ],
          }),
          { stepId: 'fallback', operationId: 'refreshToken', onSuccess: [{ name: 'done', type: 'end' }] },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), history: true });
    expect(result.steps?.map((s) => `${s.stepId}:${s.action?.name}`)).toEqual(['poll:again', 'poll:again', 'poll:fallback', 'fallback:done']);
    expect(result.status).toBe('succeeded');
  });

  it('retry with a stepId runs that step first, then retries the failing step', async () => {
    let authorized = false;
    server = await startServer((req, res) => {
      if (req.url === '/base/token') {
        authorized = true;
        return json(res, 200, { token: 't' });
      }
      json(res, authorized ? 200 : 401, {});
    });
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          statusStep({
            onFailure: [{ name: 'refresh', type: 'retry', stepId: 'token', criteria: [{ condition: '$statusCode == 401' }] }],
            onSuccess: [{ name: 'done', type: 'end' }],
          }),
          { stepId: 'token', operationId: 'refreshToken' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), history: true });
    expect(result.steps?.map((s) => `${s.stepId}:${s.statusCode}`)).toEqual(['poll:401', 'token:200', 'poll:200']);
    expect(result.status).toBe('succeeded');
  });

  it('workflow-level actions apply to every step unless a step action has the same name (P13)', async () => {
    await scripted([{ status: 500 }, { status: 200 }]);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        failureActions: [{ name: 'retryAll', type: 'retry', retryLimit: 1 }],
        steps: [statusStep()],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), history: true });
    expect(result.steps?.map((s) => s.action?.name)).toEqual(['retryAll', 'next']);
    expect(result.status).toBe('succeeded');
  });

  it('goto a workflow transfers with parameters as inputs and returns its result (P14)', async () => {
    await scripted([{ status: 200, body: { v: 42 } }]);
    const doc = await loadDoc(
      [
        {
          workflowId: 'first',
          steps: [
            statusStep({
              outputs: { v: '$response.body#/v' },
              onSuccess: [{ name: 'handOff', type: 'goto', workflowId: 'second', parameters: [{ name: 'n', value: '$steps.poll.outputs.v' }] }],
            }),
            { stepId: 'skipped', operationId: 'refreshToken' },
          ],
        },
        {
          workflowId: 'second',
          inputs: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          steps: [{ stepId: 'tok', operationId: 'refreshToken' }],
          outputs: { got: '$inputs.n' },
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'first', {}, { servers: servers() });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ got: 42 });
    expect(server.requests.map((r) => r.url)).toEqual(['/base/status', '/base/token']);
  });

  it('a workflow step passes parameters as inputs and sees the child outputs as $outputs (P16); dependsOn runs first (P15)', async () => {
    await scripted([{ status: 200, body: { v: 'x' } }]);
    const doc = await loadDoc([
      {
        workflowId: 'prereq',
        steps: [{ stepId: 'tok', operationId: 'refreshToken', outputs: { t: '$response.body#/token' } }],
        outputs: { token: '$steps.tok.outputs.t' },
      },
      {
        workflowId: 'child',
        inputs: { type: 'object', properties: { label: { type: 'string' } } },
        steps: [statusStep({ outputs: { v: '$response.body#/v' } })],
        outputs: { combined: '{$inputs.label}-{$steps.poll.outputs.v}' },
      },
      {
        workflowId: 'parent',
        dependsOn: ['prereq'],
        steps: [
          {
            stepId: 'call',
            workflowId: 'child',
            parameters: [{ name: 'label', value: '$workflows.prereq.outputs.token' }],
            successCriteria: [{ condition: "$outputs.combined == 'fresh-x'" }],
            outputs: { fromChild: '$outputs.combined' },
          },
        ],
        outputs: { result: '$steps.call.outputs.fromChild' },
      },
    ]);
    const result = await runWorkflow(doc, 'parent', {}, { servers: servers() });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ result: 'fresh-x' });
  });
});

describe('inputs (P19)', () => {
  it('rejects invalid inputs before sending anything', async () => {
    await scripted([{ status: 200 }]);
    const doc = await loadDoc([
      { workflowId: 'w', inputs: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }, steps: [statusStep()] },
    ]);
    const r1 = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(r1.error?.code).toBe('INPUT_INVALID');
    expect(r1.error?.message).toContain('"id"');
    const r2 = await runWorkflow(doc, 'w', { id: 'abc' }, { servers: servers() });
    expect(r2.error?.code).toBe('INPUT_INVALID');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses inputs nested deeper than MAX_INPUT_DEPTH against an inputs schema with INPUT_INVALID naming the input, never an internal error', async () => {
    await scripted([{ status: 200 }]);
    const doc = await loadDoc([
      { workflowId: 'typed', inputs: { type: 'object', properties: { tree: { type: 'object' } } }, steps: [statusStep()] },
      { workflowId: 'untyped', steps: [statusStep()] },
    ]);
    const tree: Record<string, unknown> = {};
    let node = tree;
    for (let i = 0; i < 10_000; i++) node = node.child = {};
    const r = await runWorkflow(doc, 'typed', { name: 'x', tree }, { servers: servers() });
    expect(r.error).toMatchObject({ code: 'INPUT_INVALID', workflowId: 'typed', limit: MAX_INPUT_DEPTH });
    expect(r.error?.message).toContain(`input "tree" nests values more than ${MAX_INPUT_DEPTH} levels deep (at $.tree.child.child`);
    expect(server.requests).toHaveLength(0);
    // Without an inputs schema nothing copies or validates them: they pass as given.
    expect((await runWorkflow(doc, 'untyped', { tree }, { servers: servers() })).status).toBe('succeeded');
    // Just under the limit, the run goes on.
    let shallow: Record<string, unknown> = {};
    for (let i = 0; i < MAX_INPUT_DEPTH - 10; i++) shallow = { child: shallow };
    expect((await runWorkflow(doc, 'typed', { tree: shallow }, { servers: servers() })).status).toBe('succeeded');
  });

  it("refuses a child workflow's inputs built from a response nested 10,000 levels deep", async () => {
    const depth = 10_000;
    await scripted([{ status: 200, text: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, headers: { 'content-type': 'application/json' } }]);
    const doc = await loadDoc([
      { workflowId: 'child', inputs: { type: 'object', properties: { deep: { type: 'object' } } }, steps: [statusStep()] },
      {
        workflowId: 'parent',
        steps: [
          statusStep({ outputs: { body: '$response.body' } }),
          { stepId: 'call', workflowId: 'child', parameters: [{ name: 'deep', value: '$steps.poll.outputs.body' }] },
        ],
      },
    ]);
    const r = await runWorkflow(doc, 'parent', {}, { servers: servers() });
    expect(r.error).toMatchObject({ code: 'INPUT_INVALID', workflowId: 'parent', stepId: 'call' });
    expect(r.error?.message).toContain('Inputs of workflow "child" are invalid: input "deep" nests values more than 1000 levels deep (at $.deep.a.a');
  });

  it('rejects an unknown workflowId with WORKFLOW_NOT_FOUND', async () => {
    await scripted([{ status: 200 }]);
    const doc = await loadDoc([{ workflowId: 'w', steps: [statusStep()] }]);
    await expect(runWorkflow(doc, 'nope', {})).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });
});

describe('workflows in other documents and retry targets', () => {
  it('runs a workflow step whose workflow lives in an arazzo source, and retries after running a workflow', async () => {
    let authorized = false;
    server = await startServer((req, res) => {
      if (req.url === '/base/token') {
        authorized = true;
        return json(res, 200, { token: 'cross-doc-token' });
      }
      json(res, authorized ? 200 : 401, {});
    });
    const doc = await loadDoc(
      [
        {
          workflowId: 'w',
          steps: [
            statusStep({
              onFailure: [{ name: 'reauth', type: 'retry', workflowId: '$sourceDescriptions.child.refresh', criteria: [{ condition: '$statusCode == 401' }] }],
            }),
            {
              stepId: 'call',
              workflowId: '$sourceDescriptions.child.refresh',
              parameters: [{ name: 'reason', value: 'explicit' }],
              outputs: { token: '$outputs.token', reason: '$outputs.reason' },
            },
          ],
          outputs: { token: '$steps.call.outputs.token', reason: '$steps.call.outputs.reason' },
        },
      ],
      {
        sourceDescriptions: [
          { name: 'api', url: './api.openapi.yml', type: 'openapi' },
          { name: 'child', url: './child.arazzo.yml', type: 'arazzo' },
        ],
      },
    );
    const result = await runWorkflow(doc, 'w', {}, { servers: servers(), history: true });
    expect(result.error).toBeUndefined();
    // The child's token reached the outputs (an unresolved output would be left out): the caller
    // gets it; being named like a secret it is masked in the step records (P21).
    expect(result.outputs).toEqual({ token: 'cross-doc-token', reason: 'explicit' });
    expect(result.steps?.at(-1)?.outputs).toEqual({ token: '***', reason: 'explicit' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /base/status', 'POST /base/token', 'GET /base/status', 'POST /base/token']);
    expect(result.steps?.map((s) => `${s.workflowId}/${s.stepId}`)).toEqual(['w/poll', 'refresh/tok', 'w/poll', 'refresh/tok', 'w/call']);
  });
});

describe('expressions over the exchange', () => {
  it('exposes $url, $method, $request.* and $response.* to outputs, and 1.1 Selector objects', async () => {
    server = await startServer((req, res) =>
      json(res, 200, { items: [{ id: 'first' }, { id: 'second' }], echo: JSON.parse(req.body || '{}') }, { 'x-request-id': 'rid-1' }),
    );
    const doc = await loadDoc(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 'e',
              operationId: 'echo',
              requestBody: { payload: { n: 5 } },
              outputs: {
                url: '$url',
                method: '$method',
                sent: '$request.body#/n',
                header: '$response.header.X-Request-Id',
                second: { context: '$response.body', selector: '$.items[1].id', type: 'jsonpath' },
                pointer: { context: '$response.body', selector: '/echo/n', type: 'jsonpointer' },
              },
            },
          ],
          outputs: Object.fromEntries(['url', 'method', 'sent', 'header', 'second', 'pointer'].map((k) => [k, `$steps.e.outputs.${k}`])),
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ url: `${server.url}/base/echo`, method: 'POST', sent: 5, header: 'rid-1', second: 'second', pointer: 5 });
  });
});

describe('failures across workflows', () => {
  it('a failed dependsOn prerequisite fails the dependent workflow with DEPENDENCY_FAILED', async () => {
    await scripted([{ status: 500 }]);
    const doc = await loadDoc([
      { workflowId: 'prereq', steps: [statusStep()] },
      { workflowId: 'main', dependsOn: ['prereq'], steps: [{ stepId: 'never', operationId: 'refreshToken' }] },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers: servers() });
    expect(result.error).toMatchObject({ code: 'DEPENDENCY_FAILED', workflowId: 'main' });
    expect(result.error?.message).toContain('prereq');
    expect(server.requests.map((r) => r.url)).toEqual(['/base/status']);
  });

  it('workflow-level parameters without `in` become inputs of workflow steps (P27); a child failure is the step failure', async () => {
    await scripted([{ status: 200 }]);
    const doc = await loadDoc([
      { workflowId: 'child', inputs: { type: 'object', required: ['mode'], properties: { mode: { type: 'string', enum: ['fast'] } } }, steps: [statusStep()] },
      {
        workflowId: 'parent',
        parameters: [{ name: 'mode', value: '$inputs.mode' }],
        steps: [{ stepId: 'call', workflowId: 'child', onFailure: [{ name: 'report', type: 'end' }] }],
      },
    ]);
    const ok = await runWorkflow(doc, 'parent', { mode: 'fast' }, { servers: servers() });
    expect(ok.status).toBe('succeeded');
    const bad = await runWorkflow(doc, 'parent', { mode: 'slow' }, { servers: servers(), history: true });
    expect(bad.status).toBe('failed');
    expect(bad.steps?.[0]).toMatchObject({ stepId: 'call', outcome: 'failed', error: { code: 'INPUT_INVALID' }, action: { name: 'report' } });
    expect(server.requests).toHaveLength(1);
  });

  it('a failure says where it happened: the step and the workflow it belongs to, never a step of one with the id of another', async () => {
    await scripted([{ status: 500 }]);
    const doc = await loadDoc([
      { workflowId: 'parent', steps: [{ stepId: 'child', workflowId: 'createAndWait', parameters: [{ name: 'name', value: '$inputs.name' }] }] },
      { workflowId: 'needsChild', dependsOn: ['createAndWait'], steps: [statusStep()] },
      { workflowId: 'createAndWait', inputs: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, steps: [statusStep()] },
    ]);
    // The child workflow could not start (invalid inputs): the parent's step `child` failed.
    const notStarted = await runWorkflow(doc, 'parent', { name: 5 }, { servers: servers() });
    expect(notStarted.error).toMatchObject({ code: 'INPUT_INVALID', workflowId: 'parent', stepId: 'child' });
    expect(notStarted.error?.message).toContain('createAndWait');
    // A prerequisite that could not start: the dependent workflow failed, not the prerequisite.
    const dependency = await runWorkflow(doc, 'needsChild', {}, { servers: servers() });
    expect(dependency.error).toMatchObject({ code: 'DEPENDENCY_FAILED', workflowId: 'needsChild' });
    expect(dependency.error?.stepId).toBeUndefined();
    // The child started and one of its steps failed: that step, in the child workflow.
    const inChild = await runWorkflow(doc, 'parent', { name: 'job' }, { servers: servers() });
    expect(inChild.error).toMatchObject({ code: 'STEP_FAILED', workflowId: 'createAndWait', stepId: 'poll' });
    expect(server.requests).toHaveLength(1);
  });
});
