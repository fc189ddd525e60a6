import { describe, expect, it } from 'vitest';
import { next, type Effect, type Executed, type Runtime, type EventInput } from '../src/engine/next.js';
import { newRunState, type RunState } from '../src/engine/state.js';
import type { LoadedDocument } from '../src/compile/loaded.js';
import type { StepRecord } from '../src/engine/types.js';
import { responseView } from '../src/engine/request.js';
import { loadDoc } from './engine-helpers.js';

/** A runtime with a hand-driven clock and captured events: no sockets, no timers. */
function runtime(doc: LoadedDocument, maxSteps = 10_000): { rt: Runtime; events: EventInput[]; records: StepRecord[]; clock: { t: number } } {
  const clock = { t: 1000 };
  const events: EventInput[] = [];
  const records: StepRecord[] = [];
  return { rt: { root: doc, maxSteps, now: () => clock.t, emit: (e) => events.push(e), record: (r) => records.push(r) }, events, records, clock };
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

const executeOf = (e: Effect): string => (e.type === 'execute' ? e.step.stepId : e.type);

describe('next(): the pure transition', () => {
  it('walks steps in order, follows a goto loop and ends', async () => {
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
    const { rt, records } = runtime(doc);
    const state = newRunState('r1', 'w', {}, 1000);
    let effect = next(rt, state, { type: 'start' });
    expect(executeOf(effect)).toBe('a');
    effect = next(rt, state, { type: 'executed', result: response(200, {}) });
    expect(executeOf(effect)).toBe('b');
    effect = next(rt, state, { type: 'executed', result: response(200, { s: 'wait' }) });
    expect(executeOf(effect)).toBe('b');
    effect = next(rt, state, { type: 'executed', result: response(200, { s: 'ok' }) });
    expect(effect.type).toBe('done');
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ last: 'ok' });
    expect(records.map((r) => `${r.stepId}:${r.action?.name}`)).toEqual(['a:next', 'b:loop', 'b:next']);
  });

  it('asks for a sleep before a retry, then re-executes; the counter belongs to the action (P26)', async () => {
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'getStatus', onFailure: [{ name: 'r', type: 'retry', retryAfter: 2, retryLimit: 1 }] }] },
    ]);
    const { rt, clock, events } = runtime(doc);
    const state = newRunState('r1', 'w', {}, 1000);
    next(rt, state, { type: 'start' });
    let effect = next(rt, state, { type: 'executed', result: response(500, {}) });
    expect(effect).toEqual({ type: 'sleep', ms: 2000, stepId: 'a' });
    expect(events.at(-1)).toMatchObject({ type: 'delay.started', reason: 'retry', ms: 2000 });
    expect(state.frames[0]?.retries).toEqual({ r: 1 });
    // The state is plain JSON at this point.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    clock.t += 2000;
    effect = next(rt, state, { type: 'slept' });
    expect(executeOf(effect)).toBe('a');
    effect = next(rt, state, { type: 'executed', result: response(500, {}) });
    expect(effect.type).toBe('done');
    expect(state.error).toMatchObject({ code: 'STEP_FAILED', stepId: 'a', statusCode: 500 });
  });

  it('is deterministic: the same inputs from the same state give the same state', async () => {
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'getStatus', onSuccess: [{ name: 'again', type: 'goto', stepId: 'a' }] }] },
    ]);
    const drive = (): RunState => {
      const { rt } = runtime(doc);
      const state = newRunState('fixed', 'w', {}, 1000);
      next(rt, state, { type: 'start' });
      for (let i = 0; i < 10; i++) next(rt, state, { type: 'executed', result: response(200, { i }) });
      return state;
    };
    expect(drive()).toEqual(drive());
  });

  it('runs 100,000 goto iterations in flat stack and constant state size', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [{ stepId: 'a', operationId: 'getStatus', outputs: { i: '$response.body#/i' }, onSuccess: [{ name: 'again', type: 'goto', stepId: 'a' }] }],
      },
    ]);
    const { rt } = runtime(doc, 1_000_000);
    (rt as { record: Runtime['record'] }).record = () => undefined;
    (rt as { emit: Runtime['emit'] }).emit = () => undefined;
    const state = newRunState('r', 'w', {}, 1000);
    next(rt, state, { type: 'start' });
    const result = response(200, { i: 1 });
    let size = 0;
    for (let i = 0; i < 100_000; i++) {
      const effect = next(rt, state, { type: 'executed', result });
      expect(effect.type === 'execute').toBe(true);
      if (i === 10) size = JSON.stringify(state).length;
    }
    expect(state.stepExecutions).toBe(100_001);
    expect(state.frames).toHaveLength(1);
    expect(JSON.stringify(state).length).toBeLessThanOrEqual(size + 10);
  });
});
