/** Conformance: action selection (P13), end (P23), goto workflow (P14), dependsOn (P15), workflow steps (P16), outputs (P6). */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';
import { autoAdvance } from './engine-helpers.js';
import { loadConformance, scriptedServer, serverPerTest } from './fixtures/conformance/helpers.js';

const scripted = serverPerTest();
const serve = scripted.serve;

const poll = (extra: Record<string, unknown> = {}) => ({ stepId: 'a', operationId: 'poll', ...extra });
const other = (extra: Record<string, unknown> = {}) => ({ stepId: 'b', operationId: 'other', ...extra });

describe('P13 action selection', () => {
  it('a step action with the same name replaces the workflow-level action; other workflow actions still apply', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        failureActions: [
          { name: 'recover', type: 'goto', stepId: 'b' },
          { name: 'fallback', type: 'goto', stepId: 'c' },
        ],
        steps: [
          poll({ onFailure: [{ name: 'recover', type: 'goto', stepId: 'b', criteria: [{ condition: '$statusCode == 404' }] }] }),
          other({ onSuccess: [{ name: 'done', type: 'end' }] }),
          { stepId: 'c', operationId: 'token', onSuccess: [{ name: 'done', type: 'end' }] },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers, history: true });
    expect(result.status).toBe('succeeded');
    // The step's "recover" (which does not match a 500) hides the workflow's "recover"; "fallback" wins.
    expect(result.steps?.map((s) => `${s.stepId}:${s.action?.name}`)).toEqual(['a:fallback', 'c:done']);
  });

  it('step actions are considered before workflow-level actions, in order, first match wins', async () => {
    const servers = await serve({ '/poll': [{ status: 200 }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        successActions: [{ name: 'wf-end', type: 'end' }],
        steps: [
          poll({
            onSuccess: [
              { name: 'skip', type: 'goto', stepId: 'c' },
              { name: 'never', type: 'end' },
            ],
          }),
          other(),
          { stepId: 'c', operationId: 'token' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers, history: true });
    expect(result.steps?.map((s) => `${s.stepId}:${s.action?.name}`)).toEqual(['a:skip', 'c:wf-end']);
    expect(scripted.server.hits('/other')).toHaveLength(0);
  });

  it('retries up to retryLimit, then falls through to the next failure action', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({
            onFailure: [
              { name: 'again', type: 'retry', retryLimit: 2 },
              { name: 'elsewhere', type: 'goto', stepId: 'b' },
            ],
          }),
          other(),
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/poll')).toHaveLength(3);
    expect(scripted.server.hits('/other')).toHaveLength(1);
  });

  it('retryLimit 0 never retries and falls straight through', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({
            onFailure: [
              { name: 'again', type: 'retry', retryLimit: 0 },
              { name: 'elsewhere', type: 'goto', stepId: 'b' },
            ],
          }),
          other(),
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/poll')).toHaveLength(1);
  });

  it('retryLimit defaults to a single retry; when exhausted without another action the workflow fails', async () => {
    const servers = await serve({ '/poll': [{ status: 503 }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [poll({ onFailure: [{ name: 'again', type: 'retry' }] })] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_FAILED', stepId: 'a', statusCode: 503 });
    expect(scripted.server.hits('/poll')).toHaveLength(2);
  });

  it('the retry counter resets when the step is entered again through a goto (P26)', async () => {
    const servers = await serve({
      '/poll': [{ status: 500 }],
      '/other': [
        { status: 200, body: { again: true } },
        { status: 200, body: { again: false } },
      ],
    });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({
            onFailure: [
              { name: 'again', type: 'retry', retryLimit: 1 },
              { name: 'side', type: 'goto', stepId: 'b' },
            ],
          }),
          other({ onSuccess: [{ name: 'loop', type: 'goto', stepId: 'a', criteria: [{ condition: '$response.body#/again == true' }] }] }),
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/poll')).toHaveLength(4);
    expect(scripted.server.hits('/other')).toHaveLength(2);
  });

  it('retry waits retryAfter seconds before the next attempt, on the clock', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }, { status: 200 }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [poll({ onFailure: [{ name: 'again', type: 'retry', retryAfter: 1.5 }] })] }]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const t0 = clock.now();
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'delay.started').map((e) => (e as { ms: number }).ms)).toEqual([1500]);
    expect(clock.now() - t0).toBe(1500);
  });

  it('failure action criteria see $statusCode, $response.header (any case) and $response.body', async () => {
    const servers = await serve({ '/poll': [{ status: 429, headers: { 'X-Reason': 'Busy' }, body: { retryable: true } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({
            onFailure: [
              {
                name: 'busy',
                type: 'goto',
                stepId: 'b',
                criteria: [{ condition: "$statusCode == 429 && $response.header.x-reason == 'busy' && $response.body#/retryable == true" }],
              },
            ],
          }),
          other(),
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers, history: true });
    expect(result.status).toBe('succeeded');
    expect(result.steps?.[0]?.action?.name).toBe('busy');
  });

  it('an empty failure-action criteria list always matches', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [poll({ onFailure: [{ name: 'any', type: 'goto', stepId: 'b', criteria: [] }] }), other()] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
  });

  it('a connection failure is matched by failure actions with $statusCode undefined (P5, P24)', async () => {
    const dead = await scriptedServer();
    const deadUrl = dead.url;
    await dead.close();
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({
            onFailure: [
              { name: 'http-error', type: 'end', criteria: [{ condition: '$statusCode >= 500' }] },
              { name: 'no-response', type: 'goto', stepId: 'b', criteria: [{ condition: '$statusCode == null' }] },
            ],
          }),
          { stepId: 'b', operationId: 'other', 'x-server-url': '$inputs.alive' },
        ],
      },
    ]);
    const servers = await serve();
    const result = await runWorkflow(doc, 'w', { alive: scripted.server.url }, { servers: { api: deadUrl }, history: true });
    void servers;
    expect(result.steps?.[0]).toMatchObject({ outcome: 'failed', error: { code: 'HTTP_CONNECTION' }, action: { name: 'no-response' } });
    expect(result.status).toBe('succeeded');
  });
});

describe('end (P23)', () => {
  it('an onSuccess end skips the remaining steps and returns the workflow outputs as succeeded', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { id: 7 } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [poll({ outputs: { id: '$response.body#/id' }, onSuccess: [{ name: 'stop', type: 'end' }] }), other()],
        outputs: { id: '$steps.a.outputs.id' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result).toMatchObject({ status: 'succeeded', outputs: { id: 7 } });
    expect(scripted.server.hits('/other')).toHaveLength(0);
  });

  it('an onFailure end fails the workflow but still returns the outputs that resolve', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { id: 7 } }], '/other': [{ status: 409, body: { reason: 'conflict' } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({ outputs: { id: '$response.body#/id' } }),
          other({ outputs: { reason: '$response.body#/reason', missing: '$response.body#/missing' }, onFailure: [{ name: 'give-up', type: 'end' }] }),
        ],
        outputs: { id: '$steps.a.outputs.id', reason: '$steps.b.outputs.reason', nothing: '$steps.b.outputs.missing' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_FAILED', stepId: 'b', statusCode: 409 });
    expect(result.error?.message).toContain('give-up');
    expect(result.outputs).toEqual({ id: 7, reason: 'conflict' });
  });
});

describe('goto workflowId (P14)', () => {
  it('an onFailure goto to a recovery workflow makes the run succeed with the target outputs; remaining steps are skipped', async () => {
    const servers = await serve({ '/poll': [{ status: 500, body: { code: 'E42' } }], '/other': [{ status: 200, body: { fixed: true } }] });
    const doc = await loadConformance([
      {
        workflowId: 'main',
        steps: [
          poll({
            outputs: { x: '$response.body#/x' },
            onFailure: [{ name: 'recover', type: 'goto', workflowId: 'recovery', parameters: [{ name: 'code', value: '$response.body#/code' }] }],
          }),
          { stepId: 'never', operationId: 'token' },
        ],
        outputs: { mainOnly: '$steps.a.outputs.x' },
      },
      {
        workflowId: 'recovery',
        inputs: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
        steps: [
          { stepId: 'fix', operationId: 'other', parameters: [{ name: 'n', in: 'query', value: '$inputs.code' }], outputs: { fixed: '$response.body#/fixed' } },
        ],
        outputs: { fixed: '$steps.fix.outputs.fixed', code: '$inputs.code' },
      },
    ]);
    const finished: Array<{ workflowId: string; status: string; code?: string }> = [];
    const onEvent = (e: RunEvent) => {
      if (e.type === 'workflow.finished') finished.push({ workflowId: e.workflowId, status: e.status, ...(e.error ? { code: e.error.code } : {}) });
    };
    const result = await runWorkflow(doc, 'main', {}, { servers, onEvent });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ fixed: true, code: 'E42' });
    // The workflow left through onFailure is reported failed, with the step's error; the target succeeds.
    expect(finished).toEqual([
      { workflowId: 'main', status: 'failed', code: 'STEP_FAILED' },
      { workflowId: 'recovery', status: 'succeeded' },
    ]);
    expect(scripted.server.hits('/other')[0]).toMatchObject({ url: '/other?n=E42' });
    expect(scripted.server.hits('/token')).toHaveLength(0);
  });

  it('a goto whose target inputs are invalid fails the run with INPUT_INVALID naming the target', async () => {
    const servers = await serve();
    const doc = await loadConformance([
      { workflowId: 'main', steps: [poll({ onSuccess: [{ name: 'go', type: 'goto', workflowId: 'target' }] })] },
      { workflowId: 'target', inputs: { type: 'object', required: ['code'] }, steps: [other()] },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'INPUT_INVALID', workflowId: 'target' });
    expect(scripted.server.hits('/other')).toHaveLength(0);
  });
});

describe('dependsOn (P15) and workflow steps (P16)', () => {
  it('a prerequisite shared by two workflows runs once; its outputs are visible as $workflows.<id>.outputs', async () => {
    const servers = await serve({ '/token': [{ status: 200, body: { token: 'T1' } }] });
    const doc = await loadConformance([
      {
        workflowId: 'login',
        steps: [{ stepId: 't', operationId: 'token', outputs: { token: '$response.body#/token' } }],
        outputs: { token: '$steps.t.outputs.token' },
      },
      { workflowId: 'one', dependsOn: ['login'], steps: [poll({ parameters: [{ name: 'n', in: 'query', value: '$workflows.login.outputs.token' }] })] },
      { workflowId: 'two', dependsOn: ['login'], steps: [other({ parameters: [{ name: 'n', in: 'query', value: '{$workflows.login.outputs.token}-2' }] })] },
      {
        workflowId: 'main',
        steps: [
          { stepId: 's1', workflowId: 'one' },
          { stepId: 's2', workflowId: 'two' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/token')).toHaveLength(1);
    expect(scripted.server.hits('/poll')[0]).toMatchObject({ url: '/poll?n=T1' });
    expect(scripted.server.hits('/other')[0]).toMatchObject({ url: '/other?n=T1-2' });
  });

  it('a workflow step sees the child outputs as $outputs in criteria and outputs; later steps use $workflows.<child>.outputs', async () => {
    const servers = await serve({ '/token': [{ status: 200, body: { token: 'abc' } }] });
    const doc = await loadConformance([
      {
        workflowId: 'child',
        inputs: { type: 'object', properties: { prefix: { type: 'string' } } },
        steps: [{ stepId: 't', operationId: 'token', outputs: { token: '$response.body#/token' } }],
        outputs: { token: '{$inputs.prefix}:{$steps.t.outputs.token}' },
      },
      {
        workflowId: 'main',
        steps: [
          {
            stepId: 'call',
            workflowId: 'child',
            parameters: [{ name: 'prefix', value: 'P' }],
            successCriteria: [{ condition: "$outputs.token == 'p:ABC'" }],
            outputs: { viaStep: '$outputs.token' },
          },
          other({ parameters: [{ name: 'n', in: 'query', value: '$workflows.child.outputs.token' }] }),
        ],
        outputs: { viaStep: '$steps.call.outputs.viaStep' },
      },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ viaStep: 'P:abc' });
    expect(scripted.server.hits('/other')[0]).toMatchObject({ url: '/other?n=P%3Aabc' });
  });

  it('a failing workflow step can be handled by its own onFailure goto', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      { workflowId: 'child', steps: [poll()] },
      { workflowId: 'main', steps: [{ stepId: 'call', workflowId: 'child', onFailure: [{ name: 'alt', type: 'goto', stepId: 'b' }] }, other()] },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers, history: true });
    expect(result.status).toBe('succeeded');
    expect(result.steps?.find((s) => s.stepId === 'call')).toMatchObject({ outcome: 'failed', action: { name: 'alt' } });
  });
});

describe('retry details (P13, P26)', () => {
  it('retrying a workflow step runs the child workflow again; the step outputs come from the latest run', async () => {
    const servers = await serve({
      '/poll': [
        { status: 500, body: { n: 2 } },
        { status: 200, body: { n: 3 } },
      ],
    });
    const doc = await loadConformance([
      { workflowId: 'child', steps: [poll({ outputs: { n: '$response.body#/n' } })], outputs: { n: '$steps.a.outputs.n' } },
      {
        workflowId: 'main',
        steps: [{ stepId: 'call', workflowId: 'child', outputs: { n: '$outputs.n' }, onFailure: [{ name: 'r', type: 'retry', retryAfter: 1 }] }],
        outputs: { n: '$steps.call.outputs.n' },
      },
    ]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'main', {}, { servers, clock, onEvent: autoAdvance(clock, events), history: true });
    expect(result).toMatchObject({ status: 'succeeded', outputs: { n: 3 } });
    expect(result.steps?.filter((s) => s.stepId === 'call').map((s) => `${s.outcome}:${s.action?.name}`)).toEqual(['failed:r', 'succeeded:next']);
    expect(events.filter((e) => e.type === 'delay.started')).toHaveLength(1);
  });

  it('a retry whose workflow cannot start (invalid inputs) still retries, and reports that workflow as failed', async () => {
    const servers = await serve({ '/poll': [{ status: 401 }, { status: 200 }] });
    const doc = await loadConformance([
      { workflowId: 'refresh', inputs: { type: 'object', required: ['user'] }, steps: [{ stepId: 't', operationId: 'token' }] },
      { workflowId: 'main', steps: [poll({ onFailure: [{ name: 'relogin', type: 'retry', workflowId: 'refresh' }] })] },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'main', {}, { servers, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/token')).toHaveLength(0);
    expect(events.find((e) => e.type === 'workflow.finished' && e.workflowId === 'refresh')).toMatchObject({
      status: 'failed',
      error: { code: 'INPUT_INVALID' },
    });
  });

  it('an unparseable Retry-After header falls back to retryAfter', async () => {
    const servers = await serve({ '/poll': [{ status: 503, headers: { 'Retry-After': 'soon' } }, { status: 200 }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [poll({ onFailure: [{ name: 'r', type: 'retry', retryAfter: 2 }] })] }]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'delay.started').map((e) => (e as { ms: number }).ms)).toEqual([2000]);
  });

  it('a Retry-After HTTP-date in the past retries at once', async () => {
    const servers = await serve({ '/poll': [{ status: 503, headers: { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' } }, { status: 200 }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [poll({ onFailure: [{ name: 'r', type: 'retry', retryAfter: 30 }] })] }]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const t0 = clock.now();
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'delay.started')).toHaveLength(0);
    expect(clock.now()).toBe(t0);
  });
});

describe('workflow-level parameters (P27)', () => {
  it("parameters with `in` reach the workflow's operation steps only; those without `in` become inputs of its workflow steps only", async () => {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'child',
        inputs: { type: 'object', additionalProperties: false, properties: { k: { type: 'string' } } },
        steps: [{ stepId: 'c', operationId: 'other', parameters: [{ name: 'n', in: 'query', value: '$inputs.k' }] }],
      },
      {
        workflowId: 'main',
        parameters: [
          { name: 'n', in: 'query', value: 'Q' },
          { name: 'k', value: 'K' },
        ],
        steps: [
          { stepId: 'o', operationId: 'other' },
          { stepId: 'call', workflowId: 'child' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.requests.map((r) => r.url)).toEqual(['/other?n=Q', '/other?n=K']);
  });
});

describe('outputs (P6)', () => {
  it("re-running a step replaces only that step's outputs, and outputs of a failed execution are kept", async () => {
    const servers = await serve({
      '/poll': [
        { status: 200, body: { n: 1, extra: 'first' } },
        { status: 500, body: { n: 2 } },
      ],
      '/other': [{ status: 200, body: { m: 'kept' } }],
    });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          poll({ outputs: { n: '$response.body#/n', extra: '$response.body#/extra' }, onFailure: [{ name: 'stop', type: 'end' }] }),
          other({ outputs: { m: '$response.body#/m' }, onSuccess: [{ name: 'loop', type: 'goto', stepId: 'a' }] }),
        ],
        outputs: { n: '$steps.a.outputs.n', extra: '$steps.a.outputs.extra', m: '$steps.b.outputs.m' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('failed');
    expect(result.outputs).toEqual({ n: 2, m: 'kept' });
  });
});
