/** The selection module (src/selection/): lazy engines, JSONPath policy and RE2, and replacements end to end. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileCriterion } from '../src/criteria/index.js';
import { criteriaNeeds } from '../src/criteria/prepare.js';
import type { Criterion } from '../src/document/types.js';
import { runWorkflow } from '../src/engine/run.js';
import { DocumentError } from '../src/errors.js';
import type { EvalContext } from '../src/expressions/types.js';
import { compileJsonPath, hasRootFilter, jsonPathLocations, loadSelectionEngines, queryJsonPath, re2RegExp, translateToRe2 } from '../src/selection/index.js';
import type { TestServer } from './engine-helpers.js';
import { loadConformance, scriptedServer } from './fixtures/conformance/helpers.js';

describe('engines load lazily, only what a document uses, each once', () => {
  it('a document with simple conditions and simple JSONPath operands loads jsep and nothing else', async () => {
    vi.resetModules();
    const engines = await import('../src/selection/engines.js');
    const { prepareCriteria } = await import('../src/criteria/prepare.js');
    const loaded = () => engines.SELECTION_ENGINES.filter((e) => engines.isEngineLoaded(e));
    expect(loaded()).toEqual([]);
    await prepareCriteria({
      workflows: [
        {
          steps: [
            {
              successCriteria: [{ condition: '$statusCode == 200' }],
              onSuccess: [{ criteria: [{ context: '$response.body', condition: "$.status.state == 'pending'", type: 'jsonpath' }] }],
            },
          ],
        },
      ],
    });
    expect(loaded()).toEqual(['jsep']);
    await prepareCriteria({ criteria: [{ context: '$response.body', condition: '/a', type: 'xpath' }] });
    expect(loaded()).toEqual(['jsep', 'xpath']);
  });

  it('compiling with an engine that was not loaded is a programming error that says what to load', async () => {
    vi.resetModules();
    const fresh = await import('../src/criteria/compile.js');
    const { EngineNotLoadedError } = await import('../src/selection/engines.js');
    const attempt = () => fresh.compileCriterion({ condition: '$statusCode == 200' }, { version: '1.1' });
    expect(attempt).toThrow(EngineNotLoadedError);
    expect(attempt).toThrow(/loadSelectionEngines\(\{ jsep: true \}\)/);
  });

  it('criteriaNeeds reads criteria, selectors, replacement targets and schema patterns', () => {
    const cases: Array<[unknown, Record<string, boolean>]> = [
      [{ condition: '$statusCode == 200' }, { jsep: true }],
      [{ context: '$statusCode', condition: '^2', type: 'regex' }, { regex: true }],
      [{ context: '$response.body', condition: '$.a.b[0]', type: 'jsonpath' }, { jsep: true }],
      [
        { context: '$response.body', condition: '$[?@.a]', type: 'jsonpath' },
        { jsep: true, jsonpath: true },
      ],
      [
        { context: '$response.body', condition: "$.a == '{$inputs.x}'", type: 'jsonpath' },
        { jsep: true, jsonpath: true },
      ],
      [
        { context: '$response.body', condition: '$.a', type: { type: 'jsonpath', version: 'draft-goessner-dispatch-jsonpath-00' } },
        { jsep: true, goessner: true },
      ],
      [{ context: '$response.body', selector: '$..id', type: 'jsonpath' }, { jsonpath: true }],
      [{ context: '$response.body', selector: '/a/b', type: 'jsonpointer' }, {}],
      [{ target: '//name', targetSelectorType: 'xpath', value: 1 }, { xpath: true }],
      [{ contentType: 'application/xml', payload: '<a/>', replacements: [{ target: '/a', value: 1 }] }, { xpath: true }],
      [{ inputs: { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]+$' } } } }, { regex: true }],
      [{ inputs: { type: 'object', patternProperties: { '^x-': {} } } }, { regex: true }],
    ];
    for (const [document, needs] of cases) expect(criteriaNeeds({ x: [document] }), JSON.stringify(document)).toEqual(needs);
  });
});

describe('JSONPath', () => {
  beforeAll(() => loadSelectionEngines('all'));

  function context(body: unknown): EvalContext {
    return { inputs: {}, steps: {}, workflows: {}, sourceDescriptions: {}, statusCode: 200, response: { headers: {}, body } };
  }
  const passes = (condition: string, body: unknown, type: Criterion['type'] = 'jsonpath') =>
    compileCriterion({ context: '$response.body', condition, type }, { version: '1.1' }).evaluate(context(body)).passed;

  it('P10b: a root filter tests an object context itself, and filters the items of an array context', () => {
    const q = "$[?@.status.state == 'pending']";
    expect(passes(q, { status: { state: 'pending' } })).toBe(true);
    expect(passes(q, { status: { state: 'running' } })).toBe(false);
    expect(passes(q, [{ status: { state: 'running' } }, { status: { state: 'pending' } }])).toBe(true);
    expect(passes(q, [{ status: { state: 'running' } }])).toBe(false);
    // Plain RFC 9535 everywhere else: the same query as a selector filters the object's members.
    expect(queryJsonPath({ status: { state: 'pending' } }, q)).toEqual([]);
    expect(queryJsonPath({ a: { status: { state: 'pending' } } }, q)).toEqual([{ status: { state: 'pending' } }]);
  });

  it('P10b: inside a root filter "$" is still the context; later segments apply to the context', () => {
    expect(passes('$[?@.count > $.min]', { count: 5, min: 3 })).toBe(true);
    expect(passes('$[?@.count > $.min]', { count: 1, min: 3 })).toBe(false);
    const compiled = compileJsonPath("$[?@.kind == 'pet'].name", 'rfc9535', { rootFilterTestsContext: true });
    expect(compiled({ kind: 'pet', name: 'Rex' })).toEqual(['Rex']);
    expect(compiled({ kind: 'car', name: 'Rex' })).toEqual([]);
    // A "$" inside a string literal is text.
    expect(passes("$[?@.price == '$5']", { price: '$5' })).toBe(true);
    // Several filter selectors: still a root filter; a name among them: plain RFC 9535.
    expect(passes('$[?@.a, ?@.b]', { b: 1 })).toBe(true);
    expect(hasRootFilter('$[?@.a, ?@.b]')).toBe(true);
    expect(hasRootFilter("$['a', ?@.b]")).toBe(false);
    expect(hasRootFilter('$.items[?@.a]')).toBe(false);
    expect(hasRootFilter('$ [ ?(@.a) ]')).toBe(true);
  });

  it('P10b applies to the operands of the comparison form and to the Goessner dialect', () => {
    expect(passes("$[?@.state == 'ok'] != null && $statusCode == 200", { state: 'ok' })).toBe(true);
    const goessner = { type: 'jsonpath', version: 'draft-goessner-dispatch-jsonpath-00' } as const;
    expect(passes('$[?(@.pets.length > 0)]', { pets: [1] }, goessner)).toBe(true);
    expect(passes('$[?(@.pets.length > 0)]', { pets: [] }, goessner)).toBe(false);
  });

  it('match() and search() run on RE2: a hostile pattern finishes, with RFC 9535 results', () => {
    const long = 'a'.repeat(50_000);
    expect(queryJsonPath([{ s: `${long}!` }], "$[?match(@.s, '(a|a)*')]")).toEqual([]);
    expect(queryJsonPath([{ s: long }], "$[?match(@.s, '(a|a)*')]")).toHaveLength(1);
    expect(queryJsonPath([{ s: `x${long}b` }], "$[?search(@.s, '(a|a)*b')]")).toHaveLength(1);
    expect(queryJsonPath(['ab', 'xaby', 'b'], "$[?match(@, 'a.')]")).toEqual(['ab']);
    expect(queryJsonPath(['ab', 'xaby', 'b'], "$[?search(@, 'a.')]")).toEqual(['ab', 'xaby']);
    // I-Regexp: "." is any character but \n and \r; an invalid pattern is false, not an error.
    expect(queryJsonPath(['a\u2028', 'a\n'], "$[?match(@, 'a.')]")).toEqual(['a\u2028']);
    expect(queryJsonPath(['a'], "$[?match(@, '(')]")).toEqual([]);
  });

  it('reports syntax errors with the offset', () => {
    expect(() => compileJsonPath('$.a[?@.b ==]')).toThrow(/RFC 9535.*offset 11/);
  });

  it('jsonPathLocations gives the JSON Pointer tokens of each selected node', () => {
    const doc = { items: [{ sku: 'A' }, { sku: 'B' }], 'a/b': 1 };
    expect(jsonPathLocations(doc, "$.items[?@.sku == 'B'].sku")).toEqual([['items', '1', 'sku']]);
    expect(jsonPathLocations(doc, "$['a/b']")).toEqual([['a/b']]);
    expect(jsonPathLocations(doc, "$.items[?(@.sku == 'A')]", 'goessner')).toEqual([['items', '0']]);
  });
});

describe('regular expressions on RE2', () => {
  beforeAll(() => loadSelectionEngines({ regex: true }));

  it('translates ECMA-262 spellings to RE2', () => {
    expect(translateToRe2('\\u00e9')).toBe('\\x{E9}');
    expect(translateToRe2('\\uD83D\\uDE00')).toBe('\\x{1F600}');
    expect(translateToRe2('\\cJ\\0')).toBe('\\x{A}\\x{0}');
    expect(translateToRe2('\\p{sc=Greek}\\P{gc=Lu}\\p{Number}')).toBe('\\p{Greek}\\P{Lu}\\p{N}');
    expect(translateToRe2('(?<word>\\w+)')).toBe('(\\w+)');
    expect(translateToRe2('[[]')).toBe('[\\[]');
    expect(translateToRe2('[]')).toBe('[^\\x{0}-\\x{10FFFF}]');
  });

  it('is the engine of JSON Schema "pattern" in ajv: hostile patterns finish, backtracking ones are refused', () => {
    const ajv = new Ajv2020({ code: { regExp: re2RegExp } });
    const validate = ajv.compile({ type: 'string', pattern: '^(a|a)*$' });
    expect(validate('a'.repeat(100_000))).toBe(true);
    expect(validate(`${'a'.repeat(100_000)}b`)).toBe(false);
    const props = ajv.compile({ type: 'object', patternProperties: { '^x-\\p{Lu}': { type: 'number' } } });
    expect(props({ 'x-A': 'text' })).toBe(false);
    expect(props({ 'x-a': 'text' })).toBe(true);
    expect(() => ajv.compile({ type: 'string', pattern: '^(?!admin$)' })).toThrow(/lookahead.*linear-time/);
  });
});

describe('end to end', () => {
  let server: TestServer & { hits(path: string): Array<{ body: string }> };
  beforeAll(async () => {
    server = (await scriptedServer()) as typeof server;
  });
  afterAll(async () => server.close());

  async function sent(requestBody: unknown, inputs: Record<string, unknown> = {}): Promise<unknown> {
    const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'postJson', requestBody }] }], {}, '1.1.0');
    const before = server.requests.length;
    const result = await runWorkflow(doc, 'w', inputs, { servers: { api: server.url } });
    expect(result.error).toBeUndefined();
    return JSON.parse(server.requests[before]!.body);
  }

  async function loadError(requestBody: unknown): Promise<DocumentError> {
    try {
      await loadConformance([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'postJson', requestBody }] }], {}, '1.1.0');
    } catch (err) {
      if (err instanceof DocumentError) return err;
      throw err;
    }
    throw new Error('expected a DocumentError');
  }

  const payload = {
    items: [
      { sku: 'A', qty: 1 },
      { sku: 'B', qty: 2 },
    ],
    meta: { tag: 'x' },
  };

  it('JSONPath replacement targets are RFC 9535 by default, as in criteria', async () => {
    const body = await sent({ payload, replacements: [{ target: "$.items[?@.sku == 'A'].qty", targetSelectorType: 'jsonpath', value: 9 }] });
    expect(body).toEqual({
      items: [
        { sku: 'A', qty: 9 },
        { sku: 'B', qty: 2 },
      ],
      meta: { tag: 'x' },
    });
  });

  it('the Goessner dialect applies when the Expression Type Object names it', async () => {
    const type = { type: 'jsonpath', version: 'draft-goessner-dispatch-jsonpath-00' };
    const body = await sent({ payload, replacements: [{ target: "$.items[?(@.sku == 'B')].qty", targetSelectorType: type, value: 7 }] });
    expect(body).toEqual({
      items: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 7 },
      ],
      meta: { tag: 'x' },
    });
  });

  it('a malformed JSON Pointer or JSONPath target is a load error at the target', async () => {
    const pointer = await loadError({ payload, replacements: [{ target: 'items/0', value: 1 }] });
    const p1 = pointer.problems.find((p) => p.code === 'REPLACEMENT_TARGET_INVALID');
    expect(p1?.path).toBe('$.workflows[0].steps[0].requestBody.replacements[0].target');
    expect(p1?.message).toContain('must be empty or start with "/"');
    const query = await loadError({ payload, replacements: [{ target: '$.items[', targetSelectorType: 'jsonpath', value: 1 }] });
    expect(query.problems.find((p) => p.code === 'REPLACEMENT_TARGET_INVALID')?.message).toContain('RFC 9535');
  });

  it('JSON Pointer targets go through the one writer: writing through a string fails instead of replacing it', async () => {
    const doc = await loadConformance(
      [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'postJson', requestBody: { payload, replacements: [{ target: '/meta/tag/x', value: 1 }] } }] }],
      {},
      '1.1.0',
    );
    const before = server.requests.length;
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.error).toMatchObject({ code: 'REPLACEMENT_TARGET_INVALID', stepId: 's' });
    expect(result.error?.message).toContain('not an object or array');
    expect(server.requests.length).toBe(before);
  });

  it('an inputs schema "pattern" runs on RE2: a hostile input is rejected without hanging', async () => {
    const doc = await loadConformance([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { code: { type: 'string', pattern: '^(a|a)*$' } } },
        steps: [{ stepId: 's', operationId: 'poll' }],
      },
    ]);
    const before = server.requests.length;
    const result = await runWorkflow(doc, 'w', { code: `${'a'.repeat(50_000)}!` }, { servers: { api: server.url } });
    expect(result.error?.code).toBe('INPUT_INVALID');
    expect(server.requests.length).toBe(before);
    const ok = await runWorkflow(doc, 'w', { code: 'aaaa' }, { servers: { api: server.url } });
    expect(ok.status).toBe('succeeded');
  });
});
