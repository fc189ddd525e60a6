/**
 * Contract checks end to end: a loopback server that breaks the OpenAPI description on purpose,
 * one violation per route, and runs of workflows against it with `createContractChecks`. Every
 * check must catch its own violation and pass the clean response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedDocument, workflowPlan } from '../src/compile/loaded.js';
import type { RunEvent } from '../src/engine/types.js';
import { type CheckFinding, type ContractChecks, createContractChecks, loadArazzo, runWorkflow } from '../src/index.js';
import { fixture, petsApi } from './contract-helpers.js';
import { startServer, type TestServer } from './engine-helpers.js';

let server: TestServer;
let doc: LoadedDocument;
let checks: ContractChecks;

beforeAll(async () => {
  server = await startServer(petsApi);
  doc = await loadArazzo(fixture('pets-3.0.arazzo.yaml'));
  checks = await createContractChecks(doc);
});
afterAll(() => server.close());

async function run(workflowId: string, inputs: Record<string, unknown>, options: { checks?: ContractChecks; doc?: LoadedDocument } = {}) {
  const events: RunEvent[] = [];
  const before = server.requests.length;
  const result = await runWorkflow(options.doc ?? doc, workflowId, inputs, {
    checks: options.checks ?? checks,
    servers: { pets: `${server.url}/api`, v31: `${server.url}/api`, v20: `${server.url}/api` },
    onEvent: (e) => events.push(e),
  });
  return { result, events, findings: result.checks ?? [], sent: server.requests.slice(before) };
}

const only = (findings: readonly CheckFinding[]) => findings.map((f) => [f.check, f.rule, f.path]);

describe('response checks (OpenAPI 3.0)', () => {
  it('pass the clean response: every check runs and finds nothing', async () => {
    const { result, findings, events } = await run('readPet', { petId: 1 });
    expect(findings).toEqual([]);
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({});
    expect(events.some((e) => e.type === 'check.failed')).toBe(false);
  });

  it('schema: a missing required field names the path, the rule and fails the step', async () => {
    const { result, findings } = await run('readPet', { petId: 2 });
    expect(only(findings)).toEqual([['schema', 'required', '$.name']]);
    expect(findings[0]).toMatchObject({ level: 'error', workflowId: 'readPet', stepId: 'get', operation: 'getPet', statusCode: 200, expected: 'present' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('CONTRACT_RESPONSE_INVALID');
    expect(result.error?.message).toContain('Step "get" failed the schema check against the OpenAPI description of getPet: Response body at $.name is missing');
  });

  it('schema: a wrong type quotes the value', async () => {
    const { findings } = await run('readPet', { petId: 3 });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'schema', path: '$.id', rule: 'type', expected: 'integer', value: '"three"' });
    expect(findings[0]?.message).toBe('Response body at $.id must be integer (type), got "three" (response 200, application/json).');
  });

  it('status: an undeclared status lists the declared ones', async () => {
    const { findings } = await run('readPet', { petId: 4 });
    expect(findings).toEqual([
      expect.objectContaining({ check: 'status', rule: 'undeclared-status', value: '418', expected: '200, 404, 5XX', statusCode: 418 }),
    ]);
  });

  it('a step failed by a response check carries the response status in the run error, like any failed response', async () => {
    const wrongType = await run('readPet', { petId: 3 });
    expect(wrongType.result.error).toMatchObject({ code: 'CONTRACT_RESPONSE_INVALID', stepId: 'get', statusCode: 200 });
    const undeclared = await run('readPet', { petId: 4 });
    expect(undeclared.result.error).toMatchObject({ code: 'CONTRACT_RESPONSE_INVALID', stepId: 'get', statusCode: 418 });
    // A request refused before it was sent has no response, so no status.
    const refused = await run('createPet', { requestId: 'not-a-uuid' });
    expect(refused.result.error?.code).toBe('CONTRACT_REQUEST_INVALID');
    expect(refused.result.error).not.toHaveProperty('statusCode');
  });

  it('status: a declared status and a declared range pass (the criterion, not a check, fails 404)', async () => {
    const notFound = await run('readPet', { petId: 9 });
    expect(notFound.findings).toEqual([]);
    expect(notFound.result.error?.code).toBe('CRITERION_FAILED');
    const range = await run('readPet', { petId: 10 });
    expect(range.findings).toEqual([]);
  });

  it('content-type: a type the status does not declare', async () => {
    const { findings } = await run('readPet', { petId: 5 });
    expect(findings).toEqual([
      expect.objectContaining({ check: 'content-type', rule: 'undeclared-content-type', value: 'text/html', expected: 'application/json' }),
    ]);
  });

  it('headers: a missing required header, and an invalid one', async () => {
    const missing = await run('readPet', { petId: 6 });
    expect(only(missing.findings)).toEqual([['headers', 'required', 'header X-Rate-Limit']]);
    const invalid = await run('readPet', { petId: 8 });
    expect(only(invalid.findings)).toEqual([['headers', 'type', 'header X-Rate-Limit']]);
    expect(invalid.findings[0]?.value).toBe('"plenty"');
  });

  it('nullable (3.0): null is allowed where nullable, refused where not', async () => {
    const allowed = await run('readPet', { petId: 1 });
    expect(allowed.findings).toEqual([]);
    const refused = await run('readPet', { petId: 7 });
    expect(refused.findings).toEqual([expect.objectContaining({ check: 'schema', path: '$.owner', rule: 'type', expected: 'string', value: 'null' })]);
  });

  it('exclusiveMinimum in its 3.0 boolean form', async () => {
    const { findings } = await run('readPet', { petId: 11 });
    expect(findings).toEqual([expect.objectContaining({ path: '$.born', rule: 'exclusiveMinimum', expected: '> 1900', value: '1900' })]);
  });

  it('a body that is not JSON under a JSON content type', async () => {
    const { findings } = await run('readPet', { petId: 12 });
    expect(findings).toEqual([expect.objectContaining({ check: 'schema', rule: 'json' })]);
  });

  it('writeOnly properties are not required in a response (password is required and writeOnly)', async () => {
    const { findings } = await run('listPets', {});
    expect(findings).toEqual([]);
  });

  it('discriminator: the property picks the schema; an unknown value is refused', async () => {
    expect((await run('animal', { id: 'cat' })).findings).toEqual([]);
    expect(only((await run('animal', { id: 'dog' })).findings)).toEqual([['schema', 'required', '$.barks']]);
    const bird = await run('animal', { id: 'bird' });
    expect(bird.findings).toEqual([expect.objectContaining({ path: '$.kind', rule: 'enum', value: '"bird"' })]);
    expect(bird.findings[0]?.message).toContain('must be one of ["cat","dog"] (enum)');
  });

  it('each finding is a check.failed event, after the response', async () => {
    const { events } = await run('readPet', { petId: 3 });
    const types = events.map((e) => e.type);
    expect(types.indexOf('check.failed')).toBeGreaterThan(types.indexOf('response.received'));
    const event = events.find((e) => e.type === 'check.failed');
    expect(event).toMatchObject({ workflowId: 'readPet', stepId: 'get', finding: { check: 'schema', path: '$.id' } });
  });
});

describe('request check', () => {
  it('passes a request that keeps to the description (readOnly id is not required in a request)', async () => {
    const { findings, sent, result } = await run('createPet', {});
    expect(findings).toEqual([]);
    expect(result.status).toBe('succeeded');
    expect(sent).toHaveLength(1);
  });

  it('a body found valid at a step is not validated again when sent again, and a different body at that step still is', async () => {
    const fresh = await createContractChecks(doc);
    for (let i = 0; i < 2; i++) expect((await run('createPet', {}, { checks: fresh })).findings).toEqual([]);
    const { findings, sent, result } = await run('createPet', { name: '' }, { checks: fresh });
    expect(sent).toEqual([]);
    expect(result.error?.code).toBe('CONTRACT_REQUEST_INVALID');
    expect(findings).toEqual([expect.objectContaining({ check: 'request', path: '$.name', rule: 'minLength' })]);
    // And the valid body again: checked, and passes.
    expect((await run('createPet', {}, { checks: fresh })).findings).toEqual([]);
  });

  it('catches a workflow that breaks its own API description, and sends nothing', async () => {
    const { findings, sent, result, events } = await run('createPet', { requestId: 'not-a-uuid' });
    expect(sent).toEqual([]);
    expect(events.some((e) => e.type === 'request.sent')).toBe(false);
    expect(findings).toEqual([
      expect.objectContaining({ check: 'request', path: 'header parameter X-Request-Id', rule: 'format', expected: 'format uuid', value: '"not-a-uuid"' }),
    ]);
    expect(result.error?.code).toBe('CONTRACT_REQUEST_INVALID');
    expect(result.error?.message).toContain('Step "create" was not sent');
  });

  it('reads query values as the server will: an integer past its maximum', async () => {
    const { findings, sent } = await run('listPets', { limit: 500 });
    expect(sent).toEqual([]);
    expect(findings).toEqual([expect.objectContaining({ path: 'query parameter limit', rule: 'maximum', value: '500' })]);
  });
});

describe('levels', () => {
  it('warn reports without failing the step; off does not check', async () => {
    const warn = await createContractChecks(doc, { levels: { schema: 'warn' } });
    const w = await run('readPet', { petId: 3 }, { checks: warn });
    expect(w.result.status).toBe('succeeded');
    expect(w.findings).toEqual([expect.objectContaining({ check: 'schema', level: 'warn' })]);
    const off = await createContractChecks(doc, { levels: { all: 'off', status: 'error' } });
    const o = await run('readPet', { petId: 3 }, { checks: off });
    expect(o.findings).toEqual([]);
    expect((await run('readPet', { petId: 4 }, { checks: off })).findings).toHaveLength(1);
  });

  it('x-arazzo-checks on the document, workflow and step override the options', async () => {
    const levelled = await loadArazzo(fixture('pets-levels.arazzo.yaml'));
    const c = await createContractChecks(levelled, { levels: { all: 'error' } });
    // Document: schema warn; workflow readLenient: headers off; its step: status off.
    const r = await run('readLenient', { petId: 3 }, { checks: c, doc: levelled });
    expect(r.findings).toEqual([expect.objectContaining({ check: 'schema', level: 'warn' })]);
    expect(r.result.status).toBe('succeeded');
    expect((await run('readLenient', { petId: 6 }, { checks: c, doc: levelled })).findings).toEqual([]);
    expect((await run('readLenient', { petId: 4 }, { checks: c, doc: levelled })).findings).toEqual([]);
    // The other workflow keeps headers at error.
    const strict = await run('readStrict', { petId: 6 }, { checks: c, doc: levelled });
    expect(strict.findings).toEqual([expect.objectContaining({ check: 'headers', level: 'error' })]);
  });

  it('a malformed x-arazzo-checks is a load warning, and an error that names the file, the line and the fix when the checks are set up', async () => {
    const bad = await loadArazzo(fixture('pets-bad-levels.arazzo.yaml'));
    expect(bad.warnings).toEqual([
      expect.objectContaining({
        code: 'CHECKS_EXTENSION_INVALID',
        severity: 'warning',
        path: "$.workflows[0].steps[0]['x-arazzo-checks'].schemas",
        line: 11,
        message: expect.stringContaining('x-arazzo-checks "schemas" is not a check'),
      }),
    ]);
    await expect(createContractChecks(bad)).rejects.toMatchObject({
      code: 'CHECKS_EXTENSION_INVALID',
      message: expect.stringMatching(
        /pets-bad-levels\.arazzo\.yaml:\d+:\d+: x-arazzo-checks "schemas" is not a check \(checks: status, content-type, schema, headers, request, or all\)/,
      ),
    });
  });
});

describe('OpenAPI 3.1 and Swagger 2.0', () => {
  let more: LoadedDocument;
  let moreChecks: ContractChecks;
  beforeAll(async () => {
    more = await loadArazzo(fixture('pets-more.arazzo.yaml'));
    moreChecks = await createContractChecks(more);
  });

  it('3.1 is JSON Schema 2020-12: type lists admit null, `nullable` is no keyword, unevaluatedProperties holds', async () => {
    const v = moreChecks.response;
    const step = { workflowId: 'read31', stepId: 'get', operation: workflowPlan(more, 'read31')!.steps[0]!.operation!, document: more };
    const respond = (body: unknown) =>
      v?.(
        step,
        { method: 'GET', url: 'http://x/api/pets/1', headers: {} },
        { statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: JSON.stringify(body) },
      ) ?? [];
    expect(respond({ id: 1, name: 'Rex', tag: null, 'x-note': 1, parent: { id: 2, name: 'Mum' } })).toEqual([]);
    expect(only(respond({ id: 1, name: 'Rex', owner: null }))).toEqual([['schema', 'type', '$.owner']]);
    expect(only(respond({ id: 0, name: 'Rex' }))).toEqual([['schema', 'exclusiveMinimum', '$.id']]);
    expect(only(respond({ id: 1, name: 'Rex', colour: 'red' }))).toEqual([['schema', 'unevaluatedProperties', '$.colour']]);
    // The recursive schema is checked at depth.
    expect(only(respond({ id: 1, name: 'Rex', parent: { id: 2 } }))).toEqual([['schema', 'required', '$.parent.name']]);
  });

  it('a pattern RE2 cannot run is listed as unchecked instead of failing the schema', () => {
    expect(moreChecks.unchecked).toEqual([
      expect.stringMatching(/^getPet response 200 application\/json: pattern \/\^\(\?=\.\*\\d\)\[a-z\\d\]\+\$\/ cannot run on the linear-time regex engine/),
    ]);
  });

  it('2.0: produces, x-nullable, the boolean exclusiveMaximum and the discriminator by definition name', async () => {
    const ok = { id: 1, name: 'Tom', petType: 'Cat', huntingSkill: 'lazy', tag: null };
    const v = moreChecks.response;
    const step = { workflowId: 'read20', stepId: 'get', operation: workflowPlan(more, 'read20')!.steps[0]!.operation!, document: more };
    const respond = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, statusCode = 200) =>
      v?.(step, { method: 'GET', url: 'http://x/api/pets/1', headers: {} }, { statusCode, headers, bodyText: body === '' ? '' : JSON.stringify(body) }) ?? [];
    expect(respond(ok)).toEqual([]);
    expect(respond({ ...ok, petType: 'Pet' })).toEqual([]);
    expect(only(respond({ ...ok, huntingSkill: 'keen' }))).toEqual([['schema', 'enum', '$.huntingSkill']]);
    expect(only(respond({ id: 1, name: 'Rex', petType: 'Dog' }))).toEqual([['schema', 'required', '$.packSize']]);
    expect(only(respond({ ...ok, petType: 'Cow' }))).toEqual([['schema', 'enum', '$.petType']]);
    expect(only(respond({ ...ok, weight: 100 }))).toEqual([['schema', 'exclusiveMaximum', '$.weight']]);
    expect(only(respond(ok, { 'content-type': 'application/xml' }))).toEqual([['content-type', 'undeclared-content-type', undefined]]);
    expect(only(respond(ok, { 'content-type': 'application/json', 'x-rate-limit': 'x' }))).toEqual([['headers', 'type', 'header X-Rate-Limit']]);
    // 204 declares no schema: a body is undeclared content.
    expect(only(respond(ok, { 'content-type': 'application/json' }, 204))).toEqual([]);
    expect(respond('', {}, 204)).toEqual([]);
  });

  it('2.0 request: the body parameter (readOnly id not required), a pipes-delimited query list', async () => {
    const clean = await run('create20', {}, { doc: more, checks: moreChecks });
    expect(clean.findings).toEqual([]);
    expect(clean.sent[0]?.url).toBe('/api/pets?tags=a');
    const tooMany = await run('create20', { tags: ['a', 'b', 'c'] }, { doc: more, checks: moreChecks });
    expect(tooMany.sent).toEqual([]);
    expect(only(tooMany.findings)).toEqual([['request', 'maxItems', 'query parameter tags']]);
    const badBody = await run('create20', { pet: { name: 'Tom', petType: 'Cat' } }, { doc: more, checks: moreChecks });
    expect(only(badBody.findings)).toEqual([['request', 'required', '$.huntingSkill']]);
  });

  it('2.0 request: form fields are read as text and coerced by their type', async () => {
    server.requests.length = 0;
    const clean = await run('form20', {}, { doc: more, checks: moreChecks });
    expect(clean.findings).toEqual([]);
    const bad = await run('form20', { age: 'old' }, { doc: more, checks: moreChecks });
    expect(only(bad.findings)).toEqual([['request', 'type', '$.age']]);
    expect(bad.sent).toEqual([]);
  });
});
