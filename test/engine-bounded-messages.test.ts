/**
 * Messages the engine writes quote values from outside (a URL, an input, a response, a name from
 * the document), and any of them can be megabytes long. Each quoted value is cut with the mark
 * `…[+N chars]` (src/util/truncate.ts), so an error stays a few lines whatever the run was given.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { runWorkflow } from '../src/engine/run.js';
import type { HttpClient, RunErrorInfo, RunResult } from '../src/engine/types.js';
import { loadArazzo } from '../src/load.js';
import { json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

const HUGE = 'q'.repeat(1_000_000);
/** Far more than a useful message, far less than the values below. */
const BOUND = 5_000;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The run failed with `code`, and its error (message and every other field) is bounded, with the mark. */
function expectBounded(result: RunResult, code: string): RunErrorInfo {
  expect(result.status).toBe('failed');
  const error = result.error as RunErrorInfo;
  expect(error.code).toBe(code);
  expect(error.message.length).toBeLessThan(BOUND);
  expect(JSON.stringify(error).length).toBeLessThan(BOUND);
  expect(error.message).toMatch(/…\[\+\d+ chars\]/);
  return error;
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

const getItem = (id: string, extra: Record<string, unknown> = {}) => ({
  stepId: 's',
  operationId: 'getItem',
  parameters: [{ name: 'id', in: 'path', value: id }],
  ...extra,
});

describe('engine messages quote values bounded', () => {
  it('transport errors: the request URL and the transport detail', async () => {
    const doc = await loadDoc([{ workflowId: 'w', inputs: { type: 'object', properties: { id: { type: 'string' } } }, steps: [getItem('$inputs.id')] }]);
    const refused = await runWorkflow(doc, 'w', { id: HUGE }, { servers: { api: `http://127.0.0.1:${await closedPort()}` } });
    expect(expectBounded(refused, 'HTTP_CONNECTION').message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/items\/q{100}/);

    const detail = 'd'.repeat(1_000_000);
    const failingFetch = (async () => {
      throw new TypeError('fetch failed', { cause: new Error(detail) });
    }) as typeof fetch;
    const viaFetch = await runWorkflow(doc, 'w', { id: 'x' }, { servers: { api: 'http://127.0.0.1:1' }, fetch: failingFetch });
    expect(expectBounded(viaFetch, 'HTTP_CONNECTION').message).toContain('d'.repeat(100));

    // The request timeout, on the engine's clock, against a server that reads the request and never answers.
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const clock = new ManualClock();
    const timedOut = await runWorkflow(
      doc,
      'w',
      { id: HUGE },
      {
        servers: { api: `http://127.0.0.1:${(silent.address() as { port: number }).port}` },
        clock,
        limits: { requestTimeoutMs: 5_000 },
        onEvent: (e) => {
          if (e.type === 'request.sent') setImmediate(() => void clock.advance(5_000));
        },
      },
    );
    silent.close();
    expectBounded(timedOut, 'HTTP_TIMEOUT');
  });

  it('the internal-error message of a transport that throws what the engine does not expect', async () => {
    const doc = await loadDoc([{ workflowId: 'w', steps: [getItem('x')] }]);
    const http: HttpClient = {
      send: async () => {
        throw new Error(`broken: ${HUGE}`);
      },
    };
    expect(expectBounded(await runWorkflow(doc, 'w', {}, { http }), 'INTERNAL_ERROR').message).toContain('broken: qqq');
  });

  it("INPUT_INVALID's list of schema errors: each error, and how many are listed", async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: {
          type: 'object',
          properties: { meta: { type: 'object', additionalProperties: { type: 'integer' } }, tags: { type: 'array', items: { type: 'integer' } } },
        },
        steps: [getItem('x')],
      },
    ]);
    const hugeKey = await runWorkflow(doc, 'w', { meta: { [HUGE]: 'not a number' } });
    expect(expectBounded(hugeKey, 'INPUT_INVALID').message).toMatch(
      /^Inputs of workflow "w" are invalid: input meta\.q+…\[\+\d+ chars\]\. No request was sent\.$/,
    );
    const manyErrors = await runWorkflow(doc, 'w', { tags: Array.from({ length: 20_000 }, (_, i) => `t${i}`) });
    expect(manyErrors.error?.message.length).toBeLessThan(BOUND);
    expect(manyErrors.error?.message).toMatch(/^Inputs of workflow "w" are invalid: input tags\.0 must be integer; .*; …and 19990 more\./);
  });

  it('a criterion evaluation error that quotes the response', async () => {
    server = await startServer((_req, res) => json(res, 200, { a: { x: HUGE } }));
    const doc = await loadDoc([{ workflowId: 'w', steps: [getItem('x', { successCriteria: [{ condition: '$response.body#/a > 1' }] })] }]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.error?.code).toBe('CRITERION_FAILED');
    // The response itself is kept as an excerpt of 500 characters; the criterion's error quotes 200 of it.
    expect(JSON.stringify(result.error).length).toBeLessThan(BOUND);
    expect(result.error?.failedCriteria?.[0]?.error).toMatch(/^cannot compare object \{"x":"q+…\[\+\d+ chars\] with number 1 using ">"$/);
  });

  it('the value an x-delay or x-max-* expression gave, however long or deep', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    // No inputs schema: the value reaches the step as given.
    const doc = await loadDoc([{ workflowId: 'w', steps: [getItem('x', { 'x-max-executions': '$inputs.wait' })] }]);
    const long = await runWorkflow(doc, 'w', { wait: HUGE }, { servers: { api: server.url } });
    expect(expectBounded(long, 'STEP_EXTENSION_INVALID').message).toMatch(/x-max-executions of step "s" must be .* it evaluated to "q+…/);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const nested = await runWorkflow(doc, 'w', { wait: deep }, { servers: { api: server.url } });
    expect(nested.error?.code).toBe('STEP_EXTENSION_INVALID');
    expect(nested.error?.message.length).toBeLessThan(BOUND);
  });

  it('the failed conditions joined in a CRITERION_FAILED message', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    const literal = 'z'.repeat(50_000);
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [getItem('x', { successCriteria: Array.from({ length: 20 }, (_, i) => ({ condition: `$statusCode == '${i}${literal}'` })) })],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.error?.code).toBe('CRITERION_FAILED');
    // Each condition is cut in the message, and at most ten are listed (failedCriteria has them all, as written).
    expect(result.error?.message.length).toBeLessThan(BOUND);
    expect(result.error?.message).toMatch(/success criteria not met: \$statusCode == '0z+…\[\+\d+ chars\]; .*; …and 10 more\.$/);
    expect(result.error?.failedCriteria).toHaveLength(20);
  });

  it('the messages of nested workflows that failed, however deep the chain', async () => {
    server = await startServer((_req, res) => json(res, 500, {}));
    // w0 depends on w1, … on w60, whose step fails: each level quotes the one below.
    const chain = Array.from({ length: 61 }, (_, i) => ({ workflowId: `w${i}`, ...(i < 60 ? { dependsOn: [`w${i + 1}`] } : {}), steps: [getItem('x')] }));
    const doc = await loadDoc(chain);
    const error = expectBounded(await runWorkflow(doc, 'w0', {}, { servers: { api: server.url } }), 'DEPENDENCY_FAILED');
    expect(error.message).toMatch(/^Workflow "w0" depends on "w1", which failed: Workflow "w1" depends on "w2"/);
    expect(error.message.length).toBeLessThan(1_200);
  });

  it('a relative server URL of the OpenAPI description, and the list of what a request could not resolve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-bounded-'));
    writeFileSync(
      join(dir, 'api.json'),
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 'relative', version: '1' },
        servers: [{ url: `/v1/${HUGE}` }],
        paths: {
          '/echo': {
            post: {
              operationId: 'echo',
              requestBody: { required: true, content: { 'application/json': { schema: {} } } },
              responses: { 200: { description: 'ok' } },
            },
          },
        },
      }),
    );
    const missingName = `$inputs.${'m'.repeat(300_000)}`;
    const doc = await loadArazzo(
      {
        arazzo: '1.0.1',
        info: { title: 'bounded', version: '1' },
        sourceDescriptions: [{ name: 'api', url: './api.json', type: 'openapi' }],
        workflows: [
          { workflowId: 'relative', steps: [{ stepId: 's', operationId: 'echo', requestBody: { payload: { a: 1 } } }] },
          { workflowId: 'unresolved', steps: [{ stepId: 's', operationId: 'echo', requestBody: { payload: missingName } }] },
        ],
      },
      { baseUri: pathToFileURL(`${dir}/`).href },
    );
    expect(expectBounded(await runWorkflow(doc, 'relative'), 'SERVER_URL_MISSING').message).toContain('relative server URL "/v1/qqq');
    const unresolved = await runWorkflow(doc, 'unresolved', {}, { servers: { api: 'http://127.0.0.1:1' } });
    expect(expectBounded(unresolved, 'PARAMETER_UNRESOLVED').message).toContain('no value for request body from $inputs.mmm');
  });
});
