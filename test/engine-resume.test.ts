import { afterEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';
import type { RunState } from '../src/engine/state.js';
import { autoAdvance, json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  nock.cleanAll();
  nock.enableNetConnect();
});

const pollWorkflow = {
  workflowId: 'w',
  inputs: { type: 'object', properties: { token: { type: 'string' } } },
  steps: [
    { stepId: 'create', operationId: 'refreshToken', outputs: { id: '$response.body#/id' } },
    {
      stepId: 'poll',
      operationId: 'getStatus',
      parameters: [{ name: 'Authorization', in: 'header', value: 'Bearer {$inputs.token}' }],
      'x-delay': 2,
      outputs: { state: '$response.body#/state', seen: '$response.body#/n' },
      onSuccess: [{ name: 'wait', type: 'goto', stepId: 'poll', criteria: [{ condition: "$response.body#/state != 'ready'" }] }],
    },
  ],
  outputs: { id: '$steps.create.outputs.id', state: '$steps.poll.outputs.state', polls: '$steps.poll.outputs.seen' },
};

function pollServer(): Promise<TestServer> {
  let n = 0;
  return startServer((req, res) => {
    if (req.url === '/base/token') return json(res, 200, { id: 'job-1' });
    n += 1;
    return json(res, 200, { state: n >= 5 ? 'ready' : 'pending', n });
  });
}

describe('checkpoint and resume', () => {
  it('a run resumed from a JSON checkpoint ends exactly like an uninterrupted run', async () => {
    // Uninterrupted reference run.
    server = await pollServer();
    const clockA = new ManualClock();
    const reference = await runWorkflow(
      await loadDoc([pollWorkflow]),
      'w',
      { token: 'tok-secret' },
      { servers: { api: `${server.url}/base` }, clock: clockA, onEvent: autoAdvance(clockA), history: true },
    );
    expect(reference.status).toBe('succeeded');
    const referenceUrls = server.requests.map((r) => r.url);
    await server.close();

    // Interrupted run: the "process" dies after the third checkpoint.
    server = await pollServer();
    const clockB = new ManualClock();
    const ac = new AbortController();
    const checkpoints: string[] = [];
    const first = await runWorkflow(
      await loadDoc([pollWorkflow]),
      'w',
      { token: 'tok-secret' },
      {
        servers: { api: `${server.url}/base` },
        clock: clockB,
        onEvent: autoAdvance(clockB),
        signal: ac.signal,
        onCheckpoint: (state) => {
          checkpoints.push(JSON.stringify(state));
          if (checkpoints.length === 3) ac.abort();
        },
      },
    );
    expect(first.error?.code).toBe('RUN_CANCELLED');
    expect(server.requests).toHaveLength(3);

    // A new "process": a freshly loaded document, the state parsed from text.
    const saved = JSON.parse(checkpoints[2]!) as RunState;
    const events: RunEvent[] = [];
    const resumed = await runWorkflow(
      await loadDoc([pollWorkflow]),
      'w',
      {},
      { servers: { api: `${server.url}/base` }, clock: clockB, onEvent: autoAdvance(clockB, events), resume: saved },
    );
    expect(resumed.status).toBe('succeeded');
    expect(resumed.outputs).toEqual(reference.outputs);
    expect(resumed.stepExecutions).toBe(reference.stepExecutions);
    expect(server.requests.map((r) => r.url)).toEqual(referenceUrls);
    // The resumed run still knows the token is secret and that `poll` already ran (so it waits x-delay).
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer tok-secret');
    expect(JSON.stringify(events)).not.toContain('tok-secret');
    expect(events.filter((e) => e.type === 'delay.started').length).toBeGreaterThan(0);
  });

  it('a checkpoint taken while the next request is decided resends it once without counting it twice', async () => {
    // After `create`, the next move is the first `poll` request (no delay before a first execution).
    const workflow = { ...pollWorkflow, steps: [pollWorkflow.steps[0], { ...pollWorkflow.steps[1], 'x-max-executions': 5 }] };
    server = await pollServer();
    const clock = new ManualClock();
    const ac = new AbortController();
    let saved = '';
    await runWorkflow(
      await loadDoc([workflow]),
      'w',
      { token: 't' },
      {
        servers: { api: `${server.url}/base` },
        clock,
        signal: ac.signal,
        onCheckpoint: (state) => {
          saved = JSON.stringify(state);
          ac.abort();
        },
      },
    );
    expect(JSON.parse(saved)).toMatchObject({ stepExecutions: 2, frames: [{ sending: true }] });
    const events: RunEvent[] = [];
    const resumed = await runWorkflow(
      await loadDoc([workflow]),
      'w',
      {},
      { servers: { api: `${server.url}/base` }, clock, onEvent: autoAdvance(clock, events), resume: JSON.parse(saved) as RunState },
    );
    // 1 create + 5 polls: exactly x-max-executions, so the resent poll was not counted again.
    expect(resumed).toMatchObject({ status: 'succeeded', stepExecutions: 6, outputs: { state: 'ready', polls: 5 } });
    expect(server.requests.map((r) => r.url)).toEqual(['/base/token', ...Array(5).fill('/base/status')]);
    const started = events.filter((e) => e.type === 'step.started').map((e) => (e as { execution: number }).execution);
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a resume value that is not a run state', async () => {
    const doc = await loadDoc([pollWorkflow]);
    await expect(runWorkflow(doc, 'w', {}, { resume: { nope: true } as never })).rejects.toMatchObject({ code: 'RESUME_STATE_INVALID' });
  });

  it('checks the whole state and names the bad field, before anything runs', async () => {
    const doc = await loadDoc([pollWorkflow]);
    let saved: RunState | undefined;
    await runWorkflow(
      doc,
      'w',
      {},
      {
        http: { send: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: '{"id":"j","state":"ready"}' }) },
        servers: { api: 'http://api.test' },
        onCheckpoint: (state) => {
          saved ??= JSON.parse(JSON.stringify(state)) as RunState;
        },
      },
    );
    const base = saved as RunState & { frames: Array<Record<string, unknown>> };
    const frame = base.frames[0] as Record<string, unknown>;
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['a null frame', { ...base, frames: [null] }, '/frames/0', /at \/frames\/0 must be object/],
      ['null step outputs', { ...base, frames: [{ ...frame, steps: null }] }, '/frames/0/steps', /at \/frames\/0\/steps must be object/],
      ['a negative counter', { ...base, counts: { '|w|poll': -1 } }, '/counts/|w|poll', /at \/counts\/\|w\|poll must be >= 0/],
      ['an unknown field', { ...base, extra: 1 }, '', /the value has the unknown field "extra"/],
      ['a missing field', { ...base, frames: [{ ...frame, index: undefined }] }, '/frames/0', /at \/frames\/0 lacks the field "index"/],
      ['a workflow the document lacks', { ...base, frames: [{ ...frame, wf: 'gone' }] }, '/frames/0/wf', /names the workflow "gone"/],
      ['a step index past the workflow', { ...base, frames: [{ ...frame, index: 7 }] }, '/frames/0/index', /is 7, but workflow "w" has 2 step/],
      ['another workflow', { ...base, workflowId: 'other' }, '/workflowId', /belongs to workflow "other", not "w"/],
    ];
    for (const [what, resume, path, message] of cases) {
      const attempt = runWorkflow(doc, 'w', {}, { resume: resume as RunState, servers: { api: 'http://127.0.0.1:9' } });
      await expect(attempt, what).rejects.toMatchObject({ code: 'RESUME_STATE_INVALID', details: { path } });
      await expect(attempt, what).rejects.toThrow(message);
    }
  });

  it('keeps a 10,000-deep response value in outputs: checkpoints, result and resume handle it', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'a', operationId: 'getStatus', outputs: { deep: '$response.body' } },
          { stepId: 'b', operationId: 'getStatus' },
        ],
        outputs: { inner: '$steps.a.outputs.deep#/0/0/0/0' },
      },
    ]);
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const http = { send: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: deep }) };
    const checkpoints: RunState[] = [];
    const result = await runWorkflow(doc, 'w', {}, { http, servers: { api: 'http://api.test' }, onCheckpoint: (s) => void checkpoints.push(s) });
    // (Plain checks: a failing matcher would print the 10,000-deep value.)
    expect(result.status).toBe('succeeded');
    expect(Array.isArray(result.outputs.inner)).toBe(true);
    expect(checkpoints).toHaveLength(2);
    const resumed = await runWorkflow(doc, 'w', {}, { http, servers: { api: 'http://api.test' }, resume: checkpoints[0] });
    expect([resumed.status, resumed.stepExecutions]).toEqual(['succeeded', 2]);
  });

  it('never changes a checkpoint once handed out: each stays what it was when given', async () => {
    server = await pollServer();
    const clock = new ManualClock();
    const given: Array<{ state: RunState; json: string }> = [];
    const result = await runWorkflow(
      await loadDoc([pollWorkflow]),
      'w',
      { token: 't' },
      {
        servers: { api: `${server.url}/base` },
        clock,
        onEvent: autoAdvance(clock),
        onCheckpoint: (state) => void given.push({ state, json: JSON.stringify(state) }),
      },
    );
    expect(result.status).toBe('succeeded');
    expect(given.length).toBe(6);
    for (const { state, json } of given) expect(JSON.stringify(state)).toBe(json);
    expect(result.state).toBe(given.at(-1)?.state);
  });
});

describe('callbacks that throw', () => {
  it('an onCheckpoint or onEvent that throws (or rejects) ends runWorkflow with its error instead of leaving it pending', async () => {
    const doc = await loadDoc([pollWorkflow]);
    const http = { send: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: '{"id":"j","state":"ready"}' }) };
    const base = { http, servers: { api: 'http://api.test' } };
    const boom = new Error('store down');
    await expect(
      runWorkflow(
        doc,
        'w',
        {},
        {
          ...base,
          onCheckpoint: () => {
            throw boom;
          },
        },
      ),
    ).rejects.toBe(boom);
    await expect(runWorkflow(doc, 'w', {}, { ...base, onCheckpoint: async () => Promise.reject(boom) })).rejects.toBe(boom);
    await expect(
      runWorkflow(
        doc,
        'w',
        {},
        {
          ...base,
          onEvent: (e) => {
            if (e.type === 'step.finished') throw boom;
          },
        },
      ),
    ).rejects.toBe(boom);
  });
});

describe('user-supplied fetch', () => {
  it('sends requests through RunOptions.fetch (intercepted by nock)', async () => {
    nock.disableNetConnect();
    const scope = nock('http://api.example.test')
      .post('/base/token')
      .reply(200, { id: 'n-1' })
      .get('/base/status')
      .matchHeader('authorization', 'Bearer abc')
      .reply(200, { state: 'ready', n: 1 });
    const result = await runWorkflow(
      await loadDoc([pollWorkflow]),
      'w',
      { token: 'abc' },
      { fetch: globalThis.fetch, servers: { api: 'http://api.example.test/base' } },
    );
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ id: 'n-1', state: 'ready', polls: 1 });
    expect(scope.isDone()).toBe(true);
  });
});
