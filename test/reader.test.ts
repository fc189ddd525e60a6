/**
 * The one reader (src/reader/): files, http(s) through undici's interceptors or a caller's fetch,
 * the size cap, the host allowlist on every redirect hop, and local files refused to remote
 * referrers. The undici path is tested against real loopback servers and MockAgent; a caller's
 * fetch (the global one) against nock.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import nock from 'nock';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aliasBomb } from './hostile-yaml.js';
import { cli } from '../src/cli/cli.js';
import { readOptionsFromFlags, readPlainDocument } from '../src/cli/document.js';
import { DocumentError } from '../src/errors.js';
import { loadArazzo } from '../src/load.js';
import { readText } from '../src/document/read.js';
import { disableReadCache, enableReadCache, readCached, writeCached } from '../src/reader/cache.js';
import { DEFAULT_MAX_BYTES, ReadError, readResource } from '../src/reader/resource.js';
import { fakeIo } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'arazzo-reader-'));

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; problems?: Array<{ code: string; message: string }> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

const openapi = 'openapi: 3.1.0\ninfo: {title: s, version: "1"}\npaths:\n  /o:\n    get: {operationId: o, responses: {"200": {description: ok}}}\n';
const workflow = (sourceUrl: string) =>
  `arazzo: 1.0.1\ninfo: {title: t, version: "1"}\nsourceDescriptions:\n  - {name: api, url: '${sourceUrl}', type: openapi}\nworkflows:\n  - workflowId: w\n    steps:\n      - {stepId: s, operationId: o}\n`;

describe('files', () => {
  it('reads sources of more than 10 MiB by default: the cap is 64 MiB', async () => {
    expect(DEFAULT_MAX_BYTES).toBe(64 * 1024 * 1024);
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify({ openapi: '3.0.3', info: { title: 'big', version: '1', description: 'x'.repeat(11 * 1024 * 1024) }, paths: {} }));
    const resource = await readResource(pathToFileURL(file));
    expect(resource.text.length).toBeGreaterThan(11 * 1024 * 1024);
    const capped = await failure(readResource(pathToFileURL(file), { maxBytes: 1024 * 1024 }));
    expect(capped.code).toBe('SOURCE_TOO_LARGE');
  });

  it('refuses a device or a FIFO as a source, before opening it', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [
      ['/dev/zero', 'a device'],
      [fifo, 'a FIFO'],
    ] as const) {
      const err = await failure(readResource(pathToFileURL(path)));
      expect(err).toBeInstanceOf(ReadError);
      expect(err.code).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain(what);
    }
  });

  it('drops a byte order mark', async () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, '\ufeff{"a": 1}');
    expect((await readResource(pathToFileURL(file))).text).toBe('{"a": 1}');
  });

  it('a local file is not read for a remote referrer', async () => {
    const err = await failure(readResource(pathToFileURL(join(dir, 'big.json')), { referrer: 'https://flows.example.com/wf.yaml' }));
    expect(err.code).toBe('SOURCE_FILE_NOT_ALLOWED');
  });
});

describe('http through undici (loopback servers, MockAgent)', () => {
  let server: Server;
  let origin: string;
  let other: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push(`${req.headers.host}${req.url}`);
      if (req.url === '/api.yaml') return void res.end(openapi);
      if (req.url === '/wf.yaml') return void res.end(workflow('api.yaml'));
      if (req.url === '/away.yaml') {
        // Another host name for the same loopback server: a different host for allowHosts.
        res.writeHead(302, { location: `${other}/api.yaml` });
        return void res.end();
      }
      if (req.url === '/wf-away.yaml') {
        res.writeHead(301, { location: `${other}/wf.yaml` });
        return void res.end();
      }
      if (req.url === '/loop.yaml') {
        res.writeHead(302, { location: `/loop.yaml?${Math.random()}` });
        return void res.end();
      }
      if (req.url?.startsWith('/loop.yaml?')) {
        res.writeHead(302, { location: `/loop.yaml?${Math.random()}` });
        return void res.end();
      }
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        const chunk = `# ${'x'.repeat(65_000)}\n`;
        const pump = () => {
          while (res.write(chunk)) {
            /* keep writing until the socket pushes back */
          }
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        return void pump();
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
    other = `http://localhost:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('follows a redirect to an allowed host', async () => {
    const resource = await readResource(new URL(`${origin}/away.yaml`), { allowHosts: [new URL(origin).host, new URL(other).host] });
    expect(resource.url.href).toBe(`${other}/api.yaml`);
    expect(resource.text).toBe(openapi);
  });

  it('refuses a redirect to a host outside allowHosts, without contacting it', async () => {
    seen.length = 0;
    const err = await failure(readResource(new URL(`${origin}/away.yaml`), { allowHosts: [new URL(origin).host] }));
    expect(err.code).toBe('SOURCE_HOST_NOT_ALLOWED');
    expect(err.message).toContain(`${other}/api.yaml`);
    expect(seen).toEqual([`${new URL(origin).host}/away.yaml`]);
  });

  it('refuses a redirect of the document itself to a host outside allowHosts (loadArazzo)', async () => {
    seen.length = 0;
    const err = await failure(loadArazzo(`${origin}/wf-away.yaml`, { allowHosts: [new URL(origin).host] }));
    expect(err).toBeInstanceOf(DocumentError);
    expect(err.code).toBe('DOCUMENT_FETCH_FAILED');
    expect(err.problems?.[0]?.message).toMatch(/not in allowHosts/);
    expect(seen).toEqual([`${new URL(origin).host}/wf-away.yaml`]);
    // Allowed, the document is read from where it was redirected, and its sources resolve against that.
    const doc = await loadArazzo(`${origin}/wf-away.yaml`, { allowHosts: [new URL(origin).host, new URL(other).host] });
    expect(doc.location).toBe(`${other}/wf.yaml`);
    expect(doc.sources.get('api')?.location).toBe(`${other}/api.yaml`);
  });

  it('stops after a bounded number of redirects', async () => {
    seen.length = 0;
    const err = await failure(readResource(new URL(`${origin}/loop.yaml`)));
    expect(err.code).toBe('SOURCE_FETCH_FAILED');
    expect(err.message).toMatch(/redirected more than 5 times/);
    expect(seen).toHaveLength(6);
  });

  it('stops reading an endless body at the cap', async () => {
    const err = await failure(readResource(new URL(`${origin}/endless`), { maxBytes: 1024 * 1024 }));
    expect(err.code).toBe('SOURCE_TOO_LARGE');
  });

  it('checks allowHosts on every hop with a caller-supplied dispatcher (MockAgent)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://docs.example.com')
      .intercept({ path: '/api.yaml', method: 'GET' })
      .reply(302, '', { headers: { location: 'https://evil.example.net/api.yaml' } });
    agent.get('https://evil.example.net').intercept({ path: '/api.yaml', method: 'GET' }).reply(200, openapi);
    const err = await failure(readResource(new URL('https://docs.example.com/api.yaml'), { dispatcher: agent, allowHosts: ['docs.example.com'] }));
    expect(err.code).toBe('SOURCE_HOST_NOT_ALLOWED');
    expect(agent.pendingInterceptors().map((i) => i.origin)).toEqual(['https://evil.example.net']);
    await agent.close();
  });

  it('caps a body declared too large by its content-length (MockAgent)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://docs.example.com')
      .intercept({ path: '/big.yaml', method: 'GET' })
      .reply(200, 'x'.repeat(2000), { headers: { 'content-length': '2000' } });
    const err = await failure(readResource(new URL('https://docs.example.com/big.yaml'), { dispatcher: agent, maxBytes: 1000, kind: 'document' }));
    expect(err.code).toBe('DOCUMENT_TOO_LARGE');
    await agent.close();
  });
});

describe('http through a caller-supplied fetch (nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('refuses a redirect of the document to a host outside allowHosts, without contacting it', async () => {
    nock('https://flows.example.com').get('/wf.yaml').reply(302, '', { location: 'https://evil.example.net/wf.yaml' });
    const evil = nock('https://evil.example.net').get('/wf.yaml').reply(200, workflow('api.yaml'));
    const err = await failure(loadArazzo('https://flows.example.com/wf.yaml', { fetch: globalThis.fetch, allowHosts: ['flows.example.com'] }));
    expect(err).toBeInstanceOf(DocumentError);
    expect(err.code).toBe('DOCUMENT_FETCH_FAILED');
    expect(err.problems?.[0]?.message).toContain('evil.example.net');
    expect(evil.isDone()).toBe(false);
  });

  it('refuses a redirect of a source to a host outside allowHosts', async () => {
    nock('https://flows.example.com')
      .get('/wf.yaml')
      .reply(200, workflow('api.yaml'))
      .get('/api.yaml')
      .reply(307, '', { location: 'https://evil.example.net/api.yaml' });
    const evil = nock('https://evil.example.net').get('/api.yaml').reply(200, openapi);
    const err = await failure(loadArazzo('https://flows.example.com/wf.yaml', { fetch: globalThis.fetch, allowHosts: ['flows.example.com'] }));
    expect(err.problems?.map((p) => p.code)).toContain('SOURCE_HOST_NOT_ALLOWED');
    expect(evil.isDone()).toBe(false);
  });

  it('loads a remote document and its sources across an allowed redirect', async () => {
    nock('https://flows.example.com').get('/wf.yaml').reply(302, '', { location: 'https://cdn.example.com/v2/wf.yaml' });
    nock('https://cdn.example.com').get('/v2/wf.yaml').reply(200, workflow('api.yaml')).get('/v2/api.yaml').reply(200, openapi);
    const doc = await loadArazzo('https://flows.example.com/wf.yaml', { fetch: globalThis.fetch, allowHosts: ['*.example.com'] });
    expect(doc.location).toBe('https://cdn.example.com/v2/wf.yaml');
    expect(doc.sources.get('api')?.location).toBe('https://cdn.example.com/v2/api.yaml');
  });

  it('a remote document cannot read a local file, and nothing of it shows in the error', async () => {
    const secret = join(dir, 'secret.yaml');
    writeFileSync(secret, 'openapi: 3.0.0\npassword: hunter2-very-secret\n{{{ not yaml');
    nock('https://flows.example.com')
      .get('/wf.yaml')
      .reply(200, workflow(pathToFileURL(secret).href));
    const err = await failure(loadArazzo('https://flows.example.com/wf.yaml', { fetch: globalThis.fetch }));
    const problem = err.problems?.find((p) => p.code === 'SOURCE_FILE_NOT_ALLOWED');
    expect(problem?.message).toContain('read over the network');
    expect(JSON.stringify(err.problems)).not.toContain('hunter2');
  });

  it('a remote description cannot $ref a local file', async () => {
    const secret = join(dir, 'secret-schema.yaml');
    writeFileSync(secret, 'Pet: {type: object, description: hunter2-very-secret}\n');
    const remote = `${openapi}components:\n  schemas:\n    Pet: {$ref: '${pathToFileURL(secret).href}#/Pet'}\n`;
    nock('https://apis.example.com').get('/api.yaml').reply(200, remote);
    const local = join(dir, 'local-wf.yaml');
    writeFileSync(local, workflow('https://apis.example.com/api.yaml'));
    const err = await failure(loadArazzo(local, { fetch: globalThis.fetch }));
    const problem = err.problems?.find((p) => p.code === 'SOURCE_FILE_NOT_ALLOWED');
    expect(problem?.message).toContain(secret);
    expect(JSON.stringify(err.problems)).not.toContain('hunter2');
  });

  it('a remote file referenced by a local description cannot $ref a local file either', async () => {
    const secret = join(dir, 'secret-schema-2.yaml');
    writeFileSync(secret, 'Pet: {type: object, description: hunter2-very-secret}\n');
    nock('https://apis.example.com')
      .get('/shared.yaml')
      .reply(200, `Pet: {$ref: '${pathToFileURL(secret).href}#/Pet'}\n`);
    const api = join(dir, 'local-api.yaml');
    writeFileSync(api, `${openapi}components:\n  schemas:\n    Pet: {$ref: 'https://apis.example.com/shared.yaml#/Pet'}\n`);
    const local = join(dir, 'local-wf-2.yaml');
    writeFileSync(local, workflow('local-api.yaml'));
    const err = await failure(loadArazzo(local, { fetch: globalThis.fetch }));
    const problem = err.problems?.find((p) => p.code === 'SOURCE_FILE_NOT_ALLOWED');
    expect(problem?.message).toContain('its $ref may not read the local file');
    expect(JSON.stringify(err.problems)).not.toContain('hunter2');
  });

  it('caps a streamed body read through fetch', async () => {
    nock('https://apis.example.com')
      .get('/big.yaml')
      .reply(200, () => `# ${'x'.repeat(5000)}`);
    const err = await failure(readResource(new URL('https://apis.example.com/big.yaml'), { fetch: globalThis.fetch, maxBytes: 1000 }));
    expect(err.code).toBe('SOURCE_TOO_LARGE');
  });
});

describe('list and graph read through the same reader', () => {
  it('apply the size cap', async () => {
    const file = join(dir, 'wf-big.yaml');
    writeFileSync(file, `${workflow('api.yaml')}# ${'x'.repeat(4000)}\n`);
    const err = await failure(readPlainDocument(file, { maxSourceBytes: 1000 }));
    expect(err.code).toBe('DOCUMENT_TOO_LARGE');
    expect((await readPlainDocument(file)).workflows).toHaveLength(1);
  });

  it('apply the YAML limits: an alias bomb is YAML_ALIAS_LIMIT, deep nesting DOCUMENT_TOO_DEEP', async () => {
    const bomb = aliasBomb();
    writeFileSync(join(dir, 'bomb.yaml'), bomb);
    writeFileSync(join(dir, 'deep.yaml'), `workflows: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    expect((await failure(readPlainDocument(join(dir, 'bomb.yaml')))).code).toBe('YAML_ALIAS_LIMIT');
    const deep = await failure(readPlainDocument(join(dir, 'deep.yaml')));
    expect(deep.code).toBe('DOCUMENT_TOO_DEEP');
    expect(deep.message).toMatch(/deep\.yaml:1:\d+/);
  });

  it('refuse a FIFO instead of waiting on it', async () => {
    const fifo = join(dir, 'wf-pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect((await failure(readPlainDocument(fifo))).code).toBe('DOCUMENT_NOT_FOUND');
  });
});

describe('--max-source-bytes', () => {
  it('takes a size in bytes or with a binary unit, and refuses anything else', () => {
    expect(readOptionsFromFlags({})).toEqual({});
    expect(readOptionsFromFlags({ 'max-source-bytes': '1000' })).toEqual({ maxSourceBytes: 1000 });
    expect(readOptionsFromFlags({ 'max-source-bytes': '128MiB' })).toEqual({ maxSourceBytes: 128 * 1024 * 1024 });
    expect(readOptionsFromFlags({ 'max-source-bytes': '512k' })).toEqual({ maxSourceBytes: 512 * 1024 });
    for (const bad of ['0', '-1', '1.5M', 'big', '10 TB', '']) {
      expect(() => readOptionsFromFlags({ 'max-source-bytes': bad })).toThrow(/--max-source-bytes must be a size/);
    }
  });

  it('caps what validate, list, graph and run read', async () => {
    const file = join(dir, 'wf-cli.yaml');
    writeFileSync(file, workflow('api.yaml'));
    writeFileSync(join(dir, 'api.yaml'), `${openapi}# ${'x'.repeat(3000)}\n`);
    for (const command of ['list', 'graph', 'run']) {
      const io = fakeIo();
      expect(await cli([command, file, '--max-source-bytes', '100'], io)).toBe(2);
      expect(io.err).toContain('DOCUMENT_TOO_LARGE');
    }
    const io = fakeIo();
    expect(await cli(['validate', file, '--max-source-bytes', '1k'], io)).toBe(2);
    expect(io.out).toContain('SOURCE_TOO_LARGE');
    expect(io.out).toContain('--max-source-bytes');
    expect(await cli(['validate', file, '--max-source-bytes', '4k'], fakeIo())).toBe(0);
  });
});

describe('the read cache (on for the CLI)', () => {
  const seedText = readFileSync(join(import.meta.dirname, '..', 'workflows', 'hugging-face-deploy-inference-endpoint-workflow.yml'), 'utf8');
  afterEach(() => disableReadCache());

  it('is off unless enabled, and off for ARAZZO_CACHE_DIR=off or without a home', () => {
    expect(enableReadCache({ ARAZZO_CACHE_DIR: 'off', HOME: dir })).toBeUndefined();
    expect(enableReadCache({})).toBeUndefined();
    expect(enableReadCache({ HOME: dir })).toBe(join(dir, '.cache', 'arazzo-engine'));
    expect(enableReadCache({ XDG_CACHE_HOME: join(dir, 'xdg') })).toBe(join(dir, 'xdg', 'arazzo-engine'));
  });

  it('does not use a directory that others can write to', () => {
    const shared = mkdtempSync(join(tmpdir(), 'arazzo-cache-'));
    chmodSync(shared, 0o777);
    expect(enableReadCache({ ARAZZO_CACHE_DIR: shared })).toBeUndefined();
    writeCached('document', 'a: 1', { data: 1 });
    expect(readdirSync(shared)).toEqual([]);
  });

  it('gives a parsed document back with the same data and positions, and misses on any change', async () => {
    const cacheDir = enableReadCache({ ARAZZO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'arazzo-cache-')) })!;
    const first = await readText(seedText, 'seed.yml');
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const again = await readText(seedText, 'seed.yml');
    expect(again.data).toEqual(first.data);
    expect(again.data).not.toBe(first.data);
    for (const path of ['$.workflows[0].steps[1].operationId', '$.workflows[0].steps[1].requestBody.payload', '$.info']) {
      expect(again.locate(path)).toEqual(first.locate(path));
    }
    expect(again.locate('$.workflows[0].steps[1].operationId')).toEqual({ line: 115, column: 5 });
    const edited = await readText(seedText.replace('version: 1.0.0', 'version: 1.0.1'), 'seed.yml');
    expect((edited.data as { info: { version: string } }).info.version).toBe('1.0.1');
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('stores no failure: every problem comes from the parser', async () => {
    const cacheDir = enableReadCache({ ARAZZO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'arazzo-cache-')) })!;
    for (let i = 0; i < 2; i++) {
      const err = await failure(readText('a: 1\na: 2\n', 'dup.yaml'));
      expect(err.problems?.map((p) => p.code)).toEqual(['YAML_DUPLICATE_KEY']);
    }
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('stores only plain JSON data: no cycle, no .inf', () => {
    const cacheDir = enableReadCache({ ARAZZO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'arazzo-cache-')) })!;
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    writeCached('x', 'cycle', cycle);
    writeCached('x', 'inf', { n: Number.POSITIVE_INFINITY });
    writeCached('x', 'long', { s: 'x'.repeat(100) }, 50);
    expect(readdirSync(cacheDir)).toEqual([]);
    writeCached('x', 'ok', { n: 1 });
    expect(readCached('x', 'ok')).toEqual({ n: 1 });
    expect(readCached('y', 'ok')).toBeUndefined();
  });

  it('keeps a self-contained description dereferenced, and reads one with external $refs afresh', async () => {
    const cacheDir = enableReadCache({ ARAZZO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'arazzo-cache-')) })!;
    const seed = join(import.meta.dirname, '..', 'workflows', 'hugging-face-deploy-inference-endpoint-workflow.yml');
    const fresh = await loadArazzo(seed);
    const entries = readdirSync(cacheDir).length;
    expect(entries).toBe(3); // the document, its self-contained description, and "its inputs schemas are clean"
    const cached = await loadArazzo(seed);
    const ops = (d: typeof fresh) => [...(d.sources.get('inferenceEndpointsApi') as { operations: unknown[] }).operations];
    expect(ops(cached)).toEqual(ops(fresh));
    expect(cached.warnings).toEqual(fresh.warnings);
    // pets-3.0.yaml $refs shared/schemas.yaml: its result depends on another file, so it is not kept.
    const pets = join(import.meta.dirname, 'fixtures', 'sources', 'workflows', 'main.arazzo.yaml');
    await loadArazzo(pets);
    const kinds = readdirSync(cacheDir).length - entries;
    expect(kinds).toBe(3); // main.arazzo.yaml, child.arazzo.yaml and one verdict for their (identical) inputs schemas, not pets-3.0.yaml
  });
});
