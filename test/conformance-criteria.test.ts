/** Conformance: simple conditions evaluated end to end against a real response (P8, P24, §5.2). */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { loadArazzo } from '../src/load.js';
import type { TestServer } from './engine-helpers.js';
import { loadConformance, scriptedServer } from './fixtures/conformance/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await scriptedServer({
    '/other': [{ status: 200, body: { status: 'ok', pets: [{ id: 1 }], items: [{ id: 1 }, { id: 2 }] } }],
    '/poll': [
      { status: 200, headers: { 'X-Count': '10' }, body: { items: [{ id: 1, tags: ['a'] }], flag: true, name: "O'Brien", n: '007', z: null, s: 'abc' } },
    ],
  });
});
afterAll(async () => server.close());

async function passes(condition: string): Promise<boolean> {
  const doc = await loadConformance([{ workflowId: 'w', steps: [{ stepId: 'a', operationId: 'poll', successCriteria: [{ condition }] }] }]);
  const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
  if (result.status === 'failed') expect(result.error?.code).toBe('CRITERION_FAILED');
  return result.status === 'succeeded';
}

describe('simple conditions against a response', () => {
  const hold = [
    '$response.header.X-Count > 5',
    '$response.header.x-count == 10',
    '$response.body#/items/0/id == 1',
    '$response.body.items[0].id == 1',
    "$response.body.items[0].tags[0] == 'A'",
    '!($statusCode == 500)',
    '$response.body#/flag',
    "$response.body#/name == 'o''brien'",
    '$response.body#/n == 7',
    '$response.body#/z == null',
    '$response.body#/missing == null',
    '$response.body#/missing != 1',
    "$response.body#/s < 'abd'",
    '$statusCode >= 200 && $statusCode < 300 || false',
    "$response.header.content-type == 'application/json'",
  ];
  for (const condition of hold) {
    it(`holds: ${condition}`, async () => {
      expect(await passes(condition)).toBe(true);
    });
  }

  const fail = [
    '$response.body#/s',
    '$response.body#/z',
    '$response.body#/missing',
    '$response.body#/z == 0',
    "$response.body#/s == 'abd'",
    '$statusCode == 200 && $response.body#/flag == false',
    '$response.body#/missing > 1',
  ];
  for (const condition of fail) {
    it(`does not hold: ${condition}`, async () => {
      expect(await passes(condition)).toBe(false);
    });
  }
});

describe('dialects other runners accept load with a warning and run', () => {
  const file = fileURLToPath(new URL('./fixtures/selection/dialects.arazzo.yaml', import.meta.url));

  it('"ok" in a condition and (?i) in a regex are load warnings with file:line:col, and both criteria work', async () => {
    const doc = await loadArazzo(file);
    const dialect = doc.warnings.filter((w) => w.code.startsWith('DIALECT_'));
    expect(dialect.map((w) => [w.code, w.severity, w.file, w.line, w.path])).toEqual([
      ['DIALECT_DOUBLE_QUOTED_STRING', 'warning', file, 15, '$.workflows[0].steps[0].successCriteria[0]'],
      ['DIALECT_REGEX_INLINE_FLAGS', 'warning', file, 16, '$.workflows[0].steps[0].successCriteria[1]'],
    ]);
    expect(dialect[0]!.message).toContain("'ok'");
    // /other answers {"status":"ok", …}: both criteria hold ("ok" == 'ok'; /^OK$/i matches "ok").
    const ok = await runWorkflow(doc, 'check', {}, { servers: { api: server.url } });
    expect(ok.error).toBeUndefined();
    expect(ok.status).toBe('succeeded');
  });
});

describe('jsonpath criteria against a response', () => {
  async function run(condition: string) {
    const doc = await loadConformance([
      { workflowId: 'w', steps: [{ stepId: 'a', operationId: 'other', successCriteria: [{ context: '$response.body', condition, type: 'jsonpath' }] }] },
    ]);
    return runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
  }

  it("the spec's $[?count(@.pets) > 0] holds on an object body (P10b)", async () => {
    expect((await run('$[?count(@.pets) > 0]')).status).toBe('succeeded');
    expect((await run("$[?@.status == 'ok']")).status).toBe('succeeded');
  });

  it('a failure names what the query selected, in the message and in failedCriteria', async () => {
    const failed = await run('$.items[?@.id > 5]');
    expect(failed.error?.code).toBe('CRITERION_FAILED');
    expect(failed.error?.message).toContain('$.items[?@.id > 5] (the query selected nothing from the context "$response.body", which was {"status":"ok"');
    expect(failed.error?.failedCriteria?.[0]?.detail).toMatch(/^the query selected nothing/);
    const compared = await run("$.status == 'down'");
    expect(compared.error?.message).toContain(`$.status == 'down' ($.status selected "ok")`);
  });
});
