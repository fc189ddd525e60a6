import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aliasBomb } from './hostile-yaml.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ArazzoDocument, SourceDescription } from '../src/document/types.js';
import type { LoadedDocument, LoadedSource } from '../src/compile/loaded.js';
import type { OpenApiSource, OperationInfo } from '../src/sources/types.js';
import { loadSources, createSourceSession, type LoadSourcesOptions } from '../src/sources/load-sources.js';
import { indexOpenApi } from '../src/sources/operation-index.js';
import { resolveOperation, resolveWorkflowRef } from '../src/sources/resolve.js';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures', 'sources');
const apis = join(fixtures, 'apis');
/** Documents under test "live" in fixtures/sources/workflows/, so `../apis/x.yaml` is relative. */
const workflowsDir = pathToFileURL(`${join(fixtures, 'workflows')}/`).href;

function doc(sourceDescriptions: Array<Partial<SourceDescription>>): ArazzoDocument {
  return {
    arazzo: '1.1.0',
    info: { title: 't', version: '1' },
    sourceDescriptions: sourceDescriptions as SourceDescription[],
    workflows: [],
  };
}

async function load(sds: Array<Partial<SourceDescription>>, extra: Partial<LoadSourcesOptions> = {}) {
  return loadSources(doc(sds), { baseUri: workflowsDir, location: '/work/wf.arazzo.yaml', ...extra });
}

function openapi(source: LoadedSource | undefined): OpenApiSource {
  expect(source?.kind).toBe('openapi');
  return source as OpenApiSource;
}

function op(source: OpenApiSource, operationId: string): OperationInfo {
  const found = source.byOperationId.get(operationId);
  expect(found, `operation ${operationId}`).toBeDefined();
  return found!;
}

describe('OpenAPI 3.0 index', () => {
  let pets: OpenApiSource;
  beforeAll(async () => {
    const { sources, problems } = await load([{ name: 'pets', url: '../apis/pets-3.0.yaml', type: 'openapi' }]);
    expect(problems).toEqual([]);
    pets = openapi(sources.get('pets'));
  });

  it('lists every operation with its pointer, method and path template', () => {
    expect(pets.specVersion).toBe('3.0.3');
    expect(pets.location).toBe(join(apis, 'pets-3.0.yaml'));
    expect(pets.operations.map((o) => `${o.method} ${o.pathTemplate}`)).toEqual(['GET /pets', 'POST /pets', 'GET /pets/{petId}', 'DELETE /pets/{petId}']);
    expect(pets.byPointer.get('/paths/~1pets~1{petId}/get')?.operationId).toBe('getPet');
    expect(op(pets, 'listPets').sourceName).toBe('pets');
  });

  it('applies OpenAPI style/explode defaults per location and keeps explicit ones', () => {
    const params = Object.fromEntries(op(pets, 'listPets').parameters.map((p) => [p.name, p]));
    expect(params.tags).toMatchObject({ in: 'query', style: 'form', explode: true, required: false, allowReserved: false });
    expect(params.limit).toMatchObject({ style: 'form', explode: false });
    expect(params['X-Trace']).toMatchObject({ in: 'header', style: 'simple', explode: false });
    expect(params.session).toMatchObject({ in: 'cookie', style: 'form', explode: true });
  });

  it('merges path-item parameters with operation parameters, the operation winning on name+in', () => {
    const params = op(pets, 'getPet').parameters;
    expect(params.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:petId', 'query:verbose']);
    const verbose = params.find((p) => p.name === 'verbose')!;
    expect(verbose.required).toBe(true);
    expect(verbose.schema).toEqual({ type: 'string' });
    const petId = params.find((p) => p.name === 'petId')!;
    expect(petId).toMatchObject({ style: 'simple', explode: false, required: true });
  });

  it('records the media type of content-described parameters', () => {
    const filter = op(pets, 'deletePet').parameters.find((p) => p.name === 'filter')!;
    expect(filter.contentType).toBe('application/json');
    expect(filter.schema).toEqual({ type: 'object' });
  });

  it('chooses servers operation > path item > root, keeping variables', () => {
    expect(op(pets, 'listPets').servers).toEqual([
      { url: 'https://{region}.pets.example.com/{basePath}', variables: { region: { default: 'eu', enum: ['eu', 'us'] }, basePath: { default: 'v1' } } },
    ]);
    expect(op(pets, 'getPet').servers.map((s) => s.url)).toEqual(['https://pets-item.example.com']);
    expect(op(pets, 'deletePet').servers.map((s) => s.url)).toEqual(['https://admin.pets.example.com']);
  });

  it('describes the request body media types', () => {
    expect(op(pets, 'createPet').requestBody).toEqual({ required: true, mediaTypes: ['application/json', 'application/xml'] });
    expect(op(pets, 'listPets').requestBody).toBeUndefined();
  });

  it('dereferences responses across files, tolerating circular schemas', () => {
    const ok = op(pets, 'getPet').responses['200'] as { content: Record<string, { schema: Record<string, any> }> };
    const schema = ok.content['application/json']!.schema;
    expect(schema.required).toEqual(['id']);
    expect(schema.properties.parent).toBe(schema); // the cycle is an object reference, not a $ref
    const list = op(pets, 'listPets').responses['200'] as { description: string };
    expect(list.description).toBe('pets');
    expect(Object.keys(op(pets, 'getPet').responses)).toEqual(['200', '4XX']);
  });

  it('lists the security schemes that apply: operation overrides root, [] means none', () => {
    expect(op(pets, 'listPets').security).toEqual([{ name: 'apiKeyAuth', type: 'apiKey', in: 'header', paramName: 'X-API-Key' }]);
    expect(op(pets, 'createPet').security).toEqual([]);
    expect(op(pets, 'deletePet').security.map((s) => s.name)).toEqual(['bearerAuth', 'apiKeyAuth']);
    expect(op(pets, 'deletePet').security[0]).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('Swagger 2.0 index', () => {
  let legacy: OpenApiSource;
  beforeAll(async () => {
    const { sources, problems } = await load([{ name: 'legacy', url: '../apis/legacy-2.0.yaml' }]);
    expect(problems).toEqual([]);
    legacy = openapi(sources.get('legacy'));
  });

  it('turns schemes, host and basePath into servers', () => {
    expect(legacy.specVersion).toBe('2.0');
    expect(op(legacy, 'findUsers').servers.map((s) => s.url)).toEqual(['https://legacy.example.com/api', 'http://legacy.example.com/api']);
  });

  it('maps collectionFormat to style/explode and keeps the type as a schema', () => {
    const params = Object.fromEntries(op(legacy, 'findUsers').parameters.map((p) => [p.name, p]));
    expect(params.ids).toMatchObject({ style: 'form', explode: true, schema: { type: 'array', items: { type: 'integer' } } });
    expect(params.fields).toMatchObject({ style: 'form', explode: false });
    expect(params.names).toMatchObject({ style: 'pipeDelimited', explode: false });
  });

  it('turns body and formData parameters into a request body with the consumes media types', () => {
    const create = op(legacy, 'createUser');
    expect(create.parameters).toEqual([]);
    expect(create.requestBody).toEqual({ required: true, mediaTypes: ['application/json'] });
    const upload = op(legacy, 'uploadAvatar');
    expect(upload.parameters.map((p) => p.name)).toEqual(['id']);
    expect(upload.requestBody).toEqual({ required: true, mediaTypes: ['multipart/form-data'] });
  });

  it('reads securityDefinitions (basic, apiKey in query)', () => {
    expect(op(legacy, 'findUsers').security).toEqual([{ name: 'key', type: 'apiKey', in: 'query', paramName: 'api_key' }]);
    expect(op(legacy, 'createUser').security).toEqual([{ name: 'basicAuth', type: 'basic' }]);
  });
});

describe('OpenAPI 3.1 and 3.2', () => {
  it('indexes a 3.1 description; a relative server stays relative for a file source', async () => {
    const { sources, problems } = await load([{ name: 'store', url: '../apis/store-3.1.yaml' }]);
    expect(problems).toEqual([]);
    const store = openapi(sources.get('store'));
    expect(store.specVersion).toBe('3.1.0');
    expect(op(store, 'placeOrder').servers).toEqual([{ url: '/api/v2', variables: {} }]);
    expect(op(store, 'placeOrder').requestBody).toEqual({ required: false, mediaTypes: ['application/x-www-form-urlencoded'] });
  });

  it('indexes the 3.2 query method and additionalOperations; no servers means "/"', async () => {
    const { sources, problems } = await load([{ name: 'search', url: '../apis/search-3.2.yaml' }]);
    expect(problems).toEqual([]);
    const search = openapi(sources.get('search'));
    expect(search.specVersion).toBe('3.2.0');
    expect(op(search, 'queryItems')).toMatchObject({ method: 'QUERY', pointer: '/paths/~1items/query', servers: [{ url: '/', variables: {} }] });
    expect(op(search, 'copyItems')).toMatchObject({ method: 'COPY', pointer: '/paths/~1items/additionalOperations/COPY' });
  });

  it('indexOpenApi resolves relative servers against an http location', () => {
    const source = indexOpenApi('s', 'https://api.example.com/specs/openapi.json', {
      openapi: '3.0.0',
      servers: [{ url: '../v1/{tenant}', variables: { tenant: { default: 'acme' } } }],
      paths: { '/x': { get: { operationId: 'x', responses: {} } } },
    });
    expect(source.operations[0]!.servers).toEqual([{ url: 'https://api.example.com/v1/{tenant}', variables: { tenant: { default: 'acme' } } }]);
  });
});

describe('loading problems', () => {
  it('reports a missing file with the resolved path and the JSON path of the url', async () => {
    const { sources, problems } = await load([
      { name: 'ok', url: '../apis/pets-3.0.yaml' },
      { name: 'gone', url: '../apis/nope.yaml' },
    ]);
    expect(sources.has('ok')).toBe(true);
    expect(sources.has('gone')).toBe(false);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'SOURCE_NOT_FOUND', severity: 'error', path: '$.sourceDescriptions[1].url', file: '/work/wf.arazzo.yaml' });
    expect(problems[0]!.message).toContain(join(apis, 'nope.yaml'));
  });

  it('P2: sniffs openapi/swagger/arazzo when type is missing, and reports a document it cannot classify', async () => {
    const calls: string[] = [];
    const child = { location: 'child' } as LoadedDocument;
    const { sources, problems } = await load(
      [
        { name: 'v3', url: '../apis/store-3.1.yaml' },
        { name: 'v2', url: '../apis/legacy-2.0.yaml' },
        { name: 'flow', url: 'child.arazzo.yaml' },
        { name: 'what', url: '../apis/not-an-api.yaml' },
      ],
      {
        loadArazzoSource: async (url) => {
          calls.push(url);
          return child;
        },
      },
    );
    expect(sources.get('v3')?.kind).toBe('openapi');
    expect(sources.get('v2')?.kind).toBe('openapi');
    expect(sources.get('flow')).toMatchObject({ kind: 'arazzo', name: 'flow', document: child });
    expect(calls).toEqual([pathToFileURL(join(fixtures, 'workflows', 'child.arazzo.yaml')).href]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([['SOURCE_TYPE_UNKNOWN', '$.sourceDescriptions[3].url']]);
  });

  it('P1: an asyncapi source is ASYNCAPI_UNSUPPORTED and is not read', async () => {
    const { problems } = await load([{ name: 'events', url: '../apis/does-not-exist.yaml', type: 'asyncapi' as never }]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([['ASYNCAPI_UNSUPPORTED', '$.sourceDescriptions[0].type']]);
    expect(problems[0]!.message).toMatch(/AsyncAPI/);
  });

  it('reports a failing Arazzo loader, unparsable text and an openapi source without an openapi field', async () => {
    const { problems } = await load(
      [
        { name: 'a', url: '../apis/pets-3.0.yaml', type: 'arazzo' },
        { name: 'b', url: '../apis/broken.json' },
        { name: 'c', url: '../apis/not-an-api.yaml', type: 'openapi' },
      ],
      {
        loadArazzoSource: async () => {
          throw Object.assign(new Error('boom'), {});
        },
      },
    );
    const byName = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byName['$.sourceDescriptions[0].url']?.code).toBe('SOURCE_FETCH_FAILED');
    expect(byName['$.sourceDescriptions[1].url']).toMatchObject({ code: 'SOURCE_INVALID' });
    expect(byName['$.sourceDescriptions[1].url']!.message).toContain('broken.json');
    expect(byName['$.sourceDescriptions[2].url']).toMatchObject({ code: 'SOURCE_INVALID' });
    expect(byName['$.sourceDescriptions[2].url']!.message).toMatch(/openapi.*swagger/);
  });

  it('reports an openapi-declared source that is really an Arazzo document', async () => {
    const { problems } = await load([{ name: 'x', url: 'child.arazzo.yaml', type: 'openapi' }]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([['SOURCE_TYPE_MISMATCH', '$.sourceDescriptions[0].type']]);
  });

  it('refuses hostile texts with a limit code: an alias bomb, deep YAML or JSON', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'arazzo-sources-'));
    const bomb = aliasBomb('openapi: 3.0.0\n');
    writeFileSync(join(tmp, 'bomb.yaml'), bomb);
    writeFileSync(join(tmp, 'deep.yaml'), `openapi: 3.0.0\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    writeFileSync(join(tmp, 'deep.json'), `{"openapi": "3.0.0", "x": ${'{"a":'.repeat(300)}1${'}'.repeat(300)}}`);
    const { problems } = await loadSources(
      doc([
        { name: 'bomb', url: 'bomb.yaml' },
        { name: 'deep', url: 'deep.yaml' },
        { name: 'json', url: 'deep.json' },
      ]),
      { baseUri: pathToFileURL(`${tmp}/`).href, location: '/work/wf.arazzo.yaml' },
    );
    expect(problems.map((p) => p.code)).toEqual(['YAML_ALIAS_LIMIT', 'DOCUMENT_TOO_DEEP', 'DOCUMENT_TOO_DEEP']);
    expect(problems[2]!.message).toMatch(/deep\.json:1:\d+/);
  });

  it('refuses a device or a FIFO as a source', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'arazzo-sources-'));
    execFileSync('mkfifo', [join(tmp, 'pipe.yaml')]);
    const { problems } = await loadSources(
      doc([
        { name: 'zero', url: 'file:///dev/zero' },
        { name: 'pipe', url: 'pipe.yaml' },
      ]),
      { baseUri: pathToFileURL(`${tmp}/`).href, location: '/work/wf.arazzo.yaml' },
    );
    expect(problems.map((p) => [p.code, /device|FIFO/.exec(p.message)?.[0]])).toEqual([
      ['SOURCE_NOT_FOUND', 'device'],
      ['SOURCE_NOT_FOUND', 'FIFO'],
    ]);
  });

  it('enforces the size cap on local files', async () => {
    const { problems } = await load([{ name: 'pets', url: '../apis/pets-3.0.yaml' }], { maxBytes: 100 });
    expect(problems.map((p) => p.code)).toEqual(['SOURCE_TOO_LARGE']);
    expect(problems[0]!.message).toContain('100');
  });
});

describe('remote sources over http', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const pets = readFileSync(join(apis, 'pets-3.0.yaml'), 'utf8');
  const schemas = readFileSync(join(apis, 'shared', 'schemas.yaml'), 'utf8');

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/specs/pets.yaml') return void res.end(pets);
      if (path === '/specs/shared/schemas.yaml') return void res.end(schemas);
      if (path === '/specs/store.yaml') {
        return void res.end(
          'openapi: 3.1.0\ninfo: {title: s, version: "1"}\nservers: [{url: /v2}]\npaths:\n  /o:\n    get: {operationId: o, responses: {"200": {description: ok}}}\n',
        );
      }
      if (path === '/specs/redirect.yaml') {
        res.writeHead(302, { location: '/specs/store.yaml' });
        return void res.end();
      }
      if (path === '/big-declared') {
        res.writeHead(200, { 'content-length': '5000' });
        return void res.end('x'.repeat(5000));
      }
      if (path === '/big-chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 10; i++) res.write('openapi: 3.0.0\n'.padEnd(600, '#'));
        return void res.end();
      }
      if (path === '/hang') return; // never answers
      if (path === '/oops') {
        res.writeHead(500);
        return void res.end('nope');
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('fetches a remote description and its remote $refs, each URL once per load', async () => {
    hits.clear();
    const { sources, problems } = await load([
      { name: 'a', url: `${base}/specs/pets.yaml` },
      { name: 'b', url: `${base}/specs/pets.yaml` },
    ]);
    expect(problems).toEqual([]);
    expect(openapi(sources.get('a')).location).toBe(`${base}/specs/pets.yaml`);
    expect(op(openapi(sources.get('b')), 'getPet').sourceName).toBe('b');
    expect(hits.get('/specs/pets.yaml')).toBe(1);
    expect(hits.get('/specs/shared/schemas.yaml')).toBe(1);
  });

  it('resolves a relative server URL against the remote location and follows redirects', async () => {
    const { sources, problems } = await load([{ name: 's', url: `${base}/specs/redirect.yaml` }]);
    expect(problems).toEqual([]);
    expect(op(openapi(sources.get('s')), 'o').servers[0]!.url).toBe(`${base}/v2`);
  });

  it('resolves a relative url against a remote referring document', async () => {
    const { sources, problems } = await loadSources(doc([{ name: 's', url: 'store.yaml' }]), {
      baseUri: `${base}/specs/flow.arazzo.yaml`,
      location: `${base}/specs/flow.arazzo.yaml`,
    });
    expect(problems).toEqual([]);
    expect(sources.get('s')?.location).toBe(`${base}/specs/store.yaml`);
  });

  it('caps the size whether the server declares it or streams it', async () => {
    const { problems } = await load(
      [
        { name: 'a', url: `${base}/big-declared` },
        { name: 'b', url: `${base}/big-chunked` },
      ],
      { maxBytes: 1000 },
    );
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['SOURCE_TOO_LARGE', '$.sourceDescriptions[0].url'],
      ['SOURCE_TOO_LARGE', '$.sourceDescriptions[1].url'],
    ]);
  });

  it('applies the same caps and redirects when reading through a WHATWG fetch', async () => {
    const { sources, problems } = await load(
      [
        { name: 'big', url: `${base}/big-chunked` },
        { name: 's', url: `${base}/specs/redirect.yaml` },
      ],
      { maxBytes: 1000, fetch: (input, init) => fetch(input, init) },
    );
    expect(problems.map((p) => [p.code, p.path])).toEqual([['SOURCE_TOO_LARGE', '$.sourceDescriptions[0].url']]);
    expect(sources.get('s')?.location).toBe(`${base}/specs/store.yaml`);
  });

  it('gives up on a server that never answers after timeoutMs (fake timers: no real wait)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const arrived = new Promise((resolve) => server.once('request', resolve));
      const pending = load([{ name: 'slow', url: `${base}/hang` }], { timeoutMs: 60_000 });
      await arrived;
      vi.advanceTimersByTime(60_000);
      const { problems } = await pending;
      expect(problems.map((p) => p.code)).toEqual(['SOURCE_TIMEOUT']);
      expect(problems[0]!.message).toContain(`${base}/hang`);
      expect(problems[0]!.message).toContain('60000 ms');
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports HTTP errors: 404 as not found, others as fetch failures', async () => {
    const { problems } = await load([
      { name: 'a', url: `${base}/missing.yaml` },
      { name: 'b', url: `${base}/oops` },
    ]);
    expect(problems.map((p) => p.code)).toEqual(['SOURCE_NOT_FOUND', 'SOURCE_FETCH_FAILED']);
    expect(problems[1]!.message).toContain('500');
  });

  it('allowHosts: a host not listed is never contacted', async () => {
    hits.clear();
    const { problems } = await load([{ name: 'a', url: `${base}/specs/store.yaml` }], { allowHosts: ['api.example.com'] });
    expect(problems.map((p) => p.code)).toEqual(['SOURCE_HOST_NOT_ALLOWED']);
    expect(problems[0]!.message).toContain('allowHosts');
    expect(hits.size).toBe(0);
    const allowed = await load([{ name: 'a', url: `${base}/specs/store.yaml` }], { allowHosts: [new URL(base).host] });
    expect(allowed.problems).toEqual([]);
  });

  it('allowHosts also applies to $refs made by a local description', async () => {
    const session = createSourceSession();
    const { problems } = await loadSources(doc([{ name: 'p', url: 'remote-ref.yaml' }]), {
      baseUri: pathToFileURL(`${join(fixtures, 'apis')}/`).href,
      location: 'x',
      allowHosts: [],
      session,
    });
    expect(problems.map((p) => p.code)).toEqual(['SOURCE_HOST_NOT_ALLOWED']);
  });
});

describe('resolveOperation', () => {
  let sources: Map<string, LoadedSource>;
  const sds: SourceDescription[] = [
    { name: 'pets', url: '../apis/pets-3.0.yaml' },
    { name: 'store', url: '../apis/store-3.1.yaml' },
    { name: 'legacy', url: '../apis/legacy-2.0.yaml' },
  ];
  beforeAll(async () => {
    const r = await load(sds);
    expect(r.problems).toEqual([]);
    sources = r.sources;
  });

  it('P3: a bare operationId resolves when exactly one source defines it', () => {
    const r = resolveOperation({ operationId: 'getPet' }, sources, '1.0');
    expect(r.operation).toMatchObject({ sourceName: 'pets', method: 'GET', pathTemplate: '/pets/{petId}' });
  });

  it('P3: an ambiguous bare operationId names the candidates and the qualified form', () => {
    const r = resolveOperation({ operationId: 'listPets' }, sources, { version: '1.0', path: '$.workflows[0].steps[2]' });
    expect(r.problem).toMatchObject({ code: 'OPERATION_AMBIGUOUS', path: '$.workflows[0].steps[2].operationId' });
    expect(r.problem!.message).toContain('pets, store');
    expect(r.problem!.message).toContain('$sourceDescriptions.pets.listPets');
  });

  it('the qualified form always works', () => {
    expect(resolveOperation({ operationId: '$sourceDescriptions.store.listPets' }, sources).operation?.sourceName).toBe('store');
    expect(resolveOperation({ operationId: '$sourceDescriptions.legacy.createUser' }, sources).operation?.method).toBe('POST');
  });

  it('suggests the closest operationId when none matches', () => {
    const r = resolveOperation({ operationId: 'getPets' }, sources);
    expect(r.problem?.code).toBe('OPERATION_NOT_FOUND');
    expect(r.problem!.message).toContain('Did you mean "getPet"?');
    const q = resolveOperation({ operationId: '$sourceDescriptions.legacy.findUser' }, sources);
    expect(q.problem!.message).toContain('Did you mean "findUsers"?');
  });

  it('reports an unknown source name with a suggestion', () => {
    const r = resolveOperation({ operationId: '$sourceDescriptions.pet.getPet' }, sources, { sourceDescriptions: sds });
    expect(r.problem?.code).toBe('SOURCE_UNKNOWN');
    expect(r.problem!.message).toContain('Did you mean "pets"?');
  });

  it('1.1 order: an operation named "url" wins over the source field; otherwise the field is not an operation', () => {
    expect(resolveOperation({ operationId: '$sourceDescriptions.store.url' }, sources, '1.1').operation?.pathTemplate).toBe('/health');
    const r = resolveOperation({ operationId: '$sourceDescriptions.pets.url' }, sources, '1.1');
    expect(r.problem?.code).toBe('OPERATION_NOT_FOUND');
    expect(r.problem!.message).toContain('field');
  });

  it('operationPath with and without braces, with RFC 6901 escaping', () => {
    const a = resolveOperation({ operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get' }, sources);
    expect(a.operation?.operationId).toBe('getPet');
    const b = resolveOperation({ operationPath: '$sourceDescriptions.legacy.url#/paths/~1users/post' }, sources);
    expect(b.operation?.operationId).toBe('createUser');
    const c = resolveOperation({ operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1%7BpetId%7D/delete' }, sources);
    expect(c.operation?.operationId).toBe('deletePet');
  });

  it('P4: an operationPath ending at a Path Item is a problem that names the methods', () => {
    const r = resolveOperation({ operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}' }, sources, { path: '$.workflows[0].steps[0]' });
    expect(r.problem).toMatchObject({ code: 'OPERATION_PATH_NOT_OPERATION', path: '$.workflows[0].steps[0].operationPath' });
    expect(r.problem!.message).toContain('get, delete');
  });

  it('an operationPath to nothing says so', () => {
    const r = resolveOperation({ operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pet/get' }, sources);
    expect(r.problem?.code).toBe('OPERATION_PATH_NOT_FOUND');
    expect(r.problem!.message).toContain('Did you mean "/pets"?');
    expect(resolveOperation({ operationPath: '{$sourceDescriptions.pets.url}' }, sources).problem?.code).toBe('OPERATION_PATH_INVALID');
  });

  it('a reference into a source that failed to load is marked as a cascade', () => {
    const r = resolveOperation({ operationId: '$sourceDescriptions.broken.x' }, sources, { sourceDescriptions: [...sds, { name: 'broken', url: 'x' }] });
    expect(r).toMatchObject({ cascade: true, problem: { code: 'SOURCE_NOT_LOADED' } });
  });
});

describe('resolveWorkflowRef', () => {
  const child = {
    location: '/x/child.arazzo.yaml',
    document: { workflows: [{ workflowId: 'refreshToken', steps: [] }] },
  } as unknown as LoadedDocument;
  const sources = new Map<string, LoadedSource>([['auth', { kind: 'arazzo', name: 'auth', location: child.location, document: child }]]);
  const local = { ...doc([]), workflows: [{ workflowId: 'main', steps: [] }] } as unknown as ArazzoDocument;

  it('finds local workflows and workflows of arazzo sources', () => {
    expect(resolveWorkflowRef('main', local, sources)).toMatchObject({ workflowId: 'main' });
    const r = resolveWorkflowRef('$sourceDescriptions.auth.refreshToken', local, sources);
    expect(r).toMatchObject({ workflowId: 'refreshToken', sourceName: 'auth', document: child });
  });

  it('suggests the qualified form for a workflow that lives in an arazzo source', () => {
    const r = resolveWorkflowRef('refreshToken', local, sources, { path: '$.workflows[0].steps[0]' });
    expect(r.problem).toMatchObject({ code: 'WORKFLOW_NOT_FOUND', path: '$.workflows[0].steps[0].workflowId' });
    expect(r.problem!.message).toContain('$sourceDescriptions.auth.refreshToken');
    expect(resolveWorkflowRef('$sourceDescriptions.auth.refresh', local, sources).problem!.message).toContain('Did you mean "refreshToken"?');
  });
});

describe('dereferencing with json-schema-ref-parser', () => {
  const base = () => ({
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: {
      '/a': {
        parameters: [{ $ref: '#/components/parameters/id' }],
        get: { operationId: 'a', responses: { '200': { $ref: '#/components/responses/Ok' } } },
      },
    },
    components: {
      parameters: { id: { name: 'id', in: 'path', required: true, schema: { $ref: '#/components/schemas/Id' } } },
      responses: { Ok: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
      schemas: {
        Id: { type: 'string' },
        Alias: { $ref: '#/components/schemas/Id' },
        Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' }, id: { $ref: '#/components/schemas/Alias' } } },
      },
    },
  });
  const noReads = async (): Promise<string> => {
    throw new Error('no reads expected');
  };
  const here_ = pathToFileURL(join(apis, 'inline.yaml'));

  it('replaces references by their targets and keeps cycles as object cycles', async () => {
    const { dereferenceOpenApi } = await import('../src/sources/openapi.js');
    const data = (await dereferenceOpenApi(here_, base(), noReads)) as any;
    const node = data.components.schemas.Node;
    expect(node.properties.next).toBe(node);
    expect(node.properties.id).toEqual({ type: 'string' });
    expect(data.paths['/a'].parameters[0].schema).toEqual({ type: 'string' });
    expect(data.paths['/a'].get.responses['200'].content['application/json'].schema).toBe(node);
  });

  it('loads 2.0, 3.0, 3.1 and later 3.x as written, with no version rewritten', async () => {
    const { dereferenceOpenApi } = await import('../src/sources/openapi.js');
    for (const version of ['3.0.4', '3.1.1', '3.2.0', '3.3.0']) {
      const data = (await dereferenceOpenApi(here_, { ...base(), openapi: version }, noReads)) as any;
      expect(data.openapi).toBe(version);
      expect(data.paths['/a'].parameters[0].name).toBe('id');
    }
    const swagger = (await dereferenceOpenApi(here_, { swagger: '2.0', info: { title: 't', version: '1' }, paths: {} }, noReads)) as any;
    expect(swagger.swagger).toBe('2.0');
    const noPaths = (await dereferenceOpenApi(here_, { openapi: '3.1.0', info: { title: 't', version: '1' } }, noReads)) as any;
    expect(noPaths.paths).toBeUndefined();
  });

  it.each([
    ['a numeric OpenAPI version', { openapi: 3.1 }, /must be a string/],
    ['OpenAPI 4', { openapi: '4.0.0' }, /4\.0\.0.*not supported/],
    ['Swagger 1.2', { swagger: '1.2' }, /1\.2 is not supported/],
    ['a reference that does not resolve', { openapi: '3.0.3', x: { $ref: '#/components/schemas/Missing' } }, /Missing/],
  ])('refuses %s with SOURCE_INVALID', async (_name, root, message) => {
    const { dereferenceOpenApi } = await import('../src/sources/openapi.js');
    const error = await dereferenceOpenApi(here_, { info: { title: 't', version: '1' }, paths: {}, ...root }, noReads).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(error?.code).toBe('SOURCE_INVALID');
    expect(error?.message).toMatch(message);
  });

  it('reads every external file through the given reader and parses it as sources are', async () => {
    const { dereferenceOpenApi } = await import('../src/sources/openapi.js');
    const read: string[] = [];
    const data = (await dereferenceOpenApi(
      pathToFileURL(join(apis, 'pets-3.0.yaml')),
      parse(readFileSync(join(apis, 'pets-3.0.yaml'), 'utf8')),
      async (url) => {
        read.push(url.href);
        return readFileSync(url, 'utf8');
      },
    )) as any;
    expect(read).toEqual([pathToFileURL(join(apis, 'shared', 'schemas.yaml')).href]);
    const pet = data.paths['/pets'].post.requestBody.content['application/json'].schema;
    expect(pet.required).toEqual(['id']);
    expect(pet.properties.parent).toBe(pet); // a cycle inside the external file
  });

  it('gives the same operations as swagger-parser for every shipped and fixture description', async () => {
    const { dereferenceOpenApi } = await import('../src/sources/openapi.js');
    const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
    const root = join(here, '..');
    const files = [
      'openapi/hugging-face-inference-endpoints-api.yml',
      'openapi/elasticsearch-inference-api.yml',
      'openapi/hugging-face-endpoint-inference-api.yml',
      'test/fixtures/engine/api.openapi.yml',
      'test/fixtures/sources/apis/store-3.1.yaml',
      'test/fixtures/sources/apis/legacy-2.0.yaml',
    ];
    for (const file of files) {
      const path = join(root, file);
      const text = readFileSync(path, 'utf8');
      const ours = await dereferenceOpenApi(pathToFileURL(path), parse(text), noReads);
      const reference = await new SwaggerParser().dereference(path, parse(text), { dereference: { circular: true } } as never);
      const a = indexOpenApi('s', path, ours as Record<string, unknown>);
      const b = indexOpenApi('s', path, reference as unknown as Record<string, unknown>);
      expect(a.operations, file).toEqual(b.operations);
    }
  });
});
