/** Conformance: x-delay, x-max-executions, x-max-duration, maxSteps, run timeout and cancellation during waits (P20, P26). */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';
import { autoAdvance, json, startServer } from './engine-helpers.js';
import { loadConformance, serverPerTest } from './fixtures/conformance/helpers.js';

const scripted = serverPerTest();
const serve = scripted.serve;

const delays = (events: RunEvent[]) =>
  events.filter((e): e is Extract<RunEvent, { type: 'delay.started' }> => e.type === 'delay.started').map((e) => `${e.stepId}:${e.reason}:${e.ms}`);

/** A step that polls until the body says done, looping to itself. */
const pollLoop = (extra: Record<string, unknown> = {}) => ({
  stepId: 'a',
  operationId: 'poll',
  onSuccess: [{ name: 'again', type: 'goto', stepId: 'a', criteria: [{ condition: '$response.body#/done != true' }] }],
  ...extra,
});

describe('x-delay', () => {
  it('is not waited before the first execution, is waited before each later one, and the clock moves by exactly that', async () => {
    const servers = await serve({
      '/poll': [
        { status: 200, body: {} },
        { status: 200, body: {} },
        { status: 200, body: { done: true } },
      ],
    });
    const doc = await loadConformance([{ workflowId: 'w', steps: [pollLoop({ 'x-delay': 5 })] }]);
    const clock = new ManualClock();
    const t0 = clock.now();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(delays(events)).toEqual(['a:step-delay:5000', 'a:step-delay:5000']);
    expect(clock.now() - t0).toBe(10_000);
    expect(scripted.server.hits('/poll')).toHaveLength(3);
  });

  it('a retry waits its retry delay instead of the x-delay, and a retry without retryAfter waits nothing', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }, { status: 500 }, { status: 200, body: { done: true } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          pollLoop({
            'x-delay': 5,
            onFailure: [
              { name: 'slow', type: 'retry', retryAfter: 2, retryLimit: 1 },
              { name: 'fast', type: 'retry', retryLimit: 1 },
            ],
          }),
        ],
      },
    ]);
    const clock = new ManualClock();
    const t0 = clock.now();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(delays(events)).toEqual(['a:retry:2000']);
    expect(clock.now() - t0).toBe(2000);
  });

  it('counts from the first execution in each invocation of a child workflow: a second call does not wait before its first request', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { done: true } }] });
    const doc = await loadConformance([
      { workflowId: 'child', steps: [pollLoop({ 'x-delay': 7 })] },
      {
        workflowId: 'main',
        steps: [
          { stepId: 'first', workflowId: 'child' },
          { stepId: 'second', workflowId: 'child' },
        ],
      },
    ]);
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'main', {}, { servers, clock, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    expect(delays(events)).toEqual([]);
    expect(scripted.server.hits('/poll')).toHaveLength(2);
  });

  it('an x-delay expression that yields a non-number fails the run with STEP_EXTENSION_INVALID naming the step', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: {} }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [pollLoop({ 'x-delay': '$inputs.wait' })] }]);
    const result = await runWorkflow(doc, 'w', { wait: 'soon' }, { servers, clock: new ManualClock() });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_EXTENSION_INVALID', stepId: 'a' });
    expect(result.error?.message).toContain('x-delay');
  });
});

describe('execution caps', () => {
  it('x-max-executions counts retries: a retry loop stops at the cap with STEP_LIMIT_EXCEEDED', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll', 'x-max-executions': 3, onFailure: [{ name: 'r', type: 'retry', retryLimit: 10 }] }] },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.error).toMatchObject({ code: 'STEP_LIMIT_EXCEEDED', stepId: 'a', limit: 3 });
    expect(scripted.server.hits('/poll')).toHaveLength(3);
  });

  it('x-max-executions counts across invocations of the same child workflow in one run', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { done: true } }] });
    const doc = await loadConformance([
      { workflowId: 'child', steps: [{ stepId: 'a', operationId: 'poll', 'x-max-executions': 2 }] },
      { workflowId: 'main', steps: [1, 2, 3].map((i) => ({ stepId: `call${i}`, workflowId: 'child' })) },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers });
    expect(result.error).toMatchObject({ code: 'STEP_LIMIT_EXCEEDED', stepId: 'a', limit: 2 });
    expect(scripted.server.hits('/poll')).toHaveLength(2);
  });

  it('limits.maxSteps counts retries and workflow steps too', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      { workflowId: 'child', steps: [{ stepId: 'a', operationId: 'poll', onFailure: [{ name: 'r', type: 'retry', retryLimit: 100 }] }] },
      { workflowId: 'main', steps: [{ stepId: 'call', workflowId: 'child' }] },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers, limits: { maxSteps: 4 } });
    expect(result.error).toMatchObject({ code: 'MAX_STEPS_EXCEEDED', stepId: 'a', limit: 4 });
    expect(scripted.server.hits('/poll')).toHaveLength(3);
    expect(result.stepExecutions).toBe(4);
  });

  it('x-max-duration stops a delayed poll once the time since its first execution is reached', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: {} }] });
    const doc = await loadConformance([{ workflowId: 'w', steps: [pollLoop({ 'x-delay': 10, 'x-max-duration': 25 })] }]);
    const clock = new ManualClock();
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, onEvent: autoAdvance(clock) });
    expect(result.error).toMatchObject({ code: 'STEP_DEADLINE_EXCEEDED', stepId: 'a', limit: 25 });
    expect(scripted.server.hits('/poll')).toHaveLength(3);
  });
});

describe('run timeout and cancellation during waits', () => {
  it('limits.timeoutMs interrupts a long retry wait at the timeout, not at the end of the wait', async () => {
    const servers = await serve({ '/poll': [{ status: 503 }] });
    const doc = await loadConformance([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll', onFailure: [{ name: 'r', type: 'retry', retryAfter: 600, retryLimit: 5 }] }] },
    ]);
    const clock = new ManualClock();
    const t0 = clock.now();
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers, clock, limits: { timeoutMs: 10_000 }, onEvent: autoAdvance(clock, events) });
    expect(delays(events)).toEqual(['a:retry:600000']);
    expect(result.error).toMatchObject({ code: 'RUN_TIMEOUT', limit: 10_000 });
    expect(result.durationMs).toBe(10_000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(scripted.server.hits('/poll')).toHaveLength(1);
  });

  it('an AbortSignal fired during a retry wait cancels the run with RUN_CANCELLED and sends nothing more', async () => {
    const servers = await serve({ '/poll': [{ status: 500 }] });
    const doc = await loadConformance([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll', onFailure: [{ name: 'r', type: 'retry', retryAfter: 30 }] }] },
    ]);
    const controller = new AbortController();
    const clock = new ManualClock();
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers,
        clock,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'delay.started') setImmediate(() => controller.abort());
        },
      },
    );
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED' });
    expect(scripted.server.hits('/poll')).toHaveLength(1);
  });

  it('an already-aborted signal sends no request at all', async () => {
    const servers = await serve();
    const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll' }] }]);
    const controller = new AbortController();
    controller.abort();
    const result = await runWorkflow(doc, 'w', {}, { servers, signal: controller.signal });
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED' });
    expect(scripted.server.requests).toHaveLength(0);
  });
});

describe('1.1 step timeout', () => {
  it('a timed-out attempt fails with STEP_TIMEOUT, onFailure retry applies, and the next attempt succeeds', async () => {
    let calls = 0;
    const hung: Array<() => void> = [];
    const raw = await startServer((_req, res) => {
      calls += 1;
      if (calls === 1) {
        hung.push(() => res.destroy());
        return;
      }
      json(res, 200, { ok: true });
    });
    scripted.adopt(raw);
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            { stepId: 'a', operationId: 'poll', timeout: 5000, onFailure: [{ name: 'r', type: 'retry', criteria: [{ condition: '$statusCode == null' }] }] },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    const clock = new ManualClock();
    let sent = 0;
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers: { api: raw.url },
        clock,
        history: true,
        onEvent: (e) => {
          if (e.type === 'request.sent' && ++sent === 1) setImmediate(() => void clock.advance(5000));
        },
      },
    );
    for (const f of hung) f();
    expect(result.status).toBe('succeeded');
    expect(result.steps?.map((s) => `${s.outcome}:${s.error?.code ?? ''}:${s.action?.name}`)).toEqual(['failed:STEP_TIMEOUT:r', 'succeeded::next']);
    expect(calls).toBe(2);
  });
});
