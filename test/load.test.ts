import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadArazzo, DocumentError, formatProblem, type LoadedDocument, type OpenApiSource, type Problem } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures', 'sources');
const wf = (name: string) => join(fixtures, 'workflows', name);

async function loadErrors(input: string | object, options = {}): Promise<DocumentError> {
  try {
    await loadArazzo(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentError);
    return err as DocumentError;
  }
  throw new Error('expected loadArazzo to reject');
}

describe('loadArazzo', () => {
  it('warns (and still runs) when a bare operationId is used with several non-arazzo sources, which the spec forbids', async () => {
    const doc = await loadArazzo(wf('unqualified.arazzo.yaml'));
    const warned = doc.warnings.filter((w) => w.code === 'OPERATION_ID_UNQUALIFIED');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ severity: 'warning', path: '$.workflows[0].steps[0].operationId', line: 14, column: 9 });
    expect(warned[0]!.message).toContain('$sourceDescriptions.pets.getPet');
    // With a single OpenAPI source a bare operationId is what the spec allows: no warning.
    const single = await loadArazzo(wf('main.arazzo.yaml'));
    expect(single.warnings.map((w) => w.code)).not.toContain('OPERATION_ID_UNQUALIFIED');
  });

  it('loads a document with an OpenAPI source and a cross-document arazzo source', async () => {
    const doc = await loadArazzo(wf('main.arazzo.yaml'));
    expect(doc.location).toBe(wf('main.arazzo.yaml'));
    expect(doc.baseUri).toBe(pathToFileURL(wf('main.arazzo.yaml')).href);
    expect(doc.version).toBe('1.0');
    expect(doc.warnings.filter((w) => w.severity === 'error')).toEqual([]);
    const pets = doc.sources.get('pets') as OpenApiSource;
    expect(pets.kind).toBe('openapi');
    expect(pets.byOperationId.has('getPet')).toBe(true);
    // P2: the child has no type; its root `arazzo` key makes it an Arazzo source, loaded recursively.
    const child = doc.sources.get('child');
    expect(child?.kind).toBe('arazzo');
    if (child?.kind !== 'arazzo') throw new Error('unreachable');
    expect(child.document.location).toBe(wf('child.arazzo.yaml'));
    expect(child.document.document.workflows.map((w) => w.workflowId)).toEqual(['fetchPet']);
    expect(child.document.workflows.has('fetchPet')).toBe(true);
    expect(doc.workflows.has('adopt')).toBe(true);
    expect(doc.locate('$.workflows[0].steps[1]')).toEqual({ line: 20, column: 9 });
  });

  it('shares one dereferenced description between documents that reference the same file', async () => {
    const doc = await loadArazzo(wf('main.arazzo.yaml'));
    const child = doc.sources.get('child');
    if (child?.kind !== 'arazzo') throw new Error('expected an arazzo source');
    const mine = doc.sources.get('pets') as OpenApiSource;
    const theirs = child.document.sources.get('pets') as OpenApiSource;
    expect(theirs.byOperationId.get('getPet')!.responses).toBe(mine.byOperationId.get('getPet')!.responses);
  });

  it('reports problems from every stage at once, each with file:line:col, sorted by line', async () => {
    const err = await loadErrors(wf('broken.arazzo.yaml'));
    const file = wf('broken.arazzo.yaml');
    const summary = err.problems.map((p) => [p.code, p.path, p.line]);
    expect(summary).toEqual([
      ['SCHEMA_REQUIRED', '$.info', 2],
      ['SOURCE_NOT_FOUND', '$.sourceDescriptions[1].url', 8],
      ['OPERATION_NOT_FOUND', '$.workflows[0].steps[0].operationId', 13],
      ['OPERATION_PATH_NOT_OPERATION', '$.workflows[0].steps[1].operationPath', 15],
    ]);
    for (const p of err.problems) {
      expect(p.file).toBe(file);
      expect(p.column).toBeGreaterThan(0);
    }
    expect(err.problems[2]!.message).toContain('Did you mean "getPet"?');
    expect(err.problems[1]!.message).toContain(join(fixtures, 'apis', 'missing.yaml'));
    expect(formatProblem(err.problems[3]!)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:15:9  OPERATION_PATH_NOT_OPERATION`));
    expect(err.message).toContain('4 problem(s)');
  });

  it('loads arazzo documents that reference each other once, without looping', async () => {
    const a = await loadArazzo(wf('cycle-a.arazzo.yaml'));
    const b = a.sources.get('b');
    if (b?.kind !== 'arazzo') throw new Error('expected an arazzo source');
    const back = b.document.sources.get('a');
    if (back?.kind !== 'arazzo') throw new Error('expected an arazzo source');
    expect(back.document).toBe(a);
    expect(b.document.workflows.has('wfB')).toBe(true);
    expect(a.workflows.has('wfA')).toBe(true);
    // B's goto into A resolved against A's workflows, and B's own OpenAPI source loaded.
    expect((b.document.sources.get('pets') as OpenApiSource).byOperationId.has('listPets')).toBe(true);
  });

  it('reports a broken child document on the parent source, with the child problems in their own file', async () => {
    const err = await loadErrors(wf('uses-bad-child.arazzo.yaml'));
    const head = err.problems.find((p) => p.code === 'SOURCE_INVALID');
    expect(head).toMatchObject({ path: '$.sourceDescriptions[0].url', file: wf('uses-bad-child.arazzo.yaml'), line: 5 });
    const inChild = err.problems.find((p) => p.code === 'OPERATION_NOT_FOUND');
    expect(inChild).toMatchObject({ file: wf('bad-child.arazzo.yaml'), path: '$.workflows[0].steps[0].operationId', line: 10 });
    // The parent's own problems come first.
    expect(err.problems[0]!.file).toBe(wf('uses-bad-child.arazzo.yaml'));
  });

  it('reports a workflowId missing from an arazzo source with a suggestion', async () => {
    const doc = {
      arazzo: '1.0.1',
      info: { title: 'mem', version: '1' },
      sourceDescriptions: [{ name: 'child', url: 'child.arazzo.yaml', type: 'arazzo' }],
      workflows: [{ workflowId: 'w', steps: [{ stepId: 's', workflowId: '$sourceDescriptions.child.fetchPets' }] }],
    };
    const err = await loadErrors(doc, { baseUri: pathToFileURL(wf('inline.yaml')).href });
    const p = err.problems.find((x) => x.code === 'WORKFLOW_NOT_FOUND') as Problem;
    expect(p.path).toBe('$.workflows[0].steps[0].workflowId');
    expect(p.message).toContain('Did you mean "fetchPet"?');
  });

  it('loads an in-memory document, resolving relative sources against baseUri', async () => {
    const doc = await loadArazzo(
      {
        arazzo: '1.1.0',
        info: { title: 'mem', version: '1' },
        sourceDescriptions: [{ name: 'store', url: '../apis/store-3.1.yaml' }],
        workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getOrder', parameters: [{ name: 'id', in: 'path', value: 1 }] }] }],
      },
      { baseUri: pathToFileURL(wf('x.yaml')).href },
    );
    expect(doc.location).toBe('<memory>');
    expect((doc.sources.get('store') as OpenApiSource).location).toBe(join(fixtures, 'apis', 'store-3.1.yaml'));
    expect(doc.workflows.has('w')).toBe(true);
  });

  it('an in-memory document whose relative source cannot be read is told about the baseUri option', async () => {
    const err = await loadErrors({
      arazzo: '1.1.0',
      info: { title: 'mem', version: '1' },
      sourceDescriptions: [{ name: 'store', url: '../apis/store-3.1.yaml' }],
      workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getOrder' }] }],
    });
    const problem = err.problems.find((p) => p.code === 'SOURCE_NOT_FOUND');
    expect(problem?.message).toContain('baseUri');
    expect(problem?.message).toContain('../apis/store-3.1.yaml');
  });

  it('throws DocumentError, with the reading code, for a document it cannot read', async () => {
    const err = await loadErrors(wf('no-such.arazzo.yaml'));
    expect(err.code).toBe('DOCUMENT_NOT_FOUND');
    expect(err.problems).toMatchObject([{ code: 'DOCUMENT_NOT_FOUND', file: wf('no-such.arazzo.yaml') }]);
  });

  it('throws DocumentError for a version it does not support, before touching sources', async () => {
    const err = await loadErrors({
      arazzo: '2.0.0',
      info: { title: 't', version: '1' },
      sourceDescriptions: [{ name: 'x', url: 'http://127.0.0.1:9/never' }],
      workflows: [],
    });
    expect(err.problems.map((p) => p.code)).toContain('ARAZZO_VERSION_UNSUPPORTED');
    expect(err.problems.some((p) => p.code.startsWith('SOURCE_'))).toBe(false);
  });
});

describe('loadArazzo over http', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    const files: Record<string, string> = {
      '/flows/main.yaml': readFileSync(wf('main.arazzo.yaml'), 'utf8'),
      '/flows/child.arazzo.yaml': readFileSync(wf('child.arazzo.yaml'), 'utf8'),
      '/apis/pets-3.0.yaml': readFileSync(join(fixtures, 'apis', 'pets-3.0.yaml'), 'utf8'),
      '/apis/shared/schemas.yaml': readFileSync(join(fixtures, 'apis', 'shared', 'schemas.yaml'), 'utf8'),
      '/flows/local-source.yaml': `arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions:\n  - {name: pets, url: '${pathToFileURL(join(fixtures, 'apis', 'pets-3.0.yaml')).href}', type: openapi}\nworkflows:\n  - workflowId: w\n    steps:\n      - {stepId: s, operationId: listPets}\n`,
    };
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const body = files[req.url ?? ''];
      if (body === undefined) {
        res.writeHead(404);
        return void res.end();
      }
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('loads a remote document and its relative sources, each URL once', async () => {
    hits.length = 0;
    const doc: LoadedDocument = await loadArazzo(`${base}/flows/main.yaml`, { allowHosts: [new URL(base).host] });
    expect(doc.location).toBe(`${base}/flows/main.yaml`);
    expect(doc.sources.get('pets')?.location).toBe(`${base}/apis/pets-3.0.yaml`);
    expect(hits.sort()).toEqual(['/apis/pets-3.0.yaml', '/apis/shared/schemas.yaml', '/flows/child.arazzo.yaml', '/flows/main.yaml']);
  });

  it('refuses a remote document whose host is not allowed, without contacting it', async () => {
    hits.length = 0;
    const err = await loadErrors(`${base}/flows/main.yaml`, { allowHosts: ['example.com'] });
    expect(err.code).toBe('DOCUMENT_FETCH_FAILED');
    expect(err.problems[0]?.message).toContain('allowHosts');
    expect(hits).toEqual([]);
  });

  it('refuses the file: sources of a remote document without reading them', async () => {
    const secret = join(fixtures, 'apis', 'pets-3.0.yaml');
    const err = await loadErrors(`${base}/flows/local-source.yaml`);
    const problem = err.problems.find((p) => p.path === '$.sourceDescriptions[0].url');
    expect(problem).toMatchObject({ code: 'SOURCE_FILE_NOT_ALLOWED', file: `${base}/flows/local-source.yaml` });
    expect(problem?.message).toContain(secret);
    expect(problem?.message).not.toContain('listPets');
  });

  it('reads through a caller-supplied WHATWG fetch when one is given', async () => {
    const seen: string[] = [];
    const doc = await loadArazzo(`${base}/flows/main.yaml`, {
      fetch: async (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    expect(doc.sources.get('pets')?.kind).toBe('openapi');
    expect(seen.map((u) => new URL(u).pathname).sort()).toEqual([
      '/apis/pets-3.0.yaml',
      '/apis/shared/schemas.yaml',
      '/flows/child.arazzo.yaml',
      '/flows/main.yaml',
    ]);
  });

  it('applies maxSourceBytes to sources', async () => {
    const err = await loadErrors(`${base}/flows/main.yaml`, { maxSourceBytes: 1500 });
    expect(err.problems.map((p) => p.code)).toContain('SOURCE_TOO_LARGE');
  });
});

describe('loadArazzo $self (1.1)', () => {
  it('matches an absolute source url to an already loaded document by its $self, without fetching', async () => {
    const a = await loadArazzo(
      {
        arazzo: '1.1.0',
        $self: 'https://flows.example.com/a.arazzo.yaml',
        info: { title: 'A', version: '1' },
        sourceDescriptions: [{ name: 'b', url: pathToFileURL(wf('self-b.arazzo.yaml')).href, type: 'arazzo' }],
        workflows: [{ workflowId: 'a', steps: [{ stepId: 'toB', workflowId: '$sourceDescriptions.b.b' }] }],
      },
      { allowHosts: [] },
    );
    expect(a.baseUri).toBe('https://flows.example.com/a.arazzo.yaml');
    const b = a.sources.get('b');
    if (b?.kind !== 'arazzo') throw new Error('expected an arazzo source');
    const back = b.document.sources.get('a');
    expect(back?.kind === 'arazzo' && back.document).toBe(a);
  });
});

describe('loadArazzo problem merging', () => {
  it('reports one error per place when two stages see the same fault (an AsyncAPI source)', async () => {
    const err = await loadErrors(
      {
        arazzo: '1.1.0',
        info: { title: 't', version: '1' },
        sourceDescriptions: [
          { name: 'events', url: 'events.yaml', type: 'asyncapi' },
          { name: 'pets', url: '../apis/pets-3.0.yaml' },
        ],
        workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'listPets' }] }],
      },
      { baseUri: pathToFileURL(wf('inline.yaml')).href },
    );
    const atType = err.problems.filter((p) => p.path === '$.sourceDescriptions[0].type');
    expect(atType).toHaveLength(1);
    expect(atType[0]!.message).toMatch(/AsyncAPI/);
    expect(err.problems.filter((p) => p.severity === 'error')).toHaveLength(1);
  });
});

describe('start-up: what loading the shipped workflows pulls in (built dist/)', () => {
  it('loads only the YAML parser and the $ref dereferencer for the shipped workflows: no HTTP client for local files', async () => {
    const { execFileSync } = await import('node:child_process');
    const root = join(here, '..');
    const script = `
      import { createRequire } from 'node:module';
      import { readdirSync } from 'node:fs';
      const { loadArazzo } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/load.js')).href)});
      for (const f of readdirSync(${JSON.stringify(join(root, 'workflows'))})) await loadArazzo(${JSON.stringify(join(root, 'workflows'))} + '/' + f);
      const cache = createRequire(import.meta.url).cache;
      const packages = new Set(Object.keys(cache).filter((k) => k.includes('node_modules')).map((k) => k.split('node_modules/').pop().split('/').slice(0, k.split('node_modules/').pop().startsWith('@') ? 2 : 1).join('/')));
      console.log(JSON.stringify([...packages]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    // undici, jsep and the JSONPath libraries load only when a document needs them; js-yaml is
    // loaded (not used) by json-schema-ref-parser. ajv (and its dependencies) checks the inputs
    // schemas at load: without the CLI's read cache, every load checks them.
    expect(JSON.parse(out.trim()).sort()).toEqual([
      '@apidevtools/json-schema-ref-parser',
      'ajv',
      'ajv-formats',
      'fast-deep-equal',
      'fast-uri',
      'js-yaml',
      'json-schema-traverse',
      'yaml',
    ]);
  });

  it('a second `arazzo validate` of the seed loads no third-party package: the read cache has the parsed texts', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = join(here, '..');
    const cache = mkdtempSync(join(tmpdir(), 'arazzo-cache-'));
    const script = `
      import { createRequire } from 'node:module';
      const { cli } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cli/cli.js')).href)});
      const sink = { write: () => true, isTTY: false };
      const io = { stdout: sink, stderr: sink, env: { ARAZZO_CACHE_DIR: ${JSON.stringify(cache)} }, readStdin: async () => '', onInterrupt: () => () => {} };
      const code = await cli(['validate', 'workflows/hugging-face-deploy-inference-endpoint-workflow.yml'], io);
      const cache = createRequire(import.meta.url).cache;
      const packages = new Set(Object.keys(cache).filter((k) => k.includes('node_modules')).map((k) => k.split('node_modules/').pop().split('/')[0]));
      console.log(JSON.stringify({ code, packages: [...packages] }));`;
    const run = () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim());
    expect(run()).toMatchObject({ code: 0, packages: expect.arrayContaining(['yaml']) });
    expect(run()).toEqual({ code: 0, packages: [] });
  });
});
