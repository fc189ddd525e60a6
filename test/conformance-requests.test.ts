/** Conformance: parameter serialisation (P18), P25, request bodies (P7, P17) and request/response expressions. */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import type { Received } from './engine-helpers.js';
import { loadConformance, serverPerTest } from './fixtures/conformance/helpers.js';

const scripted = serverPerTest();
const serve = scripted.serve;

/** Run one step with the given parameters/body against the echo server; return what the server received. */
async function send(step: Record<string, unknown>, inputs: Record<string, unknown> = {}, version = '1.0.1'): Promise<Received> {
  const servers = await serve();
  const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 's', ...step }] }], {}, version);
  const result = await runWorkflow(doc, 'w', inputs, { servers });
  expect(result.error).toBeUndefined();
  expect(scripted.server.requests).toHaveLength(1);
  return scripted.server.requests[0]!;
}

const q = (name: string, value: unknown) => ({ name, in: 'query', value });

describe('P18 path serialisation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['pathSimple', ['a', 'b'], '/simple/a,b'],
    ['pathSimple', { x: 1, y: 'z' }, '/simple/x,1,y,z'],
    ['pathSimpleExplode', { x: 1, y: 'z' }, '/simplex/x=1,y=z'],
    ['pathLabelExplode', ['a', 'b'], '/label/.a.b'],
    ['pathMatrix', ['a', 'b'], '/matrix/;v=a,b'],
    ['pathMatrix', 'one', '/matrix/;v=one'],
    ['pathMatrixExplode', ['a', 'b'], '/matrixx/;v=a;v=b'],
    ['pathMatrixExplode', { x: 1, y: 2 }, '/matrixx/;x=1;y=2'],
  ];
  for (const [op, value, expected] of cases) {
    it(`${op} serialises ${JSON.stringify(value)} as ${expected}`, async () => {
      const req = await send({ operationId: op, parameters: [{ name: 'v', in: 'path', value: '$inputs.v' }] }, { v: value });
      expect(req.url).toBe(expected);
    });
  }

  it('percent-encodes reserved characters and unicode in a path value, so it stays one segment', async () => {
    const req = await send({ operationId: 'pathSimple', parameters: [{ name: 'v', in: 'path', value: '$inputs.v' }] }, { v: 'a/b?c#d é' });
    expect(req.url).toBe('/simple/a%2Fb%3Fc%23d%20%C3%A9');
  });
});

describe('values a URL or header cannot carry', () => {
  async function failing(step: Record<string, unknown>, inputs: Record<string, unknown>) {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          { stepId: 's', ...step, onFailure: [{ name: 'alt', type: 'goto', stepId: 'b' }] },
          { stepId: 'b', operationId: 'other' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', inputs, { servers, history: true });
    return result;
  }

  for (const v of ['..', '.']) {
    it(`a path value "${v}" is refused with PARAMETER_INVALID instead of reaching another resource`, async () => {
      const result = await failing({ operationId: 'pathSimple', parameters: [{ name: 'v', in: 'path', value: '$inputs.v' }] }, { v });
      expect(result.steps?.[0]).toMatchObject({ outcome: 'failed', error: { code: 'PARAMETER_INVALID' }, action: { name: 'alt' } });
      expect(result.steps?.[0]?.error?.message).toContain('{v}');
      expect(scripted.server.requests.map((r) => r.url)).toEqual(['/other']);
    });
  }

  it('a path value with dots inside a longer segment is sent as is', async () => {
    const req = await send({ operationId: 'pathSimple', parameters: [{ name: 'v', in: 'path', value: '$inputs.v' }] }, { v: '..a.b' });
    expect(req.url).toBe('/simple/..a.b');
  });

  it('a header value with a line break or a non-Latin-1 character fails the step with PARAMETER_INVALID before sending', async () => {
    for (const value of ['a\r\nInjected: yes', 'check ✓']) {
      const result = await failing({ operationId: 'headerStyles', parameters: [{ name: 'X-Num', in: 'header', value: '$inputs.h' }] }, { h: value });
      expect(result.status).toBe('succeeded');
      expect(result.steps?.[0]).toMatchObject({ outcome: 'failed', error: { code: 'PARAMETER_INVALID' }, action: { name: 'alt' } });
      expect(result.steps?.[0]?.error?.message).toContain('X-Num');
      expect(scripted.server.requests.map((r) => r.url)).toEqual(['/other']);
    }
  });
});

describe('operationPath steps', () => {
  it('resolves an operationPath with ~1-escaped segments and a {param} template, then substitutes the parameter', async () => {
    const req = await send({ operationPath: '{$sourceDescriptions.api.url}#/paths/~1simple~1{v}/get', parameters: [{ name: 'v', in: 'path', value: 'x y' }] });
    expect(req).toMatchObject({ method: 'GET', url: '/simple/x%20y' });
  });
});

describe('P18 query serialisation', () => {
  it('serialises arrays and objects per form explode true/false, deepObject, pipe and space delimited', async () => {
    const req = await send({
      operationId: 'queryStyles',
      parameters: [
        q('arr', ['a', 'b']),
        q('arrc', ['a', 'b']),
        q('obj', { r: 1, g: 2 }),
        q('objc', { r: 1, g: 2 }),
        q('deep', { r: 1, g: 'x y' }),
        q('pipe', ['a', 'b']),
        q('space', ['a', 'b']),
        q('needed', 'yes'),
      ],
    });
    expect(req.url).toBe('/query?arr=a&arr=b&arrc=a,b&r=1&g=2&objc=r,1,g,2&deep%5Br%5D=1&deep%5Bg%5D=x%20y&pipe=a|b&space=a%20b&needed=yes');
  });

  it('percent-encodes reserved characters, unicode and + in values, but keeps them with allowReserved', async () => {
    const req = await send({ operationId: 'queryStyles', parameters: [q('text', 'a&b=c+d/é?'), q('reserved', 'a/b?c=d'), q('needed', 'x')] });
    expect(req.url).toBe('/query?text=a%26b%3Dc%2Bd%2F%C3%A9%3F&reserved=a/b?c=d&needed=x');
    const url = new URL(req.url, 'http://h');
    expect(url.searchParams.get('text')).toBe('a&b=c+d/é?');
  });

  it('sends numbers, booleans and null in their JSON text form', async () => {
    const req = await send({ operationId: 'queryStyles', parameters: [q('text', '$inputs.n'), q('maybe', '$inputs.b'), q('needed', 0)] }, { n: 2.5, b: false });
    expect(req.url).toBe('/query?text=2.5&maybe=false&needed=0');
  });

  it('P25: an optional query parameter that resolves to nothing is left out', async () => {
    const req = await send({ operationId: 'queryStyles', parameters: [q('maybe', '$inputs.absent'), q('needed', 'x')] });
    expect(req.url).toBe('/query?needed=x');
  });

  it('P25: a required query parameter that resolves to nothing fails before sending, and failure actions apply', async () => {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          { stepId: 's', operationId: 'queryStyles', parameters: [q('needed', '$inputs.absent')], onFailure: [{ name: 'alt', type: 'goto', stepId: 'b' }] },
          { stepId: 'b', operationId: 'other' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers, history: true });
    expect(result.status).toBe('succeeded');
    expect(result.steps?.[0]).toMatchObject({ outcome: 'failed', error: { code: 'PARAMETER_UNRESOLVED' }, action: { name: 'alt' } });
    expect(result.steps?.[0]?.error?.message).toContain('$inputs.absent');
    expect(scripted.server.hits('/query')).toHaveLength(0);
  });
});

describe('P18 headers and cookies', () => {
  it('serialises header objects (simple, explode false/true), arrays and numbers, and cookies', async () => {
    const req = await send({
      operationId: 'headerStyles',
      parameters: [
        { name: 'X-Obj', in: 'header', value: { a: 1, b: 'two' } },
        { name: 'X-Objx', in: 'header', value: { a: 1, b: 'two' } },
        { name: 'X-Arr', in: 'header', value: ['x', 'y'] },
        { name: 'X-Num', in: 'header', value: 42 },
        { name: 'sess', in: 'cookie', value: 'a b;c' },
        { name: 'ids', in: 'cookie', value: [1, 2] },
      ],
    });
    expect(req.headers['x-obj']).toBe('a,1,b,two');
    expect(req.headers['x-objx']).toBe('a=1,b=two');
    expect(req.headers['x-arr']).toBe('x,y');
    expect(req.headers['x-num']).toBe('42');
    expect(req.headers.cookie).toBe('sess=a%20b%3Bc; ids=1,2');
  });

  it('a step header overrides a workflow-level header of another case (header names are case-insensitive)', async () => {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'w',
        parameters: [{ name: 'X-Num', in: 'header', value: 1 }],
        steps: [{ stepId: 's', operationId: 'headerStyles', parameters: [{ name: 'x-num', in: 'header', value: 2 }] }],
      },
    ]);
    await runWorkflow(doc, 'w', {}, { servers });
    expect(scripted.server.requests[0]!.headers['x-num']).toBe('2');
  });
});

describe('request bodies', () => {
  it('a whole-expression payload keeps its JSON type (number, array, object)', async () => {
    for (const value of [42, [1, 'a'], { nested: { ok: true } }]) {
      const req = await send({ operationId: 'postJson', requestBody: { payload: '$inputs.v' } }, { v: value });
      expect(JSON.parse(req.body)).toEqual(value);
      expect(req.headers['content-type']).toBe('application/json');
    }
  });

  it('object payload leaves are evaluated with their types; literal JSONPath-looking strings stay literal', async () => {
    const req = await send(
      { operationId: 'postJson', requestBody: { payload: { count: '$inputs.n', list: ['$inputs.s', 'lit'], path: '$.store.book[0]', msg: 'hi {$inputs.s}' } } },
      { n: 3, s: 'x' },
    );
    expect(JSON.parse(req.body)).toEqual({ count: 3, list: ['x', 'lit'], path: '$.store.book[0]', msg: 'hi x' });
  });

  it('a string template payload interpolates scalars as text and objects as JSON', async () => {
    const req = await send(
      { operationId: 'postJson', requestBody: { payload: '{"id": {$inputs.id}, "tags": {$inputs.tags}, "name": "{$inputs.name}"}' } },
      { id: 5, tags: ['a', 'b'], name: 'n' },
    );
    expect(JSON.parse(req.body)).toEqual({ id: 5, tags: ['a', 'b'], name: 'n' });
  });

  it('replacements create object members and append to arrays with "-", in order', async () => {
    const req = await send(
      {
        operationId: 'postJson',
        requestBody: {
          payload: { items: [1], meta: {} },
          replacements: [
            { target: '/items/-', value: '$inputs.n' },
            { target: '/meta/owner/name', value: 'ann' },
            { target: '/items/0', value: 0 },
            { target: '/items/-', value: { late: true } },
          ],
        },
      },
      { n: 2 },
    );
    expect(JSON.parse(req.body)).toEqual({ items: [0, 2, { late: true }], meta: { owner: { name: 'ann' } } });
  });

  it('a replacement into a missing array index fails the step with REPLACEMENT_TARGET_INVALID', async () => {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [{ stepId: 's', operationId: 'postJson', requestBody: { payload: { items: [] }, replacements: [{ target: '/items/3', value: 1 }] } }],
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'REPLACEMENT_TARGET_INVALID', stepId: 's' });
    expect(scripted.server.requests).toHaveLength(0);
  });

  it('form-urlencodes a structured payload using the operation media type; arrays repeat the key', async () => {
    const req = await send({ operationId: 'postForm', requestBody: { payload: { a: 'x y&z', n: 1, list: ['p', 'q'] } } });
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = new URLSearchParams(req.body);
    expect(params.get('a')).toBe('x y&z');
    expect(params.get('n')).toBe('1');
    expect(params.getAll('list')).toEqual(['p', 'q']);
  });

  it('a step contentType overrides the operation media type', async () => {
    const req = await send({ operationId: 'postText', requestBody: { contentType: 'application/merge-patch+json', payload: { a: '$inputs.a' } } }, { a: 1 });
    expect(req.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(req.body)).toEqual({ a: 1 });
  });
});

describe('P25 for payloads', () => {
  async function run(step: Record<string, unknown>, inputs: Record<string, unknown> = {}) {
    const servers = await serve();
    const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 's', ...step }] }]);
    return runWorkflow(doc, 'w', inputs, { servers });
  }

  it('members of a structured payload that resolve to nothing are left out; the rest is sent', async () => {
    const result = await run(
      { operationId: 'postJson', requestBody: { payload: { a: '$inputs.a', b: '$inputs.b', nested: { c: '$inputs.c', d: 1 } } } },
      { a: 1 },
    );
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(scripted.server.requests[0]!.body)).toEqual({ a: 1, nested: { d: 1 } });
  });

  it('a required body whose whole-expression payload resolves to nothing fails before sending, naming the expression', async () => {
    const result = await run({ operationId: 'postJson', requestBody: { payload: '$inputs.body' } });
    expect(result.error).toMatchObject({ code: 'PARAMETER_UNRESOLVED', stepId: 's' });
    expect(result.error?.message).toContain('$inputs.body');
    expect(scripted.server.requests).toHaveLength(0);
  });

  it('a required body whose string template has a part that resolves to nothing fails instead of sending it empty', async () => {
    const result = await run({ operationId: 'postJson', requestBody: { payload: '{"id": "{$inputs.id}", "kind": "x"}' } });
    expect(result.error).toMatchObject({ code: 'PARAMETER_UNRESOLVED', stepId: 's' });
    expect(result.error?.message).toContain('$inputs.id');
    expect(scripted.server.requests).toHaveLength(0);
  });

  it('an optional body whose string template has a part that resolves to nothing is left out', async () => {
    const result = await run({ operationId: 'postText', requestBody: { payload: 'id={$inputs.id}' } });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.requests[0]).toMatchObject({ url: '/text', body: '' });
    expect(scripted.server.requests[0]!.headers['content-type']).toBeUndefined();
  });

  it('a 1.1 Selector inside a payload is evaluated', async () => {
    const servers = await serve();
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [{ stepId: 's', operationId: 'postJson', requestBody: { payload: { id: { context: '$inputs.o', selector: '/x/y', type: 'jsonpointer' } } } }],
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', { o: { x: { y: 5 } } }, { servers });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(scripted.server.requests[0]!.body)).toEqual({ id: 5 });
  });
});

describe('request and response expressions', () => {
  it('$url, $method, $statusCode, $request.body#/ptr, $request.header and $response.header (any case) are available to outputs', async () => {
    const servers = await serve({ '/json': [{ status: 200, headers: { 'X-Request-Id': 'r-1' }, body: { ok: true } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 's',
            operationId: 'postJson',
            parameters: [{ name: 'X-Trace', in: 'header', value: 't-9' }],
            requestBody: { payload: { a: { b: 'deep' } } },
            outputs: {
              url: '$url',
              method: '$method',
              sent: '$request.body#/a/b',
              trace: '$request.header.x-trace',
              reqId: '$response.header.x-request-id',
              reqIdUpper: '$response.header.X-REQUEST-ID',
              status: '$statusCode',
            },
          },
        ],
        outputs: Object.fromEntries(['url', 'method', 'sent', 'trace', 'reqId', 'reqIdUpper', 'status'].map((k) => [k, `$steps.s.outputs.${k}`])),
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.outputs).toEqual({
      url: `${scripted.server.url}/json`,
      method: 'POST',
      sent: 'deep',
      trace: 't-9',
      reqId: 'r-1',
      reqIdUpper: 'r-1',
      status: 200,
    });
  });

  it('a JSON-looking response with a text/plain content type stays text for $response.body', async () => {
    const servers = await serve({ '/poll': [{ status: 200, headers: { 'content-type': 'text/plain' }, text: '{"a":1}' }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [{ stepId: 's', operationId: 'poll', outputs: { body: '$response.body', a: '$response.body#/a' } }],
        outputs: { body: '$steps.s.outputs.body', a: '$steps.s.outputs.a' },
      },
    ]);
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.outputs).toEqual({ body: '{"a":1}' });
  });

  it('P24: a body member that does not exist compares equal to null in a success criterion', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { present: 1 } }] });
    const doc = await loadConformance([
      {
        workflowId: 'w',
        steps: [{ stepId: 's', operationId: 'poll', successCriteria: [{ condition: '$response.body#/missing == null && $response.body#/present != null' }] }],
      },
    ]);
    expect((await runWorkflow(doc, 'w', {}, { servers })).status).toBe('succeeded');
  });
});
