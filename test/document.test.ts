import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArazzoError, DocumentError } from '../src/errors.js';
import { detectArazzoVersion, jsonPath, parseJsonPath, parseText, readDocument, validateDocument } from '../src/document/index.js';

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
    expect(error.message).toContain('1000-byte limit');
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

  it('reports an unsupported version as the only problem, at the arazzo field', () => {
    const doc = parseText(minimal.replace('arazzo: 1.0.1', 'arazzo: 3.0.0'), 'wf.yaml');
    const problems = validateDocument(doc.data, doc);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ARAZZO_VERSION_UNSUPPORTED', severity: 'error', path: '$.arazzo', file: 'wf.yaml', line: 1, column: 1 }),
    ]);
    expect(problems[0]?.message).toContain("'3.0.0'");
  });

  it('explains an unquoted numeric version', () => {
    const doc = parseText(minimal.replace('arazzo: 1.0.1', 'arazzo: 1.0'));
    expect(validateDocument(doc.data)[0]?.message).toContain('quote it');
  });

  it('rejects a document that is not a mapping', () => {
    expect(validateDocument(['arazzo'])[0]).toMatchObject({ code: 'DOCUMENT_NOT_OBJECT', path: '$' });
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

describe('fast YAML reader (start-up speed) agrees with the yaml package', () => {
  // [name, text, whether the fast reader takes it]. Anything it does not take goes to `yaml`.
  const cases: Array<[string, string, boolean]> = [
    ['scalars', 'a: 1\nb: -2\nc: 1.5\nd: 1.50\ne: 007\nf: +3\ng: 1.0.0\nh: 2024-01-01\ni: 3.0.3\n', true],
    ['booleans and nulls', 'a: true\nb: True\nc: FALSE\nd: yes\ne: on\nf: ~\ng: null\nh: NULL\ni:\n', true],
    ['numeric keys', "200: ok\n'404': nf\ntrue: t\n", true],
    ['block scalars', 'a: |\n  line1\n   indented\n\n  line3\nb: >\n  fold\n  this\n\n  para\nc: |-\n  strip\nd: >-\n  x\n  y\ne: 1\n', true],
    ['block scalar ends the file', 'a: >-\n  x\n  y', true],
    ['block scalar: comment-looking content and trailing blank lines', 'a: |\n  x\n  # content\n\n\n# comment\nb: 1\n', true],
    ['folded paragraphs', 'a: >\n  p1\n\n\n  p2\n  p2b\nb: 1\n', true],
    ['block scalars as sequence items', '- |\n  x\n- >-\n  y\n  z\n- 1\n', true],
    ['sequences', 'a:\n- 1\n- two\n- - x\n  - y\n- k: v\n  k2: v2\n-   spaced: 1\n    more: 2\nb: [1, \'a\', "b", {c: d}, []]\nc: {}\n', true],
    ['nested compact sequences', '- - - a\n    - b\n  - c\n- d\n', true],
    ['quoted', "a: 'it''s'\nb: \"tab\\tq\\\"x\\u00e9\\\\\"\nc: \"\\x41\"\nd: ''\ne: \"\"\nf: '#x'\n", true],
    ['comments', "# top\na: b # c\nc: d#e\nd: 'x' # y\n  # indented comment\ne:\n  # c\n  f: 1\n", true],
    ['colons in values', "a: http://x:80/y\nb: a:b\nc: 'a: b'\n", true],
    ['flow mappings', "a: { $ref: '#/c/d', x: [1, {y: z}], 'q': \"r\", url: http://a.b/c, n: -1 }\nb: {'x y': 1, \"z\": [true, null, ~]}\n", true],
    ['indentation changes', 'a:\n    b:\n        c: 1\n    d: 2\ne: 3\nf:\n  - 1\n  - 2\n', true],
    ['keys with spaces, trailing spaces', 'my key: v\n"q k": w\nkey  : v   \n', true],
    ['unicode', 'a: héllo ✓\nb: "\\u2713"\n', true],
    ['indicator-like plain scalars', "a: ?x\nb: :y\nc: -1\nd: <<\ne: it's #1\nf: a#b\n- x: 1\n".replace('- x: 1\n', ''), true],
    ['trailing spaces in block scalars', 'a: |\n  x  \n  y\nb: >\n  p  \n  q\n', true],
    ['quoted keys with escapes and empty keys', '"a\\"b": 1\n"": 2\n\'c\'\'d\': 3\n', true],
    ['flow collections as sequence items', '- [a, b]\n- {a: 1}\n- "q": 1\n  r: 2\n', true],
    ['CRLF line ends', "a: 1\r\nb:\r\n  - x # c\r\n  - {y: 1}\r\nc: |\r\n  l1\r\n\r\n  l2\r\nd: >-\r\n  f1\r\n  f2\r\ne: 'q'\r\n", true],
    ['keys that look like numbers', '1: a\n1.0.0: b\n1_000: c\n', true],
    // Left to the yaml package (valid YAML outside the subset):
    ['anchors', 'a: &x 1\nb: *x\n', false],
    ['tags', 'a: !!str 1\n', false],
    ['multi-line plain', 'a: foo\n  bar\nb: 1\n', false],
    ['multi-line quoted', "a: 'foo\n  bar'\n", false],
    ['multi-line flow', 'a: { b: 1,\n  c: 2 }\n', false],
    ['other numbers', 'a: 0x1F\nb: 1e3\nc: .inf\nd: 12345678901234567890\n', false],
    ['a key that is not a canonical number', '1.50: x\n', false],
    ['keep chomping', 'a: |+\n  x\n\nb: 1\n', false],
    ['indentation indicator', 'a: |2\n   x\n', false],
    ['more-indented folded line', 'a: >\n  x\n    y\n  z\n', false],
    ['document marker', '---\na: 1\n', false],
    ['a lone CR', 'a: 1\rb: 2\n', false],
    ['tab', 'a:\tb\n', false],
    ['__proto__ key', '__proto__: 1\n', false],
    ['complex key', '? a\n: b\n', false],
    ['JSON', '{"a": 1}\n', false],
    // Invalid YAML: never taken, so the yaml package reports it.
    ['duplicate key', 'a: 1\na: 2\n', false],
    ['nested mapping on one line', 'a: b: c\n', false],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', false],
    ['text after a quoted scalar', "a: 'x' y\n", false],
    ['text after a flow collection', 'a: [1, 2] x\n', false],
    ['reserved indicator', 'a: @x\n', false],
    ['sequence as a mapping value on the same line', 'a: 1\nb: - c\n', false],
  ];

  const paths = (value: unknown, segments: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
    out.push(segments);
    if (Array.isArray(value))
      value.forEach((v, i) => {
        paths(v, [...segments, i], out);
      });
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...segments, k], out);
    return out;
  };

  /** Data and the position of every path, from the yaml package (via the reference reader) and from the fast reader. */
  async function compare(text: string, expectFast: boolean, json = false) {
    const { fastParseYaml, fastParseJson, locateOffset, lineColumn } = await import('../src/document/fast-yaml.js');
    const { parseDocument, isMap, isSeq, isPair, isScalar } = await import('yaml');
    const fast = json ? fastParseJson(text, true) : fastParseYaml(text, true);
    expect(fast !== undefined).toBe(expectFast);
    if (!fast) return;
    const doc = parseDocument(text, { schema: 'core', customTags: [], uniqueKeys: true, strict: true });
    expect(doc.errors).toEqual([]);
    const data = doc.toJS({ maxAliasCount: 1000 });
    expect(JSON.stringify(fast.data)).toBe(JSON.stringify(data));
    expect(fast.data).toStrictEqual(data);
    const existing = paths(data);
    // Missing paths report their deepest existing ancestor, as with the yaml package.
    const all = [
      ...existing,
      ...existing.flatMap((p) => [
        [...p, '__missing__'],
        [...p, 999],
      ]),
    ];
    for (const segments of all) {
      let node: unknown = doc.contents;
      let offset = (doc.contents as { range?: number[] }).range?.[0];
      for (const s of segments) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(s));
          if (!pair) break;
          offset = (pair.key as { range?: number[] }).range?.[0];
          node = pair.value;
        } else if (isSeq(node) && typeof s === 'number') {
          const item = node.items[s];
          if (!item) break;
          node = item;
          offset = (node as { range?: number[] }).range?.[0];
        } else break;
      }
      const at = locateOffset(fast.positions!, segments);
      expect(at, JSON.stringify(segments)).toBe(offset);
      const { line, column } = lineColumn(text, undefined, at);
      expect(line).toBe(text.slice(0, at).split('\n').length);
      expect(column).toBe(at - text.lastIndexOf('\n', at - 1));
    }
  }

  it.each(cases)('%s', async (_name, text, expectFast) => {
    await compare(text, expectFast);
  });

  const jsonCases: Array<[string, string, boolean]> = [
    [
      'object',
      '{"arazzo": "1.0.1", "n": [1, -0, 2.5, 1e3, 12345678901234567890, true, false, null], "s": "a\\"b\\u00e9\\ud83d\\ude00\\/", "e": {}, "l": []}',
      true,
    ],
    ['pretty-printed with CRLF', '{\r\n  "a": {\r\n    "b": [\r\n      1,\r\n      {"c": "d"}\r\n    ]\r\n  },\r\n  "": 0\r\n}\r\n', true],
    ['array root, compact', '[{"a":1},[2,[3]],"x"]', true],
    ['escaped keys', '{"a\\u0062": 1, "a/b": 2, "~": 3}', true],
    ['duplicate key', '{"a": 1, "a": 2}', false],
    ['duplicate key after decoding', '{"a": 1, "\\u0061": 2}', false],
    ['tab', '{\t"a": 1}', false],
    ['colon on the next line', '{"a"\n: 1}', false],
    ['invalid JSON', '{"a": 1,}', false],
    ['scalar root', '"text"', false],
  ];
  it.each(jsonCases)('JSON: %s', async (_name, text, expectFast) => {
    await compare(text, expectFast, true);
  });

  it('reads every YAML file the project ships and tests with exactly like the yaml package', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const root = resolve(import.meta.dirname, '..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ya?ml|json)$/.test(name)) files.push(path);
      }
    };
    for (const dir of ['workflows', 'openapi', 'test/fixtures']) walk(join(root, dir));
    expect(files.length).toBeGreaterThan(20);
    let taken = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const { parseDocument } = await import('yaml');
      const valid = parseDocument(text, { uniqueKeys: true, strict: true }).errors.length === 0;
      const { fastParseYaml, fastParseJson } = await import('../src/document/fast-yaml.js');
      const json = file.endsWith('.json');
      const parse = json ? fastParseJson : fastParseYaml;
      if (!valid) expect(parse(text), file).toBeUndefined();
      else if (parse(text)) {
        taken++;
        await compare(text, true, json);
      }
    }
    // The shipped workflows and descriptions are all within the fast subset.
    expect(taken).toBeGreaterThan(files.length / 2);
  });

  it('keeps reporting YAML errors with their positions (through the yaml package)', () => {
    const err = (() => {
      try {
        parseText('a: 1\nb: 2\na: 3\n', '/x.yaml');
      } catch (e) {
        return e as DocumentError;
      }
      throw new Error('no error');
    })();
    expect(err.problems[0]).toMatchObject({ code: 'YAML_DUPLICATE_KEY', line: 3, column: 1 });
  });
});
