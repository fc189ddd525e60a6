/** Conformance: Arazzo 1.1 additions (Selector objects, embedded {$…} in conditions, targetSelectorType, step dependsOn) and inputs (P19). */
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { loadConformance, serverPerTest } from './fixtures/conformance/helpers.js';

const scripted = serverPerTest();
const serve = scripted.serve;

const LIST = {
  items: [
    { id: 1, name: 'Alpha' },
    { id: 2, name: 'beta' },
    { id: 3, name: 'gamma' },
  ],
  meta: { 'a/b': 'slash' },
};

describe('1.1 Selector objects', () => {
  it('step outputs may be jsonpath and jsonpointer Selectors; jsonpath yields the first node, none yields nothing', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: LIST }] });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 'a',
              operationId: 'poll',
              outputs: {
                second: { context: '$response.body', selector: '$.items[1].name', type: 'jsonpath' },
                firstId: { context: '$response.body', selector: '$.items[*].id', type: 'jsonpath' },
                none: { context: '$response.body', selector: '$.items[?@.id > 10]', type: 'jsonpath' },
                slash: { context: '$response.body', selector: '/meta/a~1b', type: 'jsonpointer' },
              },
            },
          ],
          outputs: { second: '$steps.a.outputs.second', firstId: '$steps.a.outputs.firstId', none: '$steps.a.outputs.none', slash: '$steps.a.outputs.slash' },
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ second: 'beta', firstId: 1, slash: 'slash' });
  });

  it('a parameter value may be a Selector over an earlier step output', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: LIST }] });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            { stepId: 'a', operationId: 'poll', outputs: { list: '$response.body#/items' } },
            {
              stepId: 'b',
              operationId: 'other',
              parameters: [{ name: 'n', in: 'query', value: { context: '$steps.a.outputs.list', selector: '$[?@.id == 3].name', type: 'jsonpath' } }],
            },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.hits('/other')[0]?.url).toBe('/other?n=gamma');
  });

  it('a workflow output may be an xpath Selector over an XML response kept as text', async () => {
    const servers = await serve({
      '/poll': [{ status: 200, headers: { 'content-type': 'application/xml' }, text: '<order><id>o-7</id><line qty="2"/></order>' }],
    });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [{ stepId: 'a', operationId: 'poll', outputs: { body: '$response.body' } }],
          outputs: {
            id: { context: '$steps.a.outputs.body', selector: '/order/id/text()', type: 'xpath' },
            qty: { context: '$steps.a.outputs.body', selector: 'string(/order/line/@qty)', type: 'xpath' },
          },
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ id: 'o-7', qty: '2' });
  });
});

describe('1.1 embedded expressions in conditions', () => {
  it('substitutes {$inputs.x} into a jsonpath condition before running it', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: LIST }] });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 'a',
              operationId: 'poll',
              successCriteria: [{ context: '$response.body', condition: "$.items[?@.name == '{$inputs.name}']", type: 'jsonpath' }],
            },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    expect((await runWorkflow(doc, 'w', { name: 'gamma' }, { servers })).status).toBe('succeeded');
    const miss = await runWorkflow(doc, 'w', { name: 'delta' }, { servers });
    expect(miss.error).toMatchObject({ code: 'CRITERION_FAILED', stepId: 'a' });
  });

  it('substitutes {$…} into a regex condition and leaves quantifiers such as {2} alone', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { ref: 'ORD-42-xx' } }] });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 'a',
              operationId: 'poll',
              successCriteria: [{ context: '$response.body#/ref', condition: '^{$inputs.prefix}-\\d{2}-x{2}$', type: 'regex' }],
            },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    expect((await runWorkflow(doc, 'w', { prefix: 'ORD' }, { servers })).status).toBe('succeeded');
    expect((await runWorkflow(doc, 'w', { prefix: 'INV' }, { servers })).status).toBe('failed');
  });
});

describe('1.1 replacements and step dependsOn', () => {
  it('a jsonpath targetSelectorType replaces every matching node', async () => {
    const servers = await serve();
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            {
              stepId: 'a',
              operationId: 'postJson',
              requestBody: {
                payload: { items: [{ qty: 1 }, { qty: 2 }] },
                replacements: [{ target: '$.items[*].qty', targetSelectorType: 'jsonpath', value: '$inputs.q' }],
              },
            },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', { q: 9 }, { servers });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(scripted.server.requests[0]!.body)).toEqual({ items: [{ qty: 9 }, { qty: 9 }] });
  });

  it('a step dependsOn an earlier step does not change the order or re-run it', async () => {
    const servers = await serve({ '/poll': [{ status: 200, body: { id: 5 } }] });
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          steps: [
            { stepId: 'a', operationId: 'poll', outputs: { id: '$response.body#/id' } },
            { stepId: 'b', operationId: 'other', dependsOn: ['a'], parameters: [{ name: 'n', in: 'query', value: '$steps.a.outputs.id' }] },
          ],
        },
      ],
      {},
      '1.1.0',
    );
    const result = await runWorkflow(doc, 'w', {}, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.requests.map((r) => r.url)).toEqual(['/poll', '/other?n=5']);
  });
});

describe('inputs (P19)', () => {
  it('applies schema defaults (also through $ref into components.inputs) before the first request', async () => {
    const servers = await serve();
    const doc = await loadConformance(
      [
        {
          workflowId: 'w',
          inputs: { $ref: '#/components/inputs/pollInputs' },
          steps: [{ stepId: 'a', operationId: 'poll', parameters: [{ name: 'n', in: 'query', value: '{$inputs.size}-{$inputs.mode}' }] }],
        },
      ],
      {
        components: {
          inputs: { pollInputs: { type: 'object', properties: { size: { type: 'integer', default: 10 }, mode: { type: 'string', default: 'fast' } } } },
        },
      },
    );
    const result = await runWorkflow(doc, 'w', { mode: 'slow' }, { servers });
    expect(result.status).toBe('succeeded');
    expect(scripted.server.requests[0]?.url).toBe('/poll?n=10-slow');
  });

  it('invalid inputs to a workflow step fail that step (onFailure applies) without sending the child request', async () => {
    const servers = await serve();
    const doc = await loadConformance([
      {
        workflowId: 'child',
        inputs: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
        steps: [{ stepId: 'a', operationId: 'poll' }],
      },
      {
        workflowId: 'main',
        steps: [
          { stepId: 'call', workflowId: 'child', parameters: [{ name: 'id', value: 'not-a-number' }], onFailure: [{ name: 'alt', type: 'goto', stepId: 'b' }] },
          { stepId: 'b', operationId: 'other' },
        ],
      },
    ]);
    const result = await runWorkflow(doc, 'main', {}, { servers, history: true });
    expect(result.status).toBe('succeeded');
    expect(result.steps?.[0]).toMatchObject({ stepId: 'call', outcome: 'failed', error: { code: 'INPUT_INVALID' } });
    expect(scripted.server.hits('/poll')).toHaveLength(0);
  });
});
