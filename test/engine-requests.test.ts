import { afterEach, describe, expect, it } from 'vitest';
import { prepareFirstRequest, runWorkflow } from '../src/engine/run.js';
import type { RunEvent } from '../src/engine/types.js';
import { json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer;
afterEach(async () => server?.close());

async function okServer(): Promise<TestServer> {
  server = await startServer((req, res) => json(res, 200, { ok: true, echo: req.body, ct: req.headers['content-type'] ?? null }));
  return server;
}

const servers = (): Record<string, string> => ({ api: `${server.url}/base` });

describe('parameters (P18, P25, P27)', () => {
  it('serialises path, query (form/explode, csv, deepObject), header and cookie values', async () => {
    await okServer();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { id: { type: 'string' } } },
        parameters: [
          { name: 'X-Trace', in: 'header', value: 'wf-default' },
          { name: 'session', in: 'cookie', value: 'wf-cookie' },
        ],
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', value: '$inputs.id' },
              { name: 'tags', in: 'query', value: ['a b', 'c&d'] },
              { name: 'csv', in: 'query', value: ['x', 'y'] },
              { name: 'filter', in: 'query', value: { color: 'red', size: 2 } },
              { name: 'x-trace', in: 'header', value: 'step-wins' },
              { name: 'optional', in: 'query', value: '$inputs.missing' },
            ],
          },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', { id: 'a/b 1' }, { servers: servers() });
    expect(result.status).toBe('succeeded');
    const req = server.requests[0]!;
    expect(req.url).toBe('/base/items/a%2Fb%201?tags=a%20b&tags=c%26d&csv=x,y&filter%5Bcolor%5D=red&filter%5Bsize%5D=2');
    expect(req.headers['x-trace']).toBe('step-wins');
    expect(req.headers.cookie).toBe('session=wf-cookie');
  });

  it('merges cookie parameters into a Cookie header parameter instead of dropping it', async () => {
    await okServer();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', value: '1' },
              { name: 'Cookie', in: 'header', value: 'session=from-login' },
              { name: 'lang', in: 'cookie', value: 'en' },
            ],
          },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.status).toBe('succeeded');
    expect(server.requests[0]!.headers.cookie).toBe('session=from-login; lang=en');
  });

  it('serialises label-style path arrays and a 1.1 querystring parameter', async () => {
    await okServer();
    const doc = await loadDoc(
      [
        {
          workflowId: 'w',
          steps: [
            { stepId: 'labels', operationId: 'getLabels', parameters: [{ name: 'ids', in: 'path', value: [1, 2, 3] }] },
            { stepId: 'search', operationId: 'search', parameters: [{ name: 'q', in: 'querystring', value: { term: 'cats & dogs', page: 2 } }] },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.status).toBe('succeeded');
    expect(server.requests.map((r) => r.url)).toEqual(['/base/labels/.1,2,3', '/base/search?term=cats%20%26%20dogs&page=2']);
  });

  it('resolves reusable parameters with a value override', async () => {
    await okServer();
    const doc = await loadDoc(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 's',
              operationId: 'getItem',
              parameters: [{ reference: '$components.parameters.itemId', value: 'override' }, { reference: '$components.parameters.trace' }],
            },
          ],
        },
      ],
      {
        components: {
          parameters: { itemId: { name: 'id', in: 'path', value: 'original' }, trace: { name: 'X-Trace', in: 'header', value: 'from-component' } },
        },
      },
    );
    await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(server.requests[0]?.url).toBe('/base/items/override');
    expect(server.requests[0]?.headers['x-trace']).toBe('from-component');
  });

  it('fails the step before sending when a required parameter resolves to nothing (P25)', async () => {
    await okServer();
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 's', operationId: 'getItem', parameters: [{ name: 'id', in: 'path', value: '$inputs.nope' }] }] },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers: servers() });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'PARAMETER_UNRESOLVED', stepId: 's' });
    expect(result.error?.message).toContain('$inputs.nope');
    expect(server.requests).toHaveLength(0);
  });

  it('uses the OpenAPI server with variable defaults when no override is given, and x-server-url when set', async () => {
    await okServer();
    const port = new URL(server.url).port;
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { base: { type: 'string' } } },
        steps: [{ stepId: 's', operationId: 'getStatus', 'x-server-url': '$inputs.base' }],
      },
    ]);
    const result = await runWorkflow(doc, 'w', { base: `http://127.0.0.1:${port}/dynamic` });
    expect(result.status).toBe('succeeded');
    expect(server.requests[0]?.url).toBe('/dynamic/status');
  });

  it('masks API-key query parameters in events', async () => {
    await okServer();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', value: '1' },
              { name: 'api_key', in: 'query', value: 'k-very-secret' },
            ],
          },
        ],
      },
    ]);
    const events: RunEvent[] = [];
    await runWorkflow(doc, 'w', {}, { servers: servers(), onEvent: (e) => events.push(e) });
    expect(server.requests[0]?.url).toContain('api_key=k-very-secret');
    expect(JSON.stringify(events)).not.toContain('k-very-secret');
    expect(JSON.stringify(events)).toContain('api_key=***');
  });
});

describe('request bodies', () => {
  const bodyDoc = (requestBody: unknown, version = '1.0.1') =>
    loadDoc(
      [
        {
          workflowId: 'w',
          inputs: { type: 'object', properties: { order: { type: 'object' }, name: { type: 'string' }, qty: { type: 'integer' } } },
          steps: [{ stepId: 's', operationId: 'echo', requestBody }],
        },
      ],
      {},
      version,
    );

  it('sends a whole-expression payload as JSON, keeping its type', async () => {
    await okServer();
    const doc = await bodyDoc({ contentType: 'application/json', payload: '$inputs.order' });
    await runWorkflow(doc, 'w', { order: { id: 7, lines: [1, 2] } }, { servers: servers() });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ id: 7, lines: [1, 2] });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('applies JSON Pointer replacements after building the payload (P17)', async () => {
    await okServer();
    const doc = await bodyDoc({
      payload: { name: '$inputs.name', items: [{ qty: 0 }] },
      replacements: [
        { target: '/items/0/qty', value: '$inputs.qty' },
        { target: '/meta/source', value: 'engine' },
        { target: '/items/-', value: { qty: 9 } },
      ],
    });
    await runWorkflow(doc, 'w', { name: 'n', qty: 3 }, { servers: servers() });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ name: 'n', items: [{ qty: 3 }, { qty: 9 }], meta: { source: 'engine' } });
  });

  it('form-encodes a structured payload for application/x-www-form-urlencoded', async () => {
    await okServer();
    const doc = await bodyDoc({ contentType: 'application/x-www-form-urlencoded', payload: { name: '$inputs.name', scope: 'a b' } });
    await runWorkflow(doc, 'w', { name: 'x&y' }, { servers: servers() });
    expect(server.requests[0]?.body).toBe('name=x%26y&scope=a+b');
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('interpolates a string template payload', async () => {
    await okServer();
    const doc = await bodyDoc({ contentType: 'text/plain', payload: 'hello {$inputs.name}, qty={$inputs.qty}' });
    await runWorkflow(doc, 'w', { name: 'bob', qty: 2 }, { servers: servers() });
    expect(server.requests[0]?.body).toBe('hello bob, qty=2');
    expect(server.requests[0]?.headers['content-type']).toBe('text/plain');
  });

  it('builds multipart/form-data with a boundary', async () => {
    await okServer();
    const doc = await bodyDoc({ contentType: 'multipart/form-data', payload: { name: '$inputs.name', meta: { a: 1 } } });
    await runWorkflow(doc, 'w', { name: 'file-1' }, { servers: servers() });
    const req = server.requests[0]!;
    const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
    expect(boundary).toBeTruthy();
    expect(req.body).toContain(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nfile-1\r\n`);
    expect(req.body).toContain('Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n');
    expect(req.body.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
  });

  it('sends XML and applies XPath replacements', async () => {
    await okServer();
    const doc = await bodyDoc({
      contentType: 'application/xml',
      payload: '<order><name>{$inputs.name}</name><qty>0</qty></order>',
      replacements: [{ target: '/order/qty', value: '$inputs.qty' }],
    });
    await runWorkflow(doc, 'w', { name: 'widget', qty: 5 }, { servers: servers() });
    expect(server.requests[0]?.body).toBe('<order><name>widget</name><qty>5</qty></order>');
    expect(server.requests[0]?.headers['content-type']).toBe('application/xml');
  });
});

describe('prepareFirstRequest (the CLI --dry-run)', () => {
  it('returns the first request, masked and fully resolved, and sends nothing', async () => {
    await okServer();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { token: { type: 'string' }, id: { type: 'string' } } },
        dependsOn: ['prep'],
        steps: [{ stepId: 's', operationId: 'getItem', parameters: [{ name: 'id', in: 'path', value: '$inputs.id' }] }],
      },
      {
        workflowId: 'prep',
        steps: [
          {
            stepId: 'p',
            operationId: 'echo',
            parameters: [{ name: 'Authorization', in: 'header', value: 'Bearer s3cret-token' }],
            requestBody: { payload: { hello: 'world' } },
          },
        ],
      },
    ]);
    const first = await prepareFirstRequest(doc, 'w', { token: 's3cret-token', id: 'x' }, { servers: servers() });
    // The prerequisite's request comes first (P15).
    expect(first).toEqual({
      request: {
        method: 'POST',
        url: `${server.url}/base/echo`,
        headers: { Authorization: '***', 'content-type': 'application/json' },
        body: '{"hello":"world"}',
      },
      workflowId: 'prep',
      stepId: 'p',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('a request that cannot be built fails its step as in a real run; the run goes on to its next request', async () => {
    await okServer();
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 'needsId',
            operationId: 'getItem',
            parameters: [{ name: 'id', in: 'path', value: '$inputs.missing' }],
            onFailure: [{ name: 'fallBack', type: 'goto', stepId: 'fallback' }],
          },
          { stepId: 'fallback', operationId: 'getStatus' },
        ],
      },
    ]);
    const first = await prepareFirstRequest(doc, 'w', {}, { servers: servers() });
    expect(first).toMatchObject({ request: { method: 'GET', url: `${server.url}/base/status` } });
    expect(server.requests).toHaveLength(0);
  });

  it('gives the run result when the run ends before any request (invalid inputs)', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        steps: [{ stepId: 's', operationId: 'getStatus' }],
      },
    ]);
    const first = await prepareFirstRequest(doc, 'w', {}, { servers: { api: 'http://127.0.0.1:9' } });
    expect(first).toMatchObject({ result: { status: 'failed', error: { code: 'INPUT_INVALID' }, stepExecutions: 0 } });
  });
});
