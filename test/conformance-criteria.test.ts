/** Conformance: simple conditions evaluated end to end against a real response (P8, P24, §5.2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import type { TestServer } from './engine-helpers.js';
import { loadConformance, scriptedServer } from './fixtures/conformance/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await scriptedServer({
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
