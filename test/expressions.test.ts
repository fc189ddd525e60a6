import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArazzoVersion } from '../src/document/types.js';
import {
  compileValue,
  matchRuntimeExpression,
  parseRuntimeExpression,
  parseTemplate,
  startsRuntimeExpression,
  tryParseRuntimeExpression,
} from '../src/expressions/index.js';
import type { EvalContext } from '../src/expressions/types.js';
import { loadSelectionEngines } from '../src/selection/engines.js';
import { errorOf } from './expect-helpers.js';

// Selector Objects compile with the JSONPath and XPath engines, which loadArazzo loads on demand.
beforeAll(() => loadSelectionEngines('all'));

const invoiceXml = readFileSync(new URL('./fixtures/expressions/invoice.xml', import.meta.url), 'utf8');

/** A context with something behind every root, shaped like the spec's examples. */
const ctx: EvalContext = {
  url: 'https://petstore.example/pet/7?x=1',
  method: 'GET',
  statusCode: 200,
  request: {
    headers: { accept: 'application/json', 'x-api-key': 'k1' },
    query: { status: 'available', 'filter[a]': 'q' },
    path: { id: '7' },
    body: { user: { uuid: 'u-1' } },
  },
  response: {
    headers: { server: 'nginx', 'x-expires-after': '2030-01-01', 'x-rate-limit': '100' },
    body: { status: 'available', items: [{ id: 11 }, { id: 12 }], 'items[0]': 'literal member', count: 3, nested: { ok: true } },
  },
  inputs: {
    username: 'alice',
    'x-api-key': 'secret',
    'x-store-id': 'store-9',
    'a.b': 'dotted',
    a: { b: 'not me' },
    count: 5,
    order: { petId: 1, quantity: 2 },
    hfToken: 'hf_abc',
    host: 'api.example',
    flag: true,
    none: null,
  },
  outputs: { bar: 'barValue' },
  steps: {
    someStepId: { pets: [{ id: 101 }, { id: 102 }] },
    loginStep: { tokenExpires: '2030-01-01', sessionToken: 'tok' },
    create: { id: 'abc' },
  },
  workflows: {
    foo: { inputs: { username: 'bob' }, outputs: { bar: 'fooBar', mappedResponse: { name: 'Rex' } } },
  },
  sourceDescriptions: {
    petstore: { name: 'petstore', url: 'https://api.example.com/petstore.yaml', type: 'openapi' },
    petStoreDescription: { name: 'petStoreDescription', url: 'https://example.com/openapi.yaml', type: 'openapi' },
  },
  components: {
    parameters: { foo: { name: 'foo', in: 'query', value: 1 }, 'page.size': { name: 'size', in: 'query', value: 20 } },
    successActions: { bar: { name: 'bar', type: 'end' }, notify: { name: 'notify', type: 'end' } },
    failureActions: { baz: { name: 'baz', type: 'retry' } },
    inputs: { pagination: { type: 'object' } },
  },
  self: 'https://example.com/arazzo.yaml',
};

const emptyCtx: EvalContext = { inputs: {}, steps: {}, workflows: {}, sourceDescriptions: {} };

function evalExpr(text: string, version: ArazzoVersion = '1.1', c: EvalContext = ctx): unknown {
  return parseRuntimeExpression(text, version).evaluate(c);
}

describe('runtime expressions: the 1.0.1 examples table', () => {
  const cases: Array<[string, unknown]> = [
    ['$method', 'GET'],
    ['$request.header.accept', 'application/json'],
    ['$request.path.id', '7'],
    ['$request.body#/user/uuid', 'u-1'],
    ['$url', 'https://petstore.example/pet/7?x=1'],
    ['$response.body#/status', 'available'],
    ['$response.header.Server', 'nginx'],
    ['$inputs.username', 'alice'],
    ['$workflows.foo.inputs.username', 'bob'],
    ['$steps.someStepId.outputs.pets', [{ id: 101 }, { id: 102 }]],
    ['$steps.someStepId.outputs.pets#/0/id', 101],
    ['$outputs.bar', 'barValue'],
    ['$workflows.foo.outputs.bar', 'fooBar'],
    ['$workflows.foo.outputs.mappedResponse#/name', 'Rex'],
    ['$components.parameters.foo', { name: 'foo', in: 'query', value: 1 }],
    ['$statusCode', 200],
  ];
  for (const version of ['1.0', '1.1'] as const) {
    it.each(cases)(`${version}: %s`, (text, expected) => {
      expect(evalExpr(text, version)).toEqual(expected);
    });
  }
});

describe('runtime expressions: the 1.1.0 examples table', () => {
  it('evaluates the new rows', () => {
    expect(evalExpr('$response.body#/items/0/id')).toBe(11);
    expect(evalExpr('$self')).toBe('https://example.com/arazzo.yaml');
    expect(evalExpr('$sourceDescriptions.petstore.url')).toBe('https://api.example.com/petstore.yaml');
    expect(evalExpr('$sourceDescriptions.petstore.type')).toBe('openapi');
    expect(evalExpr('$components.successActions.bar')).toEqual({ name: 'bar', type: 'end' });
    expect(evalExpr('$components.failureActions.baz')).toEqual({ name: 'baz', type: 'retry' });
  });

  it('parses an operation reference and exposes its parts; it is not a field, so it evaluates to undefined', () => {
    const expr = parseRuntimeExpression('$sourceDescriptions.petstore.getPetById');
    expect(expr.root).toBe('sourceDescriptions');
    expect(expr.refId).toBe('petstore');
    expect(expr.segments).toEqual(['sourceDescriptions', 'petstore', 'getPetById']);
    expect(expr.evaluate(ctx)).toBeUndefined();
  });

  it('interpolates the embedded-expressions example', () => {
    const v = compileValue('https://{$inputs.host}/api/{$steps.create.outputs.id}/status', { version: '1.1' });
    expect(v.evaluate(ctx)).toBe('https://api.example/api/abc/status');
    expect(v.expressions.map((e) => e.text)).toEqual(['$inputs.host', '$steps.create.outputs.id']);
  });

  it('reports $message expressions as unsupported AsyncAPI (P1)', () => {
    for (const text of ['$message.header.Server', '$message.payload#/status']) {
      const err = errorOf(() => parseRuntimeExpression(text));
      expect(err.code).toBe('EXPRESSION_UNSUPPORTED');
      expect(err.message).toContain('AsyncAPI');
      expect(err.details?.['offset']).toBe(0);
    }
  });
});

describe('runtime expressions: values used in the spec documents', () => {
  it('reads hyphenated input names and case-insensitive headers', () => {
    expect(evalExpr('$inputs.x-api-key', '1.0')).toBe('secret');
    expect(evalExpr('$inputs.x-store-id', '1.0')).toBe('store-9');
    expect(evalExpr('$response.header.X-Expires-After')).toBe('2030-01-01');
    expect(evalExpr('$response.header.x-rate-LIMIT')).toBe('100');
    expect(evalExpr('$request.header.X-Api-Key')).toBe('k1');
  });

  it('returns the whole body for $response.body and keeps JSON types', () => {
    expect(evalExpr('$response.body')).toBe(ctx.response!.body);
    expect(evalExpr('$response.body#/count')).toBe(3);
    expect(evalExpr('$response.body#/nested/ok')).toBe(true);
    expect(evalExpr('$inputs.none')).toBeNull();
  });

  it('1.0.1 bug: $steps.loginUser.outputs.sessionToken parses but resolves to nothing (the step is loginStep)', () => {
    expect(evalExpr('$steps.loginUser.outputs.sessionToken', '1.0')).toBeUndefined();
    expect(evalExpr('$steps.loginStep.outputs.sessionToken', '1.0')).toBe('tok');
  });

  it('1.0.0 bug: $steps.getPetStep.availablePets (no ".outputs.") is read as the output, marked as a dialect with the standard spelling', () => {
    const expr = parseRuntimeExpression('$steps.getPetStep.availablePets', '1.0');
    expect(expr.dialect).toEqual({ kind: 'step-outputs', standard: '$steps.getPetStep.outputs.availablePets' });
    expect(expr.segments).toEqual(['steps', 'getPetStep', 'outputs', 'availablePets']);
    const c: EvalContext = { ...emptyCtx, steps: { getPetStep: { availablePets: [1, 2] } } };
    expect(expr.evaluate(c)).toEqual([1, 2]);
    // With a pointer, the standard spelling keeps it.
    expect(parseRuntimeExpression('$steps.getPetStep.availablePets#/0').dialect?.standard).toBe('$steps.getPetStep.outputs.availablePets#/0');
    // The standard spelling is no dialect.
    expect(parseRuntimeExpression('$steps.getPetStep.outputs.availablePets').dialect).toBeUndefined();
  });

  it('#259: $response.body.request_uri is read as $response.body#/request_uri (a dialect), not the body followed by text', () => {
    const expr = parseRuntimeExpression('$response.body.request_uri');
    expect(expr.dialect).toEqual({ kind: 'body-dot-path', standard: '$response.body#/request_uri' });
    expect(expr.pointer).toBe('/request_uri');
    const c: EvalContext = { ...emptyCtx, response: { headers: {}, body: { request_uri: 'urn:x', items: [{ 'a/b': 7 }] } } };
    expect(expr.evaluate(c)).toBe('urn:x');
    const nested = parseRuntimeExpression('$response.body.items[0].a_b');
    expect(nested.pointer).toBe('/items/0/a_b');
    expect(parseRuntimeExpression('$request.body.user.id').dialect?.standard).toBe('$request.body#/user/id');
    // In a simple condition "." is an operator on the body, so the embedded scan stops at the body.
    const embedded = matchRuntimeExpression('$response.body.request_uri == 1', 0, '1.1', 'embedded');
    expect(embedded.ok && embedded.end).toBe(14);
    // The embedded scan of a string (P28) reads the dot path when asked to.
    const bare = matchRuntimeExpression('uri $response.body.request_uri.', 4, '1.1', 'embedded', { dotPaths: true });
    expect(bare.ok && bare.expression.pointer).toBe('/request_uri');
    expect(bare.ok && bare.end).toBe(30);
  });

  it('source names are case-sensitive: petstoreDescription does not resolve petStoreDescription', () => {
    const path = compileValue('{$sourceDescriptions.petstoreDescription.url}#/paths/~1pet~1findByStatus/get', { version: '1.0' });
    const missing: string[] = [];
    expect(path.evaluate(ctx, (t) => missing.push(t))).toBe('#/paths/~1pet~1findByStatus/get');
    expect(missing).toEqual(['$sourceDescriptions.petstoreDescription.url']);
    const fixed = compileValue('{$sourceDescriptions.petStoreDescription.url}#/paths/~1pet~1findByStatus/get', { version: '1.0' });
    expect(fixed.evaluate(ctx)).toBe('https://example.com/openapi.yaml#/paths/~1pet~1findByStatus/get');
  });
});

describe('runtime expressions: names, ids and versions', () => {
  it('reads "$inputs.a.b" as the input named "a.b" (identifiers allow dots)', () => {
    expect(evalExpr('$inputs.a.b')).toBe('dotted');
    expect(parseRuntimeExpression('$inputs.a.b').segments).toEqual(['inputs', 'a.b']);
  });

  it('allows dotted component keys and query names with brackets', () => {
    expect(evalExpr('$components.parameters.page.size')).toEqual({ name: 'size', in: 'query', value: 20 });
    expect(evalExpr('$request.query.filter[a]')).toBe('q');
    expect(evalExpr('$request.query.status')).toBe('available');
  });

  it('exposes refId for forward-reference checks, and the pointer', () => {
    const e = parseRuntimeExpression('$steps.someStepId.outputs.pets#/0/id');
    expect(e.root).toBe('steps');
    expect(e.refId).toBe('someStepId');
    expect(e.pointer).toBe('/0/id');
    expect(parseRuntimeExpression('$workflows.foo.outputs.bar').refId).toBe('foo');
  });

  it('accepts $workflows.<wf>.steps.<step> (#557) for dependsOn; it has no value', () => {
    const e = parseRuntimeExpression('$workflows.wf1.steps.s1');
    expect(e.segments).toEqual(['workflows', 'wf1', 'steps', 's1']);
    expect(e.evaluate(ctx)).toBeUndefined();
  });

  it('$self is 1.1 only', () => {
    const err = errorOf(() => parseRuntimeExpression('$self', '1.0'));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.message).toContain('1.1');
  });

  it('$components.inputs is 1.0 only (1.1 removed the generic form)', () => {
    expect(evalExpr('$components.inputs.pagination', '1.0')).toEqual({ type: 'object' });
    const err = errorOf(() => parseRuntimeExpression('$components.inputs.pagination', '1.1'));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.details?.['offset']).toBe(12);
  });

  it('1.1 rejects braces inside a JSON Pointer', () => {
    expect(errorOf(() => parseRuntimeExpression('$response.body#/a{b', '1.1')).details?.['offset']).toBe(17);
    expect(evalExpr('$response.body#/a{b', '1.0')).toBeUndefined();
  });
});

describe('runtime expressions: syntax errors carry exact offsets', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['$inputs.', 8, /input name/],
    ['$inputs', 7, /"\."/],
    ['$request.foo', 9, /header.*query.*path.*body/],
    ['$response.query.x', 10, /does not exist/],
    ['$foo', 0, /Unknown runtime expression/],
    ['$', 0, /Unknown runtime expression/],
    ['inputs.x', 0, /starts with "\$"/],
    ['$inputs.a b', 9, /Unexpected " "/],
    ['$workflows.wf.results.x', 14, /inputs.*outputs/],
    ['$statusCode.x', 11, /Unexpected/],
    ['$response.body#status', 15, /start with "\/"/],
    ['$response.body#/a~2', 17, /~0/],
    ['$components.schemas.x', 12, /parameters/],
    ['$sourceDescriptions.petstore', 28, /field/],
    ['$request.header.', 16, /header name/],
  ];
  it.each(cases)('%s → offset %i', (text, offset, message) => {
    const err = errorOf(() => parseRuntimeExpression(text));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.details?.['offset']).toBe(offset);
    expect(err.message).toMatch(message);
  });

  it('$steps.a.b.outputs.c is the output "b.outputs.c" of step a without ".outputs." (names allow dots); the loader rejects it unless a declares it', () => {
    const expr = parseRuntimeExpression('$steps.a.b.outputs.c');
    expect(expr.segments).toEqual(['steps', 'a', 'outputs', 'b.outputs.c']);
    expect(expr.dialect?.kind).toBe('step-outputs');
  });

  it('$steps.<id> followed by something other than a name is still a syntax error', () => {
    for (const [text, offset] of [
      ['$steps.a.outputs', 8],
      ['$steps.a', 8],
      ['$steps.a b', 8],
    ] as const) {
      const err = errorOf(() => parseRuntimeExpression(text));
      expect(err.code).toBe('EXPRESSION_SYNTAX');
      expect(err.details?.['offset']).toBe(offset);
    }
  });

  it('an unknown root names the root it is a near miss of', () => {
    expect(errorOf(() => parseRuntimeExpression('$statuscode')).message).toContain('did you mean "$statusCode"?');
    expect(errorOf(() => parseRuntimeExpression('$respnse.body')).message).toContain('did you mean "$response"?');
    expect(errorOf(() => parseRuntimeExpression('$body')).message).toContain('did you mean "$response.body"?');
    expect(errorOf(() => parseRuntimeExpression('$foo')).message).not.toContain('did you mean');
    expect(errorOf(() => parseRuntimeExpression('$response.headers.Location')).message).toContain('Did you mean "$response.header"?');
  });

  it('tryParseRuntimeExpression returns the issue instead of throwing', () => {
    expect(tryParseRuntimeExpression('$inputs.')).toMatchObject({ ok: false, code: 'EXPRESSION_SYNTAX', offset: 8 });
    expect(tryParseRuntimeExpression('$url')).toMatchObject({ ok: true, end: 4 });
  });
});

describe('runtime expressions: evaluation never throws', () => {
  const all = [
    '$url',
    '$method',
    '$statusCode',
    '$self',
    '$request.header.a',
    '$request.query.a',
    '$request.path.a',
    '$request.body#/a/0',
    '$response.header.a',
    '$response.body#/x',
    '$inputs.a#/b',
    '$outputs.a',
    '$steps.s.outputs.o#/p',
    '$workflows.w.inputs.i',
    '$workflows.w.outputs.o#/0',
    '$sourceDescriptions.s.url',
    '$components.parameters.p',
  ];
  it.each(all)('%s on an empty context is undefined', (text) => {
    expect(evalExpr(text, '1.1', emptyCtx)).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    expect(evalExpr('$inputs.constructor', '1.1', emptyCtx)).toBeUndefined();
    expect(evalExpr('$inputs.toString')).toBeUndefined();
    expect(evalExpr('$steps.someStepId.outputs.constructor')).toBeUndefined();
  });

  it('a pointer into a string body is undefined', () => {
    expect(evalExpr('$response.body#/a', '1.1', { ...emptyCtx, response: { headers: {}, body: '<xml/>' } })).toBeUndefined();
  });
});

describe('matchRuntimeExpression: the longest valid prefix (simple conditions, P28)', () => {
  it('stops at operators and whitespace', () => {
    expect(matchRuntimeExpression('$statusCode==200', 0)).toMatchObject({ ok: true, end: 11 });
    expect(matchRuntimeExpression('$inputs.count>5', 0)).toMatchObject({ ok: true, end: 13 });
    expect(matchRuntimeExpression('x == $response.body#/a/b && y', 5)).toMatchObject({ ok: true, end: 24 });
  });

  it('keeps brackets inside a pointer: $response.body#/items[0] is the member "items[0]"', () => {
    const m = matchRuntimeExpression('$response.body#/items[0] == 1', 0);
    expect(m.ok && m.expression.text).toBe('$response.body#/items[0]');
    expect(m.ok && m.expression.evaluate(ctx)).toBe('literal member');
  });

  it('ends $response.body before ".count" so the condition can apply it', () => {
    const m = matchRuntimeExpression('$response.body.count > 1', 0);
    expect(m.ok && m.expression.text).toBe('$response.body');
  });

  it('leaves a trailing sentence dot out', () => {
    const m = matchRuntimeExpression('$inputs.username.', 0);
    expect(m.ok && m.expression.text).toBe('$inputs.username');
  });

  it('requires a word boundary after fixed roots', () => {
    expect(matchRuntimeExpression('$urlencoded', 0).ok).toBe(false);
    expect(matchRuntimeExpression('$url/x', 0)).toMatchObject({ ok: true, end: 4 });
  });

  it('startsRuntimeExpression tells runtime expressions from JSONPath', () => {
    expect(startsRuntimeExpression('$inputs.x', 0)).toBe(true);
    expect(startsRuntimeExpression('a $steps.x', 2)).toBe(true);
    expect(startsRuntimeExpression('$.a', 0)).toBe(false);
    expect(startsRuntimeExpression('$[0]', 0)).toBe(false);
    expect(startsRuntimeExpression('$5', 0)).toBe(false);
  });
});

describe('compileValue (P7)', () => {
  it('a whole-string expression keeps its JSON type', () => {
    expect(compileValue('$inputs.count', { version: '1.1' }).evaluate(ctx)).toBe(5);
    expect(compileValue('$inputs.flag', { version: '1.1' }).evaluate(ctx)).toBe(true);
    expect(compileValue('$inputs.order', { version: '1.1' }).evaluate(ctx)).toEqual({ petId: 1, quantity: 2 });
    expect(compileValue('$inputs.none', { version: '1.1' }).evaluate(ctx)).toBeNull();
  });

  it('strings without expressions, JSONPath text and numbers are static and returned as they are', () => {
    for (const text of ['available', '$.a', '$[0]', "$.items[?(@.sku=='ABC123')].quantity", 'costs $5', '{"a": 1}', 'a{2}b', '$ 12']) {
      const v = compileValue(text, { version: '1.1' });
      expect(v.isStatic).toBe(true);
      expect(v.evaluate(ctx)).toBe(text);
      expect(v.expressions).toEqual([]);
    }
    expect(compileValue(10, { version: '1.1' }).evaluate(ctx)).toBe(10);
    expect(compileValue(null, { version: '1.1' }).evaluate(ctx)).toBeNull();
  });

  it('fully static subtrees are returned without copying', () => {
    const payload = { status: 'placed', tags: ['a', 'b'], nested: { x: 1 } };
    const v = compileValue(payload, { version: '1.1' });
    expect(v.isStatic).toBe(true);
    expect(v.evaluate(ctx)).toBe(payload);
    const mixed = { id: '$inputs.count', fixed: payload.nested };
    const out = compileValue(mixed, { version: '1.1' }).evaluate(ctx) as Record<string, unknown>;
    expect(out['id']).toBe(5);
    expect(out['fixed']).toBe(payload.nested);
  });

  it('interpolates {$…}: strings as is, scalars as text, objects as JSON, nothing as empty', () => {
    const v = compileValue('s={$inputs.username} n={$inputs.count} b={$inputs.flag} z={$inputs.none} o={$inputs.order} m={$inputs.missing}', {
      version: '1.1',
    });
    const missing: string[] = [];
    expect(v.evaluate(ctx, (t) => missing.push(t))).toBe('s=alice n=5 b=true z=null o={"petId":1,"quantity":2} m=');
    expect(missing).toEqual(['$inputs.missing']);
  });

  it('embeds a string body as is (e.g. unparsed XML)', () => {
    const c: EvalContext = { ...emptyCtx, response: { headers: {}, body: '<a>1</a>' } };
    expect(compileValue('body: {$response.body}', { version: '1.1' }).evaluate(c)).toBe('body: <a>1</a>');
  });

  it('"{$inputs.count}" alone is a template, so it yields a string', () => {
    expect(compileValue('{$inputs.count}', { version: '1.1' }).evaluate(ctx)).toBe('5');
  });

  it('walks objects and arrays (the spec JSON object payload)', () => {
    const payload = {
      petOrder: { petId: '$inputs.order#/petId', couponCode: '$inputs.username', quantity: '$inputs.count', status: 'placed', complete: false },
    };
    const v = compileValue(payload, { version: '1.0' });
    expect(v.isStatic).toBe(false);
    expect(v.evaluate(ctx)).toEqual({ petOrder: { petId: 1, couponCode: 'alice', quantity: 5, status: 'placed', complete: false } });
    expect(compileValue(['$inputs.count', 'x', ['$inputs.flag']], { version: '1.1' }).evaluate(ctx)).toEqual([5, 'x', [true]]);
  });

  it('leaves out object members whose expression resolved to nothing, and reports them', () => {
    const missing: string[] = [];
    expect(compileValue({ a: '$inputs.missing', b: 1 }, { version: '1.1' }).evaluate(ctx, (t) => missing.push(t))).toEqual({ b: 1 });
    expect(missing).toEqual(['$inputs.missing']);
  });

  it('handles the spec JSON- and XML-templated payloads', () => {
    const c: EvalContext = { ...emptyCtx, inputs: { pet_id: 7, coupon_code: 'SAVE', quantity: 2 } };
    const json =
      '{\n  "petOrder": {\n    "petId": "{$inputs.pet_id}",\n    "couponCode": "{$inputs.coupon_code}",\n    "quantity": "{$inputs.quantity}",\n    "status": "placed",\n    "complete": false\n  }\n}\n';
    expect(JSON.parse(compileValue(json, { version: '1.0' }).evaluate(c) as string)).toEqual({
      petOrder: { petId: '7', couponCode: 'SAVE', quantity: '2', status: 'placed', complete: false },
    });
    const xml =
      '<petOrder>\n  <petId>{$inputs.pet_id}</petId>\n  <couponCode>{$inputs.coupon_code}</couponCode>\n  <quantity>{$inputs.quantity}</quantity>\n</petOrder>\n';
    expect(compileValue(xml, { version: '1.1' }).evaluate(c)).toBe(
      '<petOrder>\n  <petId>7</petId>\n  <couponCode>SAVE</couponCode>\n  <quantity>2</quantity>\n</petOrder>\n',
    );
  });

  it('the malformed spec "Form Data String" example: "code{$…}" has no "=", and "scope=$inputs.scope}" is a bare expression followed by "}"', () => {
    const c: EvalContext = {
      ...emptyCtx,
      inputs: { clientId: 'cid', grantType: 'authorization_code', redirectUri: 'https://cb', clientSecret: 'sec', scope: 'read' },
      steps: { 'browser-authorize': { code: 'C0DE' } },
    };
    const text =
      'client_id={$inputs.clientId}&grant_type={$inputs.grantType}&redirect_uri={$inputs.redirectUri}&client_secret={$inputs.clientSecret}&code{$steps.browser-authorize.outputs.code}&scope=$inputs.scope}';
    const v = compileValue(text, { version: '1.1' });
    expect(v.evaluate(c)).toBe('client_id=cid&grant_type=authorization_code&redirect_uri=https://cb&client_secret=sec&codeC0DE&scope=read}');
    expect(v.bareExpressions).toEqual(['$inputs.scope']);
    const fixed = compileValue('code={$steps.browser-authorize.outputs.code}&scope={$inputs.scope}', { version: '1.1' });
    expect(fixed.evaluate(c)).toBe('code=C0DE&scope=read');
    expect(fixed.bareExpressions).toBeUndefined();
  });
});

describe('compileValue: P28 bare expressions', () => {
  it('interpolates "Bearer $inputs.hfToken" and lists it', () => {
    const v = compileValue('Bearer $inputs.hfToken', { version: '1.0' });
    expect(v.evaluate(ctx)).toBe('Bearer hf_abc');
    expect(v.bareExpressions).toEqual(['$inputs.hfToken']);
    expect(v.expressions.map((e) => e.text)).toEqual(['$inputs.hfToken']);
  });

  it('ends a bare expression at whitespace or a character the grammar does not allow', () => {
    expect(compileValue('user $inputs.username, count $inputs.count.', { version: '1.1' }).evaluate(ctx)).toBe('user alice, count 5.');
    expect(compileValue('($steps.create.outputs.id)', { version: '1.1' }).evaluate(ctx)).toBe('(abc)');
    expect(compileValue('$inputs.username and more', { version: '1.1' }).evaluate(ctx)).toBe('alice and more');
  });

  it('does not touch JSONPath, incomplete expressions or "$" glued to a word', () => {
    for (const text of ['filter $.a.b', 'see $[0]', 'see $inputs', 'price$inputs.count', 'a $steps.x b']) {
      const v = compileValue(text, { version: '1.1' });
      expect(v.isStatic).toBe(true);
      expect(v.evaluate(ctx)).toBe(text);
    }
  });

  it('parseTemplate can switch bare recognition off', () => {
    expect(parseTemplate('Bearer $inputs.x', '1.1', { bare: false }).expressions).toEqual([]);
  });
});

describe('compileValue: errors name the JSON Pointer of the bad part', () => {
  it('a malformed {$…} part', () => {
    const err = errorOf(() => compileValue({ a: ['ok', 'x {$inputs.} y'] }, { version: '1.1' }));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.details?.['pointer']).toBe('/a/1');
    expect(err.details?.['offset']).toBe(11);
  });

  it('an unclosed {$', () => {
    const err = errorOf(() => compileValue({ 'a/b': 'x {$inputs.a' }, { version: '1.1' }));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.details?.['pointer']).toBe('/a~1b');
    expect(err.message).toContain('never closed');
  });

  it('a string that starts like an expression but is not one (typo caught at load)', () => {
    const err = errorOf(() => compileValue({ token: '$steps.login' }, { version: '1.1' }));
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.details?.['pointer']).toBe('/token');
    expect(err.message).toContain('.outputs.<name>');
  });

  it('$steps.<id>.<name> and body dot paths compile to the standard reading, whole or bare (the loader reports the dialect)', () => {
    const c: EvalContext = { ...emptyCtx, steps: { login: { token: 't0' } }, response: { headers: {}, body: { a: { b: 'deep' } } } };
    const found: Array<[string, string | undefined]> = [];
    const v = compileValue(
      { token: '$steps.login.token', auth: 'Bearer $steps.login.token', deep: '$response.body.a.b', text: 'x=$response.body.a.b.' },
      { version: '1.1', onExpression: (e) => found.push([e.text, e.dialect?.standard]) },
    );
    expect(v.evaluate(c)).toEqual({ token: 't0', auth: 'Bearer t0', deep: 'deep', text: 'x=deep.' });
    expect(found).toEqual([
      ['$steps.login.token', '$steps.login.outputs.token'],
      ['$steps.login.token', '$steps.login.outputs.token'],
      ['$response.body.a.b', '$response.body#/a/b'],
      ['$response.body.a.b', '$response.body#/a/b'],
    ]);
  });

  it('a near miss of an expression stays literal and is reported as an issue naming the spelling meant', () => {
    const issues: string[] = [];
    const v = compileValue(
      { a: '$respnse.body#/id', b: 'id $input.x', c: '$body.x', d: '$statuscode', e: 'costs $5, see $HOME/bin, $id, $ref' },
      { version: '1.1', onLiteralIssue: (i, pointer) => issues.push(`${pointer} ${i.code} ${/did you mean "([^"]+)"/.exec(i.message)?.[1]}`) },
    );
    expect(v.isStatic).toBe(true);
    expect(issues).toEqual([
      '/a EXPRESSION_NEAR_MISS $response.body#/id',
      '/b EXPRESSION_NEAR_MISS $inputs.x',
      '/c EXPRESSION_NEAR_MISS $response.body#/x',
      '/d EXPRESSION_NEAR_MISS $statusCode',
    ]);
  });

  it('$message in a value is unsupported', () => {
    expect(errorOf(() => compileValue('$message.payload', { version: '1.1' })).code).toBe('EXPRESSION_UNSUPPORTED');
  });
});

describe('compileValue: 1.1 Selector Objects', () => {
  const c: EvalContext = {
    ...emptyCtx,
    response: { headers: {}, body: { user: { profile: { email: 'a@example.com' } }, items: [{ id: 1 }, { id: 2 }] } },
    steps: { fetchXml: { invoiceXml }, getInventory: { payload: { newQuantity: 9 } } },
  };

  it('the spec output example (jsonpath)', () => {
    const v = compileValue({ context: '$response.body', selector: '$.user.profile.email', type: 'jsonpath' }, { version: '1.1' });
    expect(v.evaluate(c)).toBe('a@example.com');
    expect(v.expressions.map((e) => e.text)).toEqual(['$response.body']);
  });

  it('the spec request-body example (xpath-30 Expression Type Object)', () => {
    const payload = {
      invoiceId: { context: '$steps.fetchXml.outputs.invoiceXml', selector: '/Invoice/Header/InvoiceNumber', type: { type: 'xpath', version: 'xpath-30' } },
    };
    expect(compileValue(payload, { version: '1.1' }).evaluate(c)).toEqual({ invoiceId: 'INV-001' });
  });

  it('the spec replacement value example, jsonpointer selectors, and the first-node rule', () => {
    expect(compileValue({ context: '$steps.getInventory.outputs.payload', selector: '$.newQuantity', type: 'jsonpath' }, { version: '1.1' }).evaluate(c)).toBe(
      9,
    );
    expect(compileValue({ context: '$response.body', selector: '/items/1/id', type: 'jsonpointer' }, { version: '1.1' }).evaluate(c)).toBe(2);
    expect(compileValue({ context: '$response.body', selector: '$.items[*].id', type: 'jsonpath' }, { version: '1.1' }).evaluate(c)).toBe(1);
  });

  it('no match is undefined and reported', () => {
    const missing: string[] = [];
    const v = compileValue({ context: '$response.body', selector: '$.nothing', type: 'jsonpath' }, { version: '1.1' });
    expect(v.evaluate(c, (t) => missing.push(t))).toBeUndefined();
    expect(missing).toEqual(['$response.body (jsonpath $.nothing)']);
  });

  it('in a 1.0 document the same object is a plain literal', () => {
    const literal = { context: '$response.body', selector: '$.a', type: 'jsonpath' };
    const v = compileValue(literal, { version: '1.0' });
    expect(v.evaluate(c)).toEqual({ context: c.response!.body, selector: '$.a', type: 'jsonpath' });
  });

  it('rejects a bad selector type, version or query at compile time', () => {
    expect(errorOf(() => compileValue({ x: { context: '$response.body', selector: '$.a', type: 'css' } }, { version: '1.1' })).details?.['pointer']).toBe(
      '/x/type',
    );
    expect(
      errorOf(() => compileValue({ context: '$response.body', selector: '$.a', type: { type: 'jsonpath', version: 'v9' } }, { version: '1.1' })).code,
    ).toBe('EXPRESSION_SYNTAX');
    expect(errorOf(() => compileValue({ context: '$response.body', selector: '$[', type: 'jsonpath' }, { version: '1.1' })).details?.['pointer']).toBe(
      '/selector',
    );
    expect(errorOf(() => compileValue({ context: 'body', selector: '$.a', type: 'jsonpath' }, { version: '1.1' })).details?.['pointer']).toBe('/context');
  });
});

describe('compileValue: safety', () => {
  it('a "__proto__" member in a payload stays an own member and pollutes nothing', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": "$inputs.username"}, "a": "$inputs.count"}') as unknown;
    const out = compileValue(payload, { version: '1.1' }).evaluate(ctx) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":"alice"},"a":5}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
