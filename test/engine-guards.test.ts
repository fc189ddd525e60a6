import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { ManualClock } from '../src/engine/clock.js';
import type { HttpClient, RunEvent } from '../src/engine/types.js';
import { autoAdvance, json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const loop = (extra: Record<string, unknown> = {}) => ({
  workflowId: 'w',
  inputs: { type: 'object', properties: { max: { type: 'integer' } } },
  steps: [{ stepId: 'poll', operationId: 'getStatus', onSuccess: [{ name: 'again', type: 'goto', stepId: 'poll' }], ...extra }],
});

/** A loopback server answering 200 {} to everything; returns the `servers` option for it. */
async function okServers(): Promise<Record<string, string>> {
  server = await startServer((_req, res) => json(res, 200, {}));
  return { api: server.url };
}

/** A transport that answers instantly without a network (for the 10,000-step memory check). */
const instant: HttpClient = { send: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: '{}' }) };

describe('loop guards (P20)', () => {
  it('stops an endless goto loop at limits.maxSteps, naming the step and the limit', async () => {
    const doc = await loadDoc([loop()]);
    const result = await runWorkflow(doc, 'w', {}, { servers: await okServers(), limits: { maxSteps: 50 } });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'MAX_STEPS_EXCEEDED', stepId: 'poll', limit: 50 });
    expect(result.error?.message).toContain('50');
    expect(result.stepExecutions).toBe(50);
  });

  it('the default global cap is 10,000 step executions, in flat stack and memory', async () => {
    const doc = await loadDoc([loop()]);
    const result = await runWorkflow(doc, 'w', {}, { http: instant, servers: { api: 'http://x' } });
    expect(result.error).toMatchObject({ code: 'MAX_STEPS_EXCEEDED', limit: 10_000 });
    expect(JSON.stringify(result.state).length).toBeLessThan(2000);
  });

  it('runs of one loaded document keep their own limits and listeners, side by side', async () => {
    const doc = await loadDoc([loop()]);
    const events: RunEvent[] = [];
    const [short, long, listened] = await Promise.all([
      runWorkflow(doc, 'w', {}, { http: instant, servers: { api: 'http://x' }, limits: { maxSteps: 3 } }),
      runWorkflow(doc, 'w', {}, { http: instant, servers: { api: 'http://x' }, limits: { maxSteps: 7 } }),
      runWorkflow(doc, 'w', {}, { http: instant, servers: { api: 'http://x' }, limits: { maxSteps: 3 }, onEvent: (e) => events.push(e) }),
    ]);
    expect([short.stepExecutions, long.stepExecutions, listened.stepExecutions]).toEqual([3, 7, 3]);
    expect(long.error).toMatchObject({ code: 'MAX_STEPS_EXCEEDED', limit: 7 });
    expect(events.filter((e) => e.type === 'step.started')).toHaveLength(3);
    expect(short.steps).toBeUndefined();
  });

  it('x-max-executions (an expression) caps one step; failure actions do not apply to a guard', async () => {
    const doc = await loadDoc([loop({ 'x-max-executions': '$inputs.max', onFailure: [{ name: 'retry', type: 'retry', retryLimit: 100 }] })]);
    const result = await runWorkflow(doc, 'w', { max: 3 }, { servers: await okServers() });
    expect(result.error).toMatchObject({ code: 'STEP_LIMIT_EXCEEDED', stepId: 'poll', limit: 3 });
    expect(result.stepExecutions).toBe(3);
  });

  it('x-max-duration stops re-execution once the time since the first execution has passed', async () => {
    const clock = new ManualClock();
    const doc = await loadDoc([loop({ 'x-delay': 10, 'x-max-duration': 25 })]);
    const result = await runWorkflow(doc, 'w', {}, { servers: await okServers(), clock, onEvent: autoAdvance(clock) });
    expect(result.error).toMatchObject({ code: 'STEP_DEADLINE_EXCEEDED', stepId: 'poll', limit: 25 });
    expect(result.stepExecutions).toBe(3);
  });

  it('limits.timeoutMs fails the run with RUN_TIMEOUT, even in the middle of a delay', async () => {
    const clock = new ManualClock();
    const doc = await loadDoc([loop({ 'x-delay': 60 })]);
    const result = await runWorkflow(doc, 'w', {}, { servers: await okServers(), clock, limits: { timeoutMs: 90_000 }, onEvent: autoAdvance(clock) });
    expect(result.error).toMatchObject({ code: 'RUN_TIMEOUT', limit: 90_000 });
    expect(result.stepExecutions).toBe(2);
  });
});

describe('Retry-After longer than the run has left', () => {
  const retrying = [{ workflowId: 'w', steps: [{ stepId: 'poll', operationId: 'getStatus', onFailure: [{ name: 'again', type: 'retry', retryLimit: 3 }] }] }];
  /** 503 with the given Retry-After, then 200. */
  async function busyOnce(retryAfter: string): Promise<Record<string, string>> {
    let n = 0;
    server = await startServer((_req, res) => (++n === 1 ? json(res, 503, { error: 'busy' }, { 'retry-after': retryAfter }) : json(res, 200, {})));
    return { api: server.url };
  }

  it('ends the run at once with RETRY_AFTER_EXCEEDS_TIMEOUT, naming the header, instead of waiting to time out', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const doc = await loadDoc(retrying);
    for (const header of ['600', 'Fri, 01 Jan 2099 00:00:00 GMT']) {
      const result = await runWorkflow(doc, 'w', {}, { servers: await busyOnce(header), clock, limits: { timeoutMs: 10_000 } });
      expect(result.error).toMatchObject({ code: 'RETRY_AFTER_EXCEEDS_TIMEOUT', workflowId: 'w', stepId: 'poll', limit: 10_000 });
      expect(result.error?.message).toContain(`Retry-After: ${header}`);
      expect(server?.requests).toHaveLength(1);
      expect(clock.now()).toBe(start);
      expect(clock.pending).toBe(0);
      await server?.close();
    }
  });

  it('waits a Retry-After that fits in the time left, and any Retry-After without a run timeout', async () => {
    const doc = await loadDoc(retrying);
    for (const limits of [{ timeoutMs: 10_000 }, {}]) {
      const clock = new ManualClock();
      const result = await runWorkflow(doc, 'w', {}, { servers: await busyOnce(limits.timeoutMs ? '5' : '86400'), clock, limits, onEvent: autoAdvance(clock) });
      expect(result).toMatchObject({ status: 'succeeded', stepExecutions: 2 });
      await server?.close();
    }
  });
});

describe('workflow nesting depth', () => {
  const recursive = {
    workflowId: 'w',
    steps: [
      { stepId: 'check', operationId: 'getStatus', onSuccess: [{ name: 'bottom', type: 'end', criteria: [{ condition: '$response.body#/done == true' }] }] },
      { stepId: 'deeper', workflowId: 'w' },
    ],
  };
  /** Answers `done: true` from the `levels`-th request on. */
  const levelsDeep = (levels: number): HttpClient => {
    let n = 0;
    return { send: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: JSON.stringify({ done: ++n >= levels }) }) };
  };

  it('a workflow that calls itself stops at 64 levels with WORKFLOW_DEPTH_EXCEEDED, naming the step and the limit', async () => {
    const doc = await loadDoc([recursive]);
    const result = await runWorkflow(doc, 'w', {}, { http: levelsDeep(Infinity), servers: { api: 'http://x' } });
    expect(result.error).toMatchObject({ code: 'WORKFLOW_DEPTH_EXCEEDED', workflowId: 'w', stepId: 'deeper', limit: 64 });
    expect(result.error?.message).toContain('goto');
    expect(result.stepExecutions).toBe(128);
  });

  it('limits.maxDepth raises the limit: 3,000 levels down and back up', async () => {
    const doc = await loadDoc([recursive]);
    const ok = await runWorkflow(doc, 'w', {}, { http: levelsDeep(3000), servers: { api: 'http://x' }, limits: { maxDepth: 3000 } });
    expect(ok).toMatchObject({ status: 'succeeded', stepExecutions: 5999 });
    const tooDeep = await runWorkflow(doc, 'w', {}, { http: levelsDeep(3000), servers: { api: 'http://x' }, limits: { maxDepth: 2999 } });
    expect(tooDeep.error).toMatchObject({ code: 'WORKFLOW_DEPTH_EXCEEDED', limit: 2999 });
  });

  it('refuses a limits.maxDepth that is not a whole number of at least 1 (LIMITS_INVALID)', async () => {
    const doc = await loadDoc([recursive]);
    for (const maxDepth of [0, -1, 1.5, Number.NaN]) {
      await expect(runWorkflow(doc, 'w', {}, { http: levelsDeep(1), servers: { api: 'http://x' }, limits: { maxDepth } })).rejects.toMatchObject({
        code: 'LIMITS_INVALID',
      });
    }
  });
});

describe('cancellation and timeouts', () => {
  it('an AbortSignal stops a pending delay at once', async () => {
    const clock = new ManualClock();
    const doc = await loadDoc([loop({ 'x-delay': 3600 })]);
    const ac = new AbortController();
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers: await okServers(),
        clock,
        onEvent: (e) => {
          if (e.type === 'delay.started') setImmediate(() => ac.abort());
        },
        signal: ac.signal,
      },
    );
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED' });
    expect(clock.pending).toBe(0);
  });

  it('an AbortSignal stops an in-flight request at once', async () => {
    const ac = new AbortController();
    // Never answers: the signal fires once the server holds the request, so it is surely in flight.
    server = await startServer(() => ac.abort());
    const doc = await loadDoc([loop()]);
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers: { api: server.url },
        clock: new ManualClock(),
        signal: ac.signal,
      },
    );
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED', stepId: 'poll' });
  });

  it('a request that exceeds limits.requestTimeoutMs fails the step with HTTP_TIMEOUT (failure actions apply)', async () => {
    server = await startServer(() => undefined);
    const clock = new ManualClock();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 'slow',
            operationId: 'getStatus',
            onFailure: [{ name: 'log', type: 'goto', stepId: 'fallback', criteria: [{ condition: '$statusCode == null' }] }],
          },
          { stepId: 'fallback', operationId: 'getStatus', 'x-server-url': 'http://127.0.0.1:9/unused' },
        ],
      },
    ]);
    const events: RunEvent[] = [];
    const promise = runWorkflow(
      doc,
      'w',
      {},
      {
        servers: { api: server.url },
        clock,
        limits: { requestTimeoutMs: 5000 },
        history: true,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'request.sent' && e.stepId === 'slow') setImmediate(() => void clock.advance(5000));
        },
      },
    );
    const result = await promise;
    expect(result.steps?.[0]).toMatchObject({ stepId: 'slow', outcome: 'failed', error: { code: 'HTTP_TIMEOUT' }, action: { name: 'log' } });
  });

  it('a 1.1 step timeout aborts the step with STEP_TIMEOUT', async () => {
    server = await startServer(() => undefined);
    const clock = new ManualClock();
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 'slow', operationId: 'getStatus', timeout: 250 }] }], {}, '1.1.0');
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers: { api: server.url },
        clock,
        onEvent: (e) => {
          if (e.type === 'request.sent') setImmediate(() => void clock.advance(250));
        },
      },
    );
    expect(result.error).toMatchObject({ code: 'STEP_TIMEOUT', stepId: 'slow' });
  });

  it('a 1.1 timeout on a workflow step stops the child workflow between polls and onFailure applies', async () => {
    server = await startServer((req, res) => json(res, 200, { state: 'pending', path: req.url }));
    const clock = new ManualClock();
    const start = clock.now();
    const doc = await loadDoc(
      [
        {
          workflowId: 'parent',
          steps: [
            {
              stepId: 'wait',
              workflowId: 'pollForever',
              timeout: 25_000,
              onFailure: [{ name: 'giveUp', type: 'goto', stepId: 'fallback', criteria: [{ condition: '$statusCode == null' }] }],
            },
            { stepId: 'fallback', operationId: 'refreshToken' },
          ],
        },
        {
          workflowId: 'pollForever',
          steps: [{ stepId: 'poll', operationId: 'getStatus', 'x-delay': 10, onSuccess: [{ name: 'again', type: 'goto', stepId: 'poll' }] }],
        },
      ],
      {},
      '1.1.0',
    );
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'parent', {}, { servers: { api: `${server.url}/base` }, clock, history: true, onEvent: autoAdvance(clock, events) });
    expect(result.status).toBe('succeeded');
    // Polls at 0 s, 10 s and 20 s; the wait after the third is cut by the 25 s timeout.
    expect(server.requests.map((r) => r.url)).toEqual(['/base/status', '/base/status', '/base/status', '/base/token']);
    const wait = result.steps?.find((r) => r.stepId === 'wait');
    expect(wait).toMatchObject({ outcome: 'failed', action: { name: 'giveUp' }, error: { code: 'STEP_TIMEOUT', stepId: 'wait', limit: 25_000 } });
    expect(wait?.error?.message).toContain('pollForever');
    expect(events.find((e) => e.type === 'workflow.finished' && e.workflowId === 'pollForever')).toMatchObject({
      status: 'failed',
      error: { code: 'STEP_TIMEOUT' },
    });
    expect(clock.now() - start).toBeGreaterThanOrEqual(25_000);
    expect(clock.pending).toBe(0);
  });

  it("a 1.1 timeout on a workflow step aborts the child's in-flight request; the child's own failure actions do not run", async () => {
    server = await startServer(() => undefined);
    const clock = new ManualClock();
    const doc = await loadDoc(
      [
        { workflowId: 'parent', steps: [{ stepId: 'wait', workflowId: 'slowChild', timeout: 3000 }] },
        { workflowId: 'slowChild', steps: [{ stepId: 'slow', operationId: 'getStatus', onFailure: [{ name: 'again', type: 'retry', retryLimit: 5 }] }] },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(
      doc,
      'parent',
      {},
      {
        servers: { api: server.url },
        clock,
        history: true,
        onEvent: (e) => {
          if (e.type === 'request.sent') setImmediate(() => void clock.advance(3000));
        },
      },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'STEP_TIMEOUT', workflowId: 'parent', stepId: 'wait', limit: 3000 });
    expect(server.requests).toHaveLength(1);
    expect(result.steps?.map((r) => r.stepId)).toEqual(['wait']);
  });

  it('a response body larger than limits.maxResponseBytes fails with HTTP_BODY_TOO_LARGE', async () => {
    server = await startServer((_req, res) => json(res, 200, { big: 'x'.repeat(5000) }));
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus' }] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, limits: { maxResponseBytes: 1000 } });
    expect(result.error).toMatchObject({ code: 'HTTP_BODY_TOO_LARGE', stepId: 's' });
  });

  it('caps a chunked response body (no Content-Length) while streaming it', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
      res.end();
    });
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus' }] }]);
    const capped = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, limits: { maxResponseBytes: 1000 } });
    expect(capped.error).toMatchObject({ code: 'HTTP_BODY_TOO_LARGE', limit: 1000 });
    const fits = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, limits: { maxResponseBytes: 4000 } });
    expect(fits.status).toBe('succeeded');
  });

  it('does not follow redirects: a 302 is the step result', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          { stepId: 's', operationId: 'getStatus', successCriteria: [{ condition: '$statusCode == 302' }], outputs: { to: '$response.header.Location' } },
        ],
        outputs: { to: '$steps.s.outputs.to' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.outputs).toEqual({ to: '/elsewhere' });
    expect(server.requests).toHaveLength(1);
  });

  it('follows redirects when RunOptions.followRedirects is set', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/status') {
        res.writeHead(302, { location: '/landed' });
        res.end();
        return;
      }
      json(res, 200, { at: req.url });
    });
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus', outputs: { at: '$response.body#/at' } }], outputs: { at: '$steps.s.outputs.at' } },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, followRedirects: true });
    expect(result.outputs).toEqual({ at: '/landed' });
  });

  it('a refused connection is a step failure with HTTP_CONNECTION', async () => {
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus' }] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: 'http://127.0.0.1:9' } });
    expect(result.error).toMatchObject({ code: 'HTTP_CONNECTION', stepId: 's' });
  });
});
