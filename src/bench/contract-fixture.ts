/**
 * The fixture of the `contract` benchmark, shared by the benchmark and its server process: a shop
 * API (OpenAPI 3.0: objects of a dozen fields, lists of ten of them, nullable and enum fields, a
 * discriminated union, a required response header, path, query and header parameters, JSON
 * bodies), 100 workflows of 5 steps calling it, and the server's canned responses.
 */

export const WORKFLOWS = 100;
export const STEPS = 5;

const item = (i: number) => ({
  id: i,
  sku: `sku-${i}`,
  name: `Item ${i}`,
  price: 10 + i,
  currency: 'EUR',
  tags: ['a', 'b'],
  stock: i % 5,
  discontinued: false,
  note: null,
  kind: i % 2 === 0 ? 'book' : 'film',
  ...(i % 2 === 0 ? { pages: 100 + i } : { minutes: 90 }),
});

/** The canned responses, by method and path (with query). */
export function cannedResponse(method: string, path: string): { status: number; body: string } {
  if (path.startsWith('/items?')) return { status: 200, body: JSON.stringify(Array.from({ length: 10 }, (_, i) => item(i))) };
  if (method === 'POST') return { status: 201, body: JSON.stringify(item(42)) };
  if (path.startsWith('/stats')) return { status: 200, body: JSON.stringify({ items: 10, revenue: 1234.5, top: [item(1), item(2)] }) };
  return { status: 200, body: JSON.stringify(item(Number(/\/items\/(\d+)/.exec(path)?.[1] ?? 1))) };
}

const itemSchema = {
  type: 'object',
  required: ['id', 'sku', 'name', 'price', 'kind'],
  properties: {
    id: { type: 'integer', format: 'int64', readOnly: true, minimum: 0 },
    sku: { type: 'string', pattern: '^sku-[0-9]+$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    price: { type: 'number', minimum: 0, exclusiveMinimum: true },
    currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 20 },
    stock: { type: 'integer', minimum: 0 },
    discontinued: { type: 'boolean' },
    note: { type: 'string', nullable: true },
    kind: { type: 'string', enum: ['book', 'film'] },
    pages: { type: 'integer' },
    minutes: { type: 'integer' },
  },
};

/** The OpenAPI 3.0 description. */
export function openApi(): unknown {
  const item = { $ref: '#/components/schemas/Item' };
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  const rateHeader = { 'X-Rate-Limit': { required: true, schema: { type: 'integer', minimum: 0 } } };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } };
  const trace = { name: 'X-Trace-Id', in: 'header', required: true, schema: { type: 'string', format: 'uuid' } };
  return {
    openapi: '3.0.3',
    info: { title: 'bench', version: '1' },
    servers: [{ url: 'http://127.0.0.1:1' }],
    paths: {
      '/items': {
        get: {
          operationId: 'listItems',
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }, trace],
          responses: { '200': { description: 'ok', headers: rateHeader, content: json({ type: 'array', items: item }) }, default: { description: 'error' } },
        },
        post: {
          operationId: 'createItem',
          parameters: [trace],
          requestBody: { required: true, content: json(item) },
          responses: { '201': { description: 'created', headers: rateHeader, content: json(item) } },
        },
      },
      '/items/{id}': {
        get: {
          operationId: 'getItem',
          parameters: [idParam, trace],
          responses: { '200': { description: 'ok', headers: rateHeader, content: json(item) }, '404': { description: 'none' } },
        },
        put: {
          operationId: 'updateItem',
          parameters: [idParam, trace],
          requestBody: { required: true, content: json(item) },
          responses: { '200': { description: 'ok', headers: rateHeader, content: json(item) } },
        },
      },
      '/stats': {
        get: {
          operationId: 'stats',
          parameters: [trace],
          responses: {
            '200': {
              description: 'ok',
              headers: rateHeader,
              content: json({
                type: 'object',
                required: ['items', 'revenue'],
                properties: { items: { type: 'integer' }, revenue: { type: 'number' }, top: { type: 'array', items: item } },
              }),
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Item: {
          ...itemSchema,
          discriminator: { propertyName: 'kind', mapping: { book: '#/components/schemas/Book', film: '#/components/schemas/Film' } },
        },
        Book: { allOf: [{ $ref: '#/components/schemas/Item' }, { type: 'object', required: ['pages'] }] },
        Film: { allOf: [{ $ref: '#/components/schemas/Item' }, { type: 'object', required: ['minutes'] }] },
      },
    },
  };
}

/** The Arazzo document: WORKFLOWS workflows of STEPS steps each. */
export function arazzo(): unknown {
  const trace = { name: 'X-Trace-Id', in: 'header', value: '0b6b2a76-4d0c-4a8e-9a57-3a4c2d1e0f00' };
  const payload = { sku: 'sku-42', name: '$inputs.name', price: 12.5, currency: 'EUR', tags: ['new'], kind: 'book', pages: 300 };
  const ok = (status: number) => [{ condition: `$statusCode == ${status}` }];
  const workflows = Array.from({ length: WORKFLOWS }, (_, w) => ({
    workflowId: `shop${w}`,
    inputs: { type: 'object', properties: { name: { type: 'string', default: `Item of ${w}` } } },
    steps: [
      {
        stepId: 'list',
        operationId: 'listItems',
        parameters: [{ name: 'limit', in: 'query', value: 10 }, trace],
        successCriteria: ok(200),
        outputs: { first: '$response.body#/0/id' },
      },
      {
        stepId: 'get',
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', value: '$steps.list.outputs.first' }, trace],
        successCriteria: ok(200),
        outputs: { name: '$response.body#/name' },
      },
      {
        stepId: 'create',
        operationId: 'createItem',
        parameters: [trace],
        requestBody: { contentType: 'application/json', payload },
        successCriteria: ok(201),
        outputs: { id: '$response.body#/id' },
      },
      {
        stepId: 'update',
        operationId: 'updateItem',
        parameters: [{ name: 'id', in: 'path', value: '$steps.create.outputs.id' }, trace],
        requestBody: { contentType: 'application/json', payload },
        successCriteria: ok(200),
      },
      { stepId: 'stats', operationId: 'stats', parameters: [trace], successCriteria: ok(200), outputs: { revenue: '$response.body#/revenue' } },
    ],
  }));
  return {
    arazzo: '1.0.1',
    info: { title: 'contract bench', version: '1' },
    sourceDescriptions: [{ name: 'shop', url: 'shop.openapi.yaml', type: 'openapi' }],
    workflows,
  };
}
