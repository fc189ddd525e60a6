import { describe, expect, it } from 'vitest';
import {
  createMachine,
  newRunState,
  next,
  waitingOn,
  type CoreEvent,
  type Effect,
  type Executed,
  type RunState,
  type Transition,
} from '../src/engine/core/index.js';
import type { LoadedDocument } from '../src/compile/loaded.js';
import { depthOf, frameAt, stackOf } from '../src/engine/state.js';
import { responseView } from '../src/engine/request.js';
import { prepareInputValidation } from '../src/compile/inputs.js';
import { loadDoc as load } from './engine-helpers.js';

/** A document whose input validation is ready: `next` validates inputs synchronously (a driver awaits this in start()). */
async function loadDoc(...args: Parameters<typeof load>): Promise<LoadedDocument> {
  const doc = await load(...args);
  await prepareInputValidation(doc);
  return doc;
}

function response(status: number, body: unknown, headers: Record<string, string> = {}): Executed {
  const h = { 'content-type': 'application/json', ...headers };
  const text = JSON.stringify(body);
  return {
    url: 'http://x/status',
    method: 'GET',
    response: { statusCode: status, headers: h, bodyText: text },
    responseView: responseView(h, text),
    startedAt: 0,
    durationMs: 1,
  };
}

const waitOf = (t: Transition): string => {
  const w = waitingOn(t);
  return w === undefined ? 'done' : w.type === 'send' ? w.step.stepId : `sleep ${w.ms}`;
};
const emitted = (t: Transition, type?: string) =>
  t.effects.flatMap((e: Effect) => (e.type === 'emit' && (type === undefined || e.event.type === type) ? [e.event] : []));

/** Freeze a value and everything in it, so that any write to it throws (ESM code is strict). */
function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const x of Object.values(v)) stack.push(x);
  }
  return value;
}

/** Drive `next` from a fresh state, freezing every state before it goes back in. */
function driver(doc: LoadedDocument, workflowId: string, inputs: Record<string, unknown> = {}, options = {}) {
  const machine = createMachine(doc, options);
  let now = 1000;
  let t = next(machine, deepFreeze(newRunState('r1', workflowId, inputs, now)), { type: 'start', now });
  return {
    get t() {
      return t;
    },
    get state() {
      return t.state;
    },
    tick(ms: number) {
      now += ms;
    },
    feed(event: CoreEvent | ((now: number) => CoreEvent)): Transition {
      const e = typeof event === 'function' ? event(now) : event;
      t = next(machine, deepFreeze(t.state), e);
      return t;
    },
    executed(result: Executed): Transition {
      return this.feed((n) => ({ type: 'executed', now: n, result }));
    },
  };
}

describe('next(): the pure transition', () => {
  it('walks steps in order, follows a goto loop and ends, announcing each step in effects', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'a', operationId: 'refreshToken' },
          {
            stepId: 'b',
            operationId: 'getStatus',
            outputs: { s: '$response.body#/s' },
            onSuccess: [{ name: 'loop', type: 'goto', stepId: 'b', criteria: [{ condition: "$response.body#/s == 'wait'" }] }],
          },
        ],
        outputs: { last: '$steps.b.outputs.s' },
      },
    ]);
    const run = driver(doc, 'w');
    expect(emitted(run.t).map((e) => e.type)).toEqual(['run.started', 'workflow.started', 'step.started']);
    expect(waitOf(run.t)).toBe('a');
    const records: string[] = [];
    for (const body of [{}, { s: 'wait' }, { s: 'ok' }]) {
      run.executed(response(200, body));
      for (const e of emitted(run.t, 'step.finished')) if (e.type === 'step.finished') records.push(`${e.record.stepId}:${e.record.action?.name}`);
    }
    expect(waitOf(run.t)).toBe('done');
    expect(run.state.status).toBe('succeeded');
    expect(run.state.outputs).toEqual({ last: 'ok' });
    expect(records).toEqual(['a:next', 'b:loop', 'b:next']);
    expect(emitted(run.t).at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded', outputs: { last: 'ok' } });
  });

  it('asks for a sleep before a retry, then re-executes; time comes with the events; the counter belongs to the action (P26)', async () => {
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'getStatus', onFailure: [{ name: 'r', type: 'retry', retryAfter: 2, retryLimit: 1 }] }] },
    ]);
    const run = driver(doc, 'w');
    run.tick(500);
    const t = run.executed(response(500, {}));
    expect(waitingOn(t)).toEqual({ type: 'sleep', ms: 2000, until: 3500, workflowId: 'w', stepId: 'a' });
    expect(emitted(t, 'delay.started')).toEqual([{ type: 'delay.started', workflowId: 'w', stepId: 'a', ms: 2000, reason: 'retry', source: 'retryAfter' }]);
    expect(run.state.frames[0]?.retries).toEqual({ r: 1 });
    // The state is plain JSON at this point.
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(JSON.parse(JSON.stringify(run.state)));
    run.tick(2000);
    expect(waitOf(run.feed((now) => ({ type: 'woke', now })))).toBe('a');
    run.executed(response(500, {}));
    expect(waitOf(run.t)).toBe('done');
    expect(run.state.error).toMatchObject({ code: 'STEP_FAILED', stepId: 'a', statusCode: 500 });
  });

  it('never changes the state it is given: every state below was frozen before it went back in', async () => {
    // A tour of transitions: dependsOn, a workflow step (push and pop), a retry with a wait, a goto
    // to another workflow (frame replaced), outputs and $workflows.
    const doc = await loadDoc([
      { workflowId: 'prep', steps: [{ stepId: 'p', operationId: 'refreshToken', outputs: { t: '$response.body#/t' } }], outputs: { t: '$steps.p.outputs.t' } },
      {
        workflowId: 'main',
        dependsOn: ['prep'],
        steps: [
          { stepId: 'child', workflowId: 'child', outputs: { got: '$outputs.v' } },
          {
            stepId: 'poll',
            operationId: 'getStatus',
            onFailure: [{ name: 'again', type: 'retry', retryAfter: 1, retryLimit: 2 }],
            onSuccess: [{ name: 'handOff', type: 'goto', workflowId: 'last', parameters: [{ name: 'x', value: '$steps.child.outputs.got' }] }],
          },
        ],
      },
      { workflowId: 'child', steps: [{ stepId: 'c', operationId: 'getStatus', outputs: { v: '$response.body#/v' } }], outputs: { v: '$steps.c.outputs.v' } },
      {
        workflowId: 'last',
        inputs: { type: 'object', properties: { x: { type: 'string' } } },
        steps: [{ stepId: 'l', operationId: 'refreshToken' }],
        outputs: { x: '$inputs.x' },
      },
    ]);
    const run = driver(doc, 'main');
    expect(waitOf(run.t)).toBe('p');
    run.executed(response(200, { t: 'tok' }));
    expect(waitOf(run.t)).toBe('c');
    expect(run.state.frames.map((f) => f.wf)).toEqual(['main', 'child']);
    run.executed(response(200, { v: 'value' }));
    expect(waitOf(run.t)).toBe('poll');
    run.executed(response(503, {}));
    expect(waitOf(run.t)).toBe('sleep 1000');
    run.tick(1000);
    run.feed((now) => ({ type: 'woke', now }));
    run.executed(response(200, {}));
    expect(waitOf(run.t)).toBe('l');
    expect(run.state.frames.map((f) => f.wf)).toEqual(['last']);
    run.executed(response(200, {}));
    expect(run.state).toMatchObject({ status: 'succeeded', outputs: { x: 'value' }, stepExecutions: 6 });
    expect(run.state.workflows).toMatchObject({ prep: { outputs: { t: 'tok' } }, child: { outputs: { v: 'value' } }, last: { inputs: { x: 'value' } } });
  });

  it('shares what a step did not change: the frames below, the inputs, the other steps outputs', async () => {
    const doc = await loadDoc([
      { workflowId: 'parent', inputs: { type: 'object', properties: { n: { type: 'integer' } } }, steps: [{ stepId: 'call', workflowId: 'child' }] },
      {
        workflowId: 'child',
        steps: [
          { stepId: 'a', operationId: 'refreshToken', outputs: { id: '$response.body#/id' } },
          { stepId: 'b', operationId: 'getStatus', onSuccess: [{ name: 'again', type: 'goto', stepId: 'b' }] },
        ],
      },
    ]);
    const run = driver(doc, 'parent', { n: 1 });
    run.executed(response(200, { id: 'x' }));
    const before = run.state;
    const after = run.executed(response(200, {})).state;
    expect(after).not.toBe(before);
    expect(after.frames[0]).toBe(before.frames[0]);
    expect(after.frames[1]).not.toBe(before.frames[1]);
    expect(after.frames[1]?.inputs).toBe(before.frames[1]?.inputs);
    expect(after.frames[1]?.steps.a).toBe(before.frames[1]?.steps.a);
    expect(after.workflows).toBe(before.workflows);
    expect(after.stepExecutions).toBe(before.stepExecutions + 1);
  });

  it('ends a step execution with a checkpoint, after its events and before the next request', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'a', operationId: 'getStatus' },
          { stepId: 'b', operationId: 'getStatus' },
        ],
      },
    ]);
    const run = driver(doc, 'w');
    expect(run.t.effects.some((e) => e.type === 'checkpoint')).toBe(false);
    const types = run.executed(response(200, {})).effects.map((e) => (e.type === 'emit' ? e.event.type : e.type));
    expect(types).toEqual(['step.finished', 'step.started', 'checkpoint', 'send']);
    expect(run.state.frames[0]).toMatchObject({ index: 1, sending: true });
  });

  it('is deterministic: the same events from the same state give the same state', async () => {
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'getStatus', onSuccess: [{ name: 'again', type: 'goto', stepId: 'a' }] }] },
    ]);
    const drive = (): RunState => {
      const run = driver(doc, 'w');
      for (let i = 0; i < 10; i++) run.executed(response(200, { i }));
      return run.state;
    };
    expect(drive()).toEqual(drive());
  });

  it('a stop event fails the run at the running step and announces the end', async () => {
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 'a', operationId: 'getStatus' }] }]);
    const run = driver(doc, 'w');
    run.tick(250);
    const t = run.feed((now) => ({ type: 'stop', now, error: { code: 'RUN_CANCELLED', message: 'stopped' } }));
    expect(t.state).toMatchObject({ status: 'failed', error: { code: 'RUN_CANCELLED', workflowId: 'w', stepId: 'a' }, frames: [] });
    expect(emitted(t)).toEqual([{ type: 'run.finished', workflowId: 'w', status: 'failed', outputs: {}, error: t.state.error, durationMs: 250 }]);
    expect(waitingOn(t)).toBeUndefined();
  });

  it('stops a workflow that calls itself at the nesting limit with WORKFLOW_DEPTH_EXCEEDED', async () => {
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 'again', workflowId: 'w' }] }]);
    const run = driver(doc, 'w');
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'WORKFLOW_DEPTH_EXCEEDED', workflowId: 'w', stepId: 'again', limit: 64 } });
    expect(run.state.error?.message).toContain('limits.maxDepth');
    expect(run.state.stepExecutions).toBe(64);
    const deeper = driver(doc, 'w', {}, { maxDepth: 500 });
    expect(deeper.state).toMatchObject({ status: 'failed', error: { code: 'WORKFLOW_DEPTH_EXCEEDED', limit: 500 }, stepExecutions: 500 });
  });

  it('runs a self-recursive workflow 5,000 deep and back: frames below the top are never copied, the JSON stays flat', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 'check',
            operationId: 'getStatus',
            onSuccess: [{ name: 'bottom', type: 'end', criteria: [{ condition: '$response.body#/done == true' }] }],
          },
          { stepId: 'deeper', workflowId: 'w' },
        ],
      },
    ]);
    const machine = createMachine(doc, { maxDepth: 10_000, maxSteps: 100_000, recording: false, listening: false });
    let t = next(machine, newRunState('r', 'w', {}, 0), { type: 'start', now: 0 });
    const more = response(200, { done: false });
    for (let i = 1; i < 5000; i++) {
      const before = t.state;
      t = next(machine, t.state, { type: 'executed', now: i, result: more });
      // The step applied to frame i - 1 and pushed frame i; the frames below were not copied.
      if (i >= 2 && frameAt(t.state, i - 2) !== frameAt(before, i - 2)) throw new Error(`frame ${i - 2} was copied at depth ${i}`);
    }
    expect(depthOf(t.state)).toBe(5000);
    expect(t.state.frames.length).toBeLessThanOrEqual(64);
    // Flat JSON (no nesting per level), and the same run continues from it.
    const saved = JSON.parse(JSON.stringify(t.state)) as RunState;
    expect(stackOf(saved).map((f) => f.wf)).toEqual(Array(5000).fill('w'));
    t = next(machine, saved, { type: 'executed', now: 5000, result: response(200, { done: true }) });
    expect(t.state).toMatchObject({ status: 'succeeded', stepExecutions: 9999, frames: [] });
  });

  it('runs 100,000 goto iterations in flat stack and constant state size', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [{ stepId: 'a', operationId: 'getStatus', outputs: { i: '$response.body#/i' }, onSuccess: [{ name: 'again', type: 'goto', stepId: 'a' }] }],
      },
    ]);
    const machine = createMachine(doc, { maxSteps: 1_000_000, recording: false, listening: false });
    let t = next(machine, newRunState('r', 'w', {}, 1000), { type: 'start', now: 1000 });
    const result = response(200, { i: 1 });
    let size = 0;
    for (let i = 0; i < 100_000; i++) {
      t = next(machine, t.state, { type: 'executed', now: 1000, result });
      if (waitingOn(t)?.type !== 'send') throw new Error(`iteration ${i} does not send`);
      if (i === 10) size = JSON.stringify(t.state).length;
    }
    expect(t.state.stepExecutions).toBe(100_001);
    expect(t.state.frames).toHaveLength(1);
    expect(JSON.stringify(t.state).length).toBeLessThanOrEqual(size + 10);
  });
});
