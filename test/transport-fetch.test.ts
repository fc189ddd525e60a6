/**
 * The transport over a caller's WHATWG `fetch` (RunOptions.fetch, FetchHttpClient): what a user who
 * brings their own fetch gets. nock intercepts the global fetch, so every exchange is scripted and
 * no socket is opened; the default undici transport is tested against real loopback servers
 * (engine-guards.test.ts, engine-requests.test.ts), which nock cannot intercept.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { runWorkflow } from '../src/engine/run.js';
import type { RunEvent, RunOptions } from '../src/engine/types.js';
import { autoAdvance, loadDoc } from './engine-helpers.js';

const API = 'http://api.example.test';
const servers = { api: `${API}/base` };

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** One GET /status step whose outputs are the status code, a header and a body field. */
const statusWorkflow = (step: Record<string, unknown> = {}) => ({
  workflowId: 'w',
  steps: [
    {
      stepId: 's',
      operationId: 'getStatus',
      outputs: { code: '$statusCode', location: '$response.header.Location', seen: '$response.header.X-Seen', state: '$response.body#/state' },
      ...step,
    },
  ],
  outputs: { code: '$steps.s.outputs.code', location: '$steps.s.outputs.location', seen: '$steps.s.outputs.seen', state: '$steps.s.outputs.state' },
});

const run = async (workflow: unknown, options: Partial<RunOptions> = {}, inputs: Record<string, unknown> = {}) =>
  runWorkflow(await loadDoc([workflow]), 'w', inputs, { fetch: globalThis.fetch, servers, ...options });

describe('a caller-supplied fetch (RunOptions.fetch)', () => {
  it('sends the method, headers and JSON body, and gives the step the status, headers and body', async () => {
    let sent: { headers: Record<string, string | string[]>; body: unknown } | undefined;
    const scope = nock(API)
      .post('/base/echo')
      .reply(function (_uri, body) {
        sent = { headers: this.req.headers, body };
        return [200, { state: 'echoed' }, { 'Content-Type': 'application/json', 'X-Seen': 'yes' }];
      });
    const result = await run(
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { n: { type: 'integer' } } },
        steps: [
          {
            stepId: 's',
            operationId: 'echo',
            parameters: [{ name: 'X-Trace', in: 'header', value: 'trace-$inputs.n' }],
            requestBody: { contentType: 'application/json', payload: { n: '$inputs.n', list: [1, 2] } },
            outputs: { state: '$response.body#/state', seen: '$response.header.X-Seen' },
          },
        ],
        outputs: { state: '$steps.s.outputs.state', seen: '$steps.s.outputs.seen' },
      },
      {},
      { n: 7 },
    );
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ state: 'echoed', seen: 'yes' });
    expect(sent?.body).toEqual({ n: 7, list: [1, 2] });
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['x-trace']).toBe('trace-7');
    expect(scope.isDone()).toBe(true);
  });

  it('does not follow a redirect: the 302 is the step result', async () => {
    const scope = nock(API)
      .get('/base/status')
      .reply(302, '', { Location: `${API}/elsewhere` });
    const result = await run(statusWorkflow({ successCriteria: [{ condition: '$statusCode == 302' }] }));
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({ code: 302, location: `${API}/elsewhere` });
    expect(scope.isDone()).toBe(true);
  });

  it('follows redirects when RunOptions.followRedirects is set', async () => {
    const scope = nock(API)
      .get('/base/status')
      .reply(302, '', { Location: `${API}/landed` })
      .get('/landed')
      .reply(200, { state: 'landed' }, { 'Content-Type': 'application/json' });
    const result = await run(statusWorkflow(), { followRedirects: true });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({ code: 200, state: 'landed' });
    expect(scope.isDone()).toBe(true);
  });

  it('fails with HTTP_BODY_TOO_LARGE when the declared Content-Length exceeds limits.maxResponseBytes', async () => {
    nock(API)
      .get('/base/status')
      .reply(200, JSON.stringify({ big: 'x'.repeat(5000) }), { 'Content-Type': 'application/json', 'Content-Length': '5011' });
    const result = await run(statusWorkflow(), { limits: { maxResponseBytes: 1000 } });
    expect(result.error).toMatchObject({ code: 'HTTP_BODY_TOO_LARGE', stepId: 's', limit: 1000 });
  });

  it('caps a body without Content-Length while reading it, and accepts one that fits', async () => {
    const body = 'y'.repeat(2000);
    nock(API).get('/base/status').times(2).reply(200, body, { 'Content-Type': 'text/plain' });
    const capped = await run(statusWorkflow(), { limits: { maxResponseBytes: 1000 } });
    expect(capped.error).toMatchObject({ code: 'HTTP_BODY_TOO_LARGE', limit: 1000 });
    const fits = await run(statusWorkflow(), { limits: { maxResponseBytes: 4000 } });
    expect(fits.status).toBe('succeeded');
  });

  it('a network error is a step failure with HTTP_CONNECTION that failure actions can match', async () => {
    nock(API).get('/base/status').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    nock(API).get('/base/status').reply(200, { state: 'second try' }, { 'Content-Type': 'application/json' });
    const clock = new ManualClock();
    const result = await run(
      statusWorkflow({ onFailure: [{ name: 'noResponse', type: 'retry', retryAfter: 1, retryLimit: 1, criteria: [{ condition: '$statusCode == null' }] }] }),
      { clock, onEvent: autoAdvance(clock), history: true },
    );
    expect(result.error).toBeUndefined();
    expect(result.outputs).toMatchObject({ code: 200, state: 'second try' });
    expect(result.steps?.[0]).toMatchObject({ outcome: 'failed', error: { code: 'HTTP_CONNECTION' }, action: { name: 'noResponse', type: 'retry' } });
  });

  it('an AbortSignal cancels the request in flight with RUN_CANCELLED', async () => {
    const ac = new AbortController();
    // The reply never comes: the signal fires once nock holds the request.
    nock(API)
      .get('/base/status')
      .reply(() => {
        ac.abort();
        return new Promise<never>(() => {});
      });
    const result = await run(statusWorkflow(), { signal: ac.signal, clock: new ManualClock() });
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED', stepId: 's' });
  });

  it('a request that exceeds limits.requestTimeoutMs fails with HTTP_TIMEOUT, on the injected clock', async () => {
    const clock = new ManualClock();
    const events: RunEvent[] = [];
    nock(API)
      .get('/base/status')
      .reply(() => {
        // The request is in flight: let its timeout elapse.
        void clock.advance(5000);
        return new Promise<never>(() => {});
      });
    const result = await run(statusWorkflow(), { clock, limits: { requestTimeoutMs: 5000 }, onEvent: (e) => events.push(e) });
    expect(result.error).toMatchObject({ code: 'HTTP_TIMEOUT', stepId: 's' });
    expect(events.some((e) => e.type === 'request.sent')).toBe(true);
  });
});
