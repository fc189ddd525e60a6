import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasBomb } from './hostile-yaml.js';
import { ArazzoError, DocumentError } from '../src/errors.js';
import { detectArazzoVersion, jsonPath, parseJsonPath, parseText, readDocument } from '../src/document/index.js';
import { validateDocument } from '../src/compile/validate.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/documents');
const seedPath = join(fixtures, 'hugging-face-deploy-inference-endpoint-workflow.yml');
const jsonPath_ = join(fixtures, 'spec/components.fixed.arazzo.json');

async function rejection(promise: Promise<unknown>): Promise<ArazzoError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ArazzoError);
    return error as ArazzoError;
  }
  throw new Error('expected the promise to reject');
}

function parseProblems(text: string): DocumentError {
  try {
    parseText(text, 'inline.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return error as DocumentError;
  }
  throw new Error('expected parseText to throw');
}

const minimal = `arazzo: 1.0.1
info:
  title: Tiny
  version: 1.0.0
sourceDescriptions:
  - name: api
    url: ./api.yaml
workflows:
  - workflowId: main
    steps:
      - stepId: only
        operationId: getThing
`;

describe('readDocument from files', () => {
  it('reads YAML and locates JSON paths at their key, 1-based', async () => {
    const doc = await readDocument(seedPath);
    expect(doc.location).toBe(seedPath);
    expect(doc.baseUri).toBe(pathToFileURL(seedPath).href);
    expect(doc.text).toContain('arazzo: 1.0.1');
    expect((doc.data as { workflows: Array<{ workflowId: string }> }).workflows[0]?.workflowId).toBe('deploy-inference-endpoint');
    expect(doc.locate('$.workflows')).toEqual({ line: 18, column: 1 });
    expect(doc.locate('$.workflows[0].steps[1].operationId')).toEqual({ line: 115, column: 5 });
    expect(doc.locate('$.workflows[0].steps[1]')).toEqual({ line: 110, column: 5 });
  });

  it('falls back to the deepest existing ancestor for a path that does not exist', async () => {
    const doc = await readDocument(seedPath);
    expect(doc.locate('$.workflows[0].steps[1].requestBody.payload')).toEqual({ line: 110, column: 5 });
  });

  it('resolves relative paths against the cwd option', async () => {
    const doc = await readDocument('hugging-face-deploy-inference-endpoint-workflow.yml', { cwd: fixtures });
    expect(doc.location).toBe(seedPath);
  });

  it('reads JSON with the same parser, so positions work there too', async () => {
    const doc = await readDocument(jsonPath_);
    expect((doc.data as { arazzo: string }).arazzo).toBe('1.0.1');
    expect(doc.locate('$.workflows[1].steps[0].operationId')).toEqual({ line: 15, column: 11 });
  });

  it('reads tab-indented JSON', () => {
    const doc = parseText('{\n\t"arazzo": "1.1.0",\n\t"info": {"title": "x", "version": "1"}\n}\n');
    expect(doc.data).toEqual({ arazzo: '1.1.0', info: { title: 'x', version: '1' } });
    expect(doc.locate('$.info.version')).toEqual({ line: 3, column: 25 });
  });

  it('keeps YAML 1.2 core scalars JSON-typed (no yes/no booleans, no timestamps)', () => {
    const doc = parseText('a: yes\nb: 2001-12-14\nc: 0x1F\nd: !!str 42\ne: ~\n');
    expect(doc.data).toEqual({ a: 'yes', b: '2001-12-14', c: 31, d: '42', e: null });
  });

  it('reports a missing file with DOCUMENT_NOT_FOUND', async () => {
    const error = await rejection(readDocument(join(fixtures, 'no-such-file.yaml')));
    expect(error.code).toBe('DOCUMENT_NOT_FOUND');
    expect(error.message).toContain('no-such-file.yaml');
  });

  it('refuses a file over the size cap with DOCUMENT_TOO_LARGE', async () => {
    const error = await rejection(readDocument(seedPath, { maxBytes: 1000 }));
    expect(error.code).toBe('DOCUMENT_TOO_LARGE');
    expect(error.message).toContain('limit of 1000 bytes');
  });

  it('throws every reading failure as a DocumentError carrying the reading code', async () => {
    const error = await rejection(readDocument(join(fixtures, 'no-such-file.yaml')));
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).problems).toMatchObject([{ code: 'DOCUMENT_NOT_FOUND', severity: 'error', file: join(fixtures, 'no-such-file.yaml') }]);
  });

  it('refuses a directory, a device and a FIFO without opening them, so nothing hangs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arazzo-doc-'));
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [
      [dir, 'directory'],
      ['/dev/zero', 'a device'],
      [fifo, 'a FIFO'],
    ] as const) {
      const error = await rejection(readDocument(path));
      expect(error.code).toBe('DOCUMENT_NOT_FOUND');
      expect(error.message).toContain(what);
    }
  });
});

describe('readDocument from memory', () => {
  it('uses an object as is, with <memory> as location and no positions', async () => {
    const data = { arazzo: '1.0.1' };
    const doc = await readDocument(data);
    expect(doc.data).toBe(data);
    expect(doc.location).toBe('<memory>');
    expect(doc.baseUri).toBe('<memory>');
    expect(doc.text).toBeUndefined();
    expect(doc.locate('$.arazzo')).toBeUndefined();
  });

  it('takes the base URI from $self, resolved against the retrieval URI', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arazzo-doc-'));
    const file = join(dir, 'wf.yaml');
    await writeFile(file, `$self: ../published/wf.arazzo.yaml\n${minimal.replace('1.0.1', '1.1.0')}`);
    const doc = await readDocument(file);
    expect(doc.baseUri).toBe(new URL('../published/wf.arazzo.yaml', pathToFileURL(file)).href);
    const absolute = await readDocument({ $self: 'https://example.com/a/wf.yaml' });
    expect(absolute.baseUri).toBe('https://example.com/a/wf.yaml');
  });
});

describe('YAML safety', () => {
  it('rejects a custom tag with its line and column', () => {
    const error = parseProblems('arazzo: 1.0.1\ninfo: !include ./info.yaml\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ code: 'YAML_TAG_NOT_ALLOWED', line: 2, column: 7, file: 'inline.yaml' });
    expect(error.problems[0]?.message).toContain('!include');
  });

  it('rejects non-JSON standard tags such as !!binary but accepts core tags', () => {
    const error = parseProblems('a: !!binary aGVsbG8=\nb: !!str 3\n');
    expect(error.problems.map((p) => [p.code, p.line])).toEqual([['YAML_TAG_NOT_ALLOWED', 1]]);
  });

  it('rejects duplicate keys with the position of the repeated key', () => {
    const error = parseProblems('arazzo: 1.0.1\ninfo:\n  title: a\n  title: b\n');
    expect(error.problems[0]).toMatchObject({ code: 'YAML_DUPLICATE_KEY', line: 4, column: 3 });
  });

  it('rejects keys that are collections', () => {
    const error = parseProblems('? [a, b]\n: 1\n');
    expect(error.problems[0]).toMatchObject({ code: 'YAML_KEY_NOT_SCALAR', line: 1, column: 3 });
  });

  it('reports syntax errors with a position', () => {
    const error = parseProblems('arazzo: 1.0.1\nworkflows: [\n');
    expect(error.problems[0]?.code).toBe('YAML_SYNTAX');
    expect(error.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports every parse problem at once', () => {
    const error = parseProblems('a: 1\na: 2\nb: !custom x\n');
    expect(error.problems.map((p) => p.code)).toEqual(['YAML_DUPLICATE_KEY', 'YAML_TAG_NOT_ALLOWED']);
    expect(error.code).toBe('DOCUMENT_INVALID');
    expect(error.message).toContain('inline.yaml');
  });
});

describe('readDocument from http(s)', () => {
  let server: Server;
  let base: string;
  const big = `${minimal}# ${'x'.repeat(4000)}\n`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/wf.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.end(minimal);
      } else if (req.url === '/big-declared.yaml') {
        res.writeHead(200, { 'content-length': Buffer.byteLength(big) });
        res.end(big);
      } else if (req.url === '/big-chunked.yaml') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 10; i++) res.write(big);
        res.end();
      } else if (req.url === '/hang.yaml') {
        res.writeHead(200);
        res.write('arazzo: ');
        // never ends: the client aborts
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('fetches and parses a URL, with the URL as location and base URI', async () => {
    const doc = await readDocument(new URL(`${base}/wf.yaml`));
    expect(doc.location).toBe(`${base}/wf.yaml`);
    expect(doc.baseUri).toBe(`${base}/wf.yaml`);
    expect(doc.locate('$.workflows[0].steps[0].operationId')).toEqual({ line: 12, column: 9 });
    const fromString = await readDocument(`${base}/wf.yaml`);
    expect(fromString.data).toEqual(doc.data);
  });

  it('turns a non-2xx answer into DOCUMENT_FETCH_FAILED', async () => {
    const error = await rejection(readDocument(`${base}/missing.yaml`));
    expect(error.code).toBe('DOCUMENT_FETCH_FAILED');
    expect(error.message).toContain('404');
  });

  it('enforces the size cap from content-length and while streaming', async () => {
    expect((await rejection(readDocument(`${base}/big-declared.yaml`, { maxBytes: 2000 }))).code).toBe('DOCUMENT_TOO_LARGE');
    expect((await rejection(readDocument(`${base}/big-chunked.yaml`, { maxBytes: 20_000 }))).code).toBe('DOCUMENT_TOO_LARGE');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    server.once('request', () => setImmediate(() => controller.abort()));
    const error = await rejection(readDocument(`${base}/hang.yaml`, { signal: controller.signal }));
    expect(error.code).toBe('DOCUMENT_FETCH_FAILED');
  });

  it('sends requests through a caller-supplied undici Dispatcher', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://workflows.example.test').intercept({ path: '/deploy.yaml', method: 'GET' }).reply(200, minimal);
    const doc = await readDocument('https://workflows.example.test/deploy.yaml', { dispatcher: agent });
    expect((doc.data as { workflows: unknown[] }).workflows).toHaveLength(1);
    await agent.close();
  });

  it('can use a WHATWG fetch instead', async () => {
    const seen: string[] = [];
    const fakeFetch = (async (url: URL | RequestInfo) => {
      seen.push(String(url));
      return new Response(minimal, { status: 200 });
    }) as typeof fetch;
    const doc = await readDocument('https://workflows.example.test/via-fetch.yaml', { fetch: fakeFetch });
    expect(seen).toEqual(['https://workflows.example.test/via-fetch.yaml']);
    expect((doc.data as { arazzo: string }).arazzo).toBe('1.0.1');
  });
});

describe('version selection (P1)', () => {
  it('maps 1.0.x and 1.1.x to their feature sets', () => {
    expect(detectArazzoVersion({ arazzo: '1.0.0' })).toBe('1.0');
    expect(detectArazzoVersion({ arazzo: '1.0.1' })).toBe('1.0');
    expect(detectArazzoVersion({ arazzo: '1.1.0' })).toBe('1.1');
    expect(detectArazzoVersion({ arazzo: '1.1.3-rc1' })).toBe('1.1');
  });

  it('rejects other versions, naming the supported ones', () => {
    for (const arazzo of ['2.0.0', '1.2.0', '1.0', undefined]) {
      let caught: unknown;
      try {
        detectArazzoVersion({ arazzo });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ArazzoError);
      expect((caught as ArazzoError).code).toBe('ARAZZO_VERSION_UNSUPPORTED');
      expect((caught as ArazzoError).message).toContain('1.0.x');
      expect((caught as ArazzoError).message).toContain('1.1.x');
    }
  });

  it('reports an unsupported version as the only problem, at the arazzo field', async () => {
    const doc = parseText(minimal.replace('arazzo: 1.0.1', 'arazzo: 3.0.0'), 'wf.yaml');
    const problems = await validateDocument(doc.data, doc);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ARAZZO_VERSION_UNSUPPORTED', severity: 'error', path: '$.arazzo', file: 'wf.yaml', line: 1, column: 1 }),
    ]);
    expect(problems[0]?.message).toContain("'3.0.0'");
  });

  it('explains an unquoted numeric version', async () => {
    const doc = parseText(minimal.replace('arazzo: 1.0.1', 'arazzo: 1.0'));
    expect((await validateDocument(doc.data))[0]?.message).toContain('quote it');
  });

  it('rejects a document that is not a mapping', async () => {
    expect((await validateDocument(['arazzo']))[0]).toMatchObject({ code: 'DOCUMENT_NOT_OBJECT', path: '$' });
  });
});

describe('JSON paths', () => {
  it('uses dots for identifiers and brackets for other keys', () => {
    expect(jsonPath(['workflows', 0, 'steps', 1, 'operationId'])).toBe('$.workflows[0].steps[1].operationId');
    expect(jsonPath(['workflows', 0, 'x-my key', "it's"])).toBe("$.workflows[0]['x-my key']['it\\'s']");
  });

  it('parses back what it builds', () => {
    const segments = ['components', 'parameters', 'page.size', 3, 'a'];
    expect(parseJsonPath(jsonPath(segments))).toEqual(segments);
    expect(parseJsonPath('workflows[0]')).toBeUndefined();
  });

  it('locates bracketed keys', () => {
    const doc = parseText('outputs:\n  x-a b: 1\n');
    expect(doc.locate(jsonPath(['outputs', 'x-a b']))).toEqual({ line: 2, column: 3 });
  });
});

describe('YAML 1.2 with the yaml package alone', () => {
  it('reads what real documents use: block scalars, flow collections, anchors, CRLF, quoted keys', () => {
    const text = [
      "a: |\n  line1\n   indented\nb: >-\n  fold\n  this\nc: { $ref: '#/c/d', x: [1, {y: z}] }",
      'd: &x 1\ne: *x\n\'200\': ok\n"q\\"k": 1\nf: 0x1F\ng: 1.0.0\nh: on\r\ni: ~',
    ].join('\n');
    expect(parseText(text).data).toEqual({
      a: 'line1\n indented\n',
      b: 'fold this',
      c: { $ref: '#/c/d', x: [1, { y: 'z' }] },
      d: 1,
      e: 1,
      '200': 'ok',
      'q"k': 1,
      f: 31,
      g: '1.0.0',
      h: 'on',
      i: null,
    });
  });

  it('keeps __proto__ an ordinary key, never the prototype', () => {
    const data = parseText('__proto__: {polluted: true}\n').data as Record<string, unknown>;
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects !!timestamp, !!set and other YAML 1.1 types as tags, not as values', () => {
    const error = parseProblems('a: !!timestamp 2001-12-14\nb: !!set {x}\nc: !!float 1.5\nd: !!int x\n');
    expect(error.problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['YAML_TAG_NOT_ALLOWED', 1, 4],
      ['YAML_TAG_NOT_ALLOWED', 2, 4],
      ['YAML_TAG_NOT_ALLOWED', 4, 4],
    ]);
    expect(error.problems[2]?.message).toContain('not a valid int');
  });

  it('reports one error for one indentation slip, not an error for every line after it', () => {
    const lines = readFileSync(seedPath, 'utf8').split('\n');
    lines[0] = ` ${lines[0]}`; // the first line indented by one space throws off everything below
    const error = parseProblems(lines.join('\n'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ code: 'YAML_SYNTAX', line: 2 });
  });

  it('keeps problems found before the first syntax error', () => {
    const error = parseProblems('a: 1\na: 2\nb: [\nc: d: e\n');
    expect(error.problems.map((p) => p.code)).toEqual(['YAML_DUPLICATE_KEY', 'YAML_SYNTAX']);
  });

  it('refuses an alias bomb (billion laughs) with YAML_ALIAS_LIMIT and its position', () => {
    const bomb = aliasBomb();
    const error = parseProblems(bomb);
    expect(error.problems.map((p) => [p.code, p.line])).toEqual([['YAML_ALIAS_LIMIT', 2]]);
    expect(error.problems[0]?.message).toMatch(/aliases/);
  });

  it('refuses deep nesting with DOCUMENT_TOO_DEEP, however deep, without a stack overflow', () => {
    for (const text of ['['.repeat(300) + ']'.repeat(300), '['.repeat(100_000) + ']'.repeat(100_000), `${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`]) {
      const error = parseProblems(text);
      expect(error.problems.map((p) => p.code)).toEqual(['DOCUMENT_TOO_DEEP']);
      expect(error.problems[0]?.line).toBe(1);
    }
    const block = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(parseProblems(`${block} 1\n`).problems[0]).toMatchObject({ code: 'DOCUMENT_TOO_DEEP', line: 256 });
    expect(parseText(`${'['.repeat(200)}${']'.repeat(200)}`).data).toBeDefined();
  });

  it('refuses a document that refers to itself through an alias', () => {
    expect(parseProblems('a: &a [*a]\n').problems.map((p) => p.code)).toEqual(['DOCUMENT_TOO_DEEP']);
  });
});
