/**
 * `arazzo test`, in-process: files, directories and globs; dependsOn order; skipped workflows;
 * --parallel; --bail; reporters (pretty, json, junit parsed back) and --output; exit codes;
 * `run --check`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { fakeIo } from './cli-helpers.js';
import { fixture, petsApi } from './contract-helpers.js';
import { json, type Received, startServer, type TestServer } from './engine-helpers.js';

const SHOP = fixture('respect/shop.arazzo.yaml');
const PARALLEL = fixture('respect/parallel.arazzo.yaml');
const PETS = fixture('pets-3.0.arazzo.yaml');

/** The shop API: `itemsBroken` makes GET /items break its schema; the first `a` and `b` barrier requests wait for each other. */
const shop: { itemsBroken: boolean; logins: number; onBarrier?: (name: string) => void } = { itemsBroken: false, logins: 0 };
let waiting: { name: string; release: () => void } | undefined;
function shopApi(req: Received, res: ServerResponse): void {
  const path = new URL(req.url, 'http://x').pathname;
  const barrier = /^\/barrier\/(\w+)$/.exec(path)?.[1];
  if (path === '/login') json(res, 200, { token: `tok-${++shop.logins}` });
  else if (path === '/items') {
    if (req.headers['x-api-key'] !== SHOP_KEY) res.writeHead(401).end();
    else json(res, 200, shop.itemsBroken ? [{ sku: 'sku-1', price: 'free' }] : [{ sku: 'sku-1', price: 3 }]);
  } else if (path === '/orders') {
    if (/^Bearer tok-\d+$/.test(String(req.headers.authorization))) json(res, 201, { id: 'o-1', ...(JSON.parse(req.body) as object) });
    else res.writeHead(401).end();
  } else if (barrier) {
    shop.onBarrier?.(barrier);
    const answer = (): void => {
      res.writeHead(200).end();
    };
    if (seen.has(barrier)) answer();
    else {
      seen.add(barrier);
      if (waiting && waiting.name !== barrier) {
        waiting.release();
        waiting = undefined;
        answer();
      } else waiting = { name: barrier, release: answer };
    }
  } else res.writeHead(404).end();
}
const seen = new Set<string>();
/** The API key of the items, given with --auth shopKey=env:SHOP_KEY. */
const SHOP_KEY = 'shop-key-5f1c2e';

let shopServer: TestServer;
let petsServer: TestServer;
let dir: string;
beforeAll(async () => {
  shopServer = await startServer(shopApi);
  petsServer = await startServer(petsApi);
  dir = mkdtempSync(join(tmpdir(), 'arazzo-test-'));
});
afterAll(async () => {
  await Promise.all([shopServer.close(), petsServer.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  shop.itemsBroken = false;
  shopServer.requests.length = 0;
  petsServer.requests.length = 0;
});

async function arazzo(...argv: string[]) {
  const io = fakeIo({ NO_COLOR: '1', ARAZZO_CACHE_DIR: 'off', SHOP_KEY });
  const code = await cli(argv, io);
  return { code, out: io.out, err: io.err };
}
const shopServerFlag = () => ['--server', `shop-api=${shopServer.url}`, '--auth', 'shopKey=env:SHOP_KEY'];

describe('arazzo test: a file written in Respect style', () => {
  it('runs every workflow in dependsOn order, skips one without its inputs, and exits 0', async () => {
    const { code, err } = await arazzo('test', SHOP, ...shopServerFlag());
    expect(code).toBe(0);
    expect(err).toMatch(/^✔ login-flow {2}1 step {2}\d+ms$/m);
    expect(err).toMatch(/^✔ browse-items {2}1 step/m);
    expect(err).toMatch(/^✔ place-order {2}2 steps/m);
    expect(err).toContain('○ order-as-guest  skipped: missing required input guestEmail (add --input guestEmail=<string>)');
    expect(err).toContain('Workflows  3 passed, 0 failed, 1 skipped (4)');
    expect(err).toContain('Checks     none failed');
    // login-flow ran as a test, then again inside place-order (its prerequisite); the order came last.
    expect(shopServer.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /login', 'GET /items', 'POST /login', 'POST /orders']);
  });

  it('credentials: --auth for a scheme of the description, x-security taking a token from another workflow, never printed', async () => {
    const { code, out, err } = await arazzo('test', SHOP, ...shopServerFlag(), '--reporter', 'pretty', '--reporter', 'json', '--insecure');
    expect(code).toBe(0);
    const sent = Object.fromEntries(shopServer.requests.map((r) => [`${r.method} ${r.url}`, r.headers]));
    expect(sent['GET /items']?.['x-api-key']).toBe(SHOP_KEY);
    expect(sent['POST /orders']?.authorization).toMatch(/^Bearer tok-\d+$/);
    expect(err).toContain('warning: --insecure is on');
    for (const text of [out, err]) {
      expect(text).not.toContain(SHOP_KEY);
      expect(text).not.toMatch(/tok-\d/);
    }
    // Without the key the API answers 401, which listItems does not declare either.
    const keyless = await arazzo('test', SHOP, '--server', `shop-api=${shopServer.url}`, '--workflow', 'browse-items');
    expect(keyless.code).toBe(1);
    expect(keyless.err).toContain('✖ status  step list-items: HTTP 401 is not a status listItems declares (declared: 200; no default).');
  });

  it('a contract violation fails the workflow, names the step, the check and the path, and exits 1', async () => {
    shop.itemsBroken = true;
    const { code, err } = await arazzo('test', SHOP, ...shopServerFlag(), '--workflow', 'browse-items');
    expect(code).toBe(1);
    expect(err).toContain('✖ browse-items');
    expect(err).toContain('✖ schema  step list-items: Response body at $[0].price must be number (type), got "free" (response 200, application/json).');
    expect(err).toContain('Workflows  0 passed, 1 failed, 0 skipped (1)');
    expect(err).toContain('Checks     failed: schema 1');
  });

  it('--check schema=warn reports the violation and passes', async () => {
    shop.itemsBroken = true;
    const { code, err } = await arazzo('test', SHOP, ...shopServerFlag(), '--workflow', 'browse-items', '--check', 'schema=warn');
    expect(code).toBe(0);
    expect(err).toContain('⚠ schema  step list-items');
    expect(err).toContain('Checks     none failed; warnings: schema 1');
  });

  it('a workflow that depends on a failed one is skipped, not run', async () => {
    const { code, err } = await arazzo('test', SHOP, '--server', 'shop-api=http://127.0.0.1:9');
    expect(code).toBe(1);
    expect(err).toContain('○ place-order  skipped: depends on "login-flow", which failed');
  });
});

describe('arazzo test: scheduling', () => {
  it('--parallel runs independent workflows at the same time, a dependent one after its prerequisite', async () => {
    seen.clear();
    // wait-a and wait-b each wait at the barrier for the other: only running together lets them pass.
    const { code, err } = await arazzo('test', PARALLEL, ...shopServerFlag(), '--parallel', '2');
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(err).toContain('Workflows  3 passed, 0 failed, 0 skipped (3)');
    const order = shopServer.requests.map((r) => r.url);
    expect(order.indexOf('/items')).toBeGreaterThan(order.indexOf('/barrier/a'));
  });

  it('Ctrl-C cancels the requests in flight, skips what has not started, writes the reports and exits 130', async () => {
    seen.clear();
    waiting = undefined;
    let interrupt: ((signal: 'SIGINT') => void) | undefined;
    const base = fakeIo({ NO_COLOR: '1', ARAZZO_CACHE_DIR: 'off', SHOP_KEY });
    const io = {
      ...base,
      onInterrupt: (h: (signal: 'SIGINT') => void) => {
        interrupt = h;
        return () => undefined;
      },
    };
    // wait-a waits at the barrier for wait-b, which --parallel 1 never starts: only Ctrl-C ends it.
    shop.onBarrier = (name) => {
      if (name === 'a') interrupt?.('SIGINT');
    };
    const code = await cli(['test', PARALLEL, ...shopServerFlag(), '--reporter', 'pretty', '--reporter', 'json'], io);
    shop.onBarrier = undefined;
    expect(code).toBe(130);
    expect(base.err).toContain('Stopping (Ctrl-C): cancelling the requests in flight, then writing the reports…');
    const report = JSON.parse(base.out);
    expect(
      report.files[0].workflows.map((w: { status: string; error?: { code: string }; skipped?: { kind: string } }) => [
        w.status,
        w.error?.code ?? w.skipped?.kind,
      ]),
    ).toEqual([
      ['failed', 'RUN_CANCELLED'],
      ['skipped', 'cancelled'],
      ['skipped', 'cancelled'],
    ]);
  });

  it('--bail starts nothing after the first failure; the rest are skipped with the reason', async () => {
    const { code, err } = await arazzo('test', SHOP, '--server', 'shop-api=http://127.0.0.1:9', '--bail');
    expect(code).toBe(1);
    expect(err).toContain('✖ login-flow');
    expect(err).toContain('○ browse-items  skipped: not run: --bail after login-flow failed');
    expect(err).toMatch(/Workflows {2}0 passed, 1 failed, 3 skipped \(4\)/);
  });
});

describe('arazzo test: reporters', () => {
  it('junit: one testsuite per file, one testcase per workflow, failures and skips that say why', async () => {
    shop.itemsBroken = true;
    const out = join(dir, 'report.xml');
    const { code } = await arazzo(
      'test',
      SHOP,
      PETS,
      ...shopServerFlag(),
      '--server',
      `pets=${petsServer.url}/api`,
      '--input',
      'petId=3',
      '--output',
      `junit=${out}`,
    );
    expect(code).toBe(1);
    const xml = parseXml(readFileSync(out, 'utf8'));
    expect(xml.name).toBe('testsuites');
    expect(xml.attrs).toMatchObject({ tests: '8', failures: '2', skipped: '2' });
    const suites = xml.children.filter((c) => c.name === 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual([SHOP, PETS]);
    expect(suites[0]?.children.map((c) => [c.name, c.attrs.name])).toEqual([
      ['testcase', 'login-flow'],
      ['testcase', 'browse-items'],
      ['testcase', 'place-order'],
      ['testcase', 'order-as-guest'],
    ]);
    const browse = suites[0]?.children[1];
    const failure = browse?.children.find((c) => c.name === 'failure');
    expect(failure?.attrs.type).toBe('CONTRACT_RESPONSE_INVALID');
    expect(failure?.attrs.message).toBe(
      'step list-items: schema check failed: Response body at $[0].price must be number (type), got "free" (response 200, application/json).',
    );
    expect(failure?.text).toContain('step list-items: schema (error) at $[0].price: Response body at $[0].price must be number (type), got "free"');
    const skipped = suites[0]?.children[3]?.children[0];
    expect(skipped).toMatchObject({ name: 'skipped', attrs: { message: expect.stringContaining('missing required input guestEmail') } });
    const readPet = suites[1]?.children.find((c) => c.attrs.name === 'readPet');
    expect(readPet?.children[0]?.attrs.message).toContain('$.id must be integer');
    // Every testcase has a time in seconds.
    for (const s of suites) for (const t of s.children) if (t.name === 'testcase') expect(t.attrs.time).toMatch(/^\d+\.\d{3}$/);
  });

  it('json: the same data, one object on stdout; pretty still on stderr', async () => {
    const { code, out, err } = await arazzo('test', SHOP, ...shopServerFlag(), '--reporter', 'pretty', '--reporter', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.summary.workflows).toEqual({ total: 4, passed: 3, failed: 0, skipped: 1 });
    expect(report.files[0].file).toBe(SHOP);
    expect(report.files[0].workflows.map((w: { workflowId: string; status: string }) => [w.workflowId, w.status])).toEqual([
      ['login-flow', 'passed'],
      ['browse-items', 'passed'],
      ['place-order', 'passed'],
      ['order-as-guest', 'skipped'],
    ]);
    expect(report.files[0].workflows[3].skipped).toMatchObject({ kind: 'inputs', missing: ['guestEmail'] });
    expect(report.files[0].workflows[2].steps.map((s: { stepId: string }) => s.stepId)).toEqual(['login', 'create-order']);
    expect(err).toContain('Workflows  3 passed');
  });

  it('--output with a bare file goes to the only reporter; several reporters need a name', async () => {
    const out = join(dir, 'report.json');
    expect((await arazzo('test', SHOP, ...shopServerFlag(), '--reporter', 'json', '--output', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.workflows.passed).toBe(3);
    const both = await arazzo('test', SHOP, '--reporter', 'json', '--reporter', 'junit', '--output', out);
    expect(both).toMatchObject({ code: 2, err: expect.stringContaining('CLI_USAGE: --output') });
    expect(both.err).toContain('say which reporter writes to it, e.g. --output junit=');
  });

  it('two reporters on stdout, or an unknown reporter, are usage errors; nothing is sent', async () => {
    const twice = await arazzo('test', SHOP, ...shopServerFlag(), '--reporter', 'json', '--reporter', 'junit');
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('The json and junit reporters cannot both write to stdout; send one to a file, e.g. --output junit=report.xml.');
    const typo = await arazzo('test', SHOP, '--reporter', 'junt');
    expect(typo.err).toContain('"junt" is not a reporter (reporters: pretty, json, junit). Did you mean "junit"?');
    expect(shopServer.requests).toEqual([]);
  });
});

describe('arazzo test: what cannot be checked', () => {
  it('a pattern RE2 cannot run is named in a warning once, before the run', async () => {
    const { code, err } = await arazzo(
      'test',
      fixture('pets-more.arazzo.yaml'),
      '--server',
      `v31=${petsServer.url}/api`,
      '--server',
      `v20=${petsServer.url}/api`,
      '--workflow',
      'read31',
      '--input',
      'petId=1',
    );
    expect(code).toBe(0);
    const warnings = err.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning: .*pets-more\.arazzo\.yaml: getPet response 200 application\/json: pattern \/.*\/ cannot run on the linear-time regex engine \(RE2\), so it is not checked$/,
      ),
    ]);
    expect(err.indexOf('warning:')).toBeLessThan(err.indexOf('✔ read31'));
  });
});

describe('arazzo test: secrets', () => {
  it('a secret input quoted by a failed check is masked in every report', async () => {
    const out = join(dir, 'secret.xml');
    const io = fakeIo({ NO_COLOR: '1', ARAZZO_CACHE_DIR: 'off', REQ_ID: 'top-secret-request-id' });
    const code = await cli(
      [
        'test',
        PETS,
        '--workflow',
        'createPet',
        '--server',
        `pets=${petsServer.url}/api`,
        '--input-env',
        'requestId=REQ_ID',
        '--reporter',
        'pretty',
        '--reporter',
        'json',
        '--output',
        `junit=${out}`,
      ],
      io,
    );
    expect(code).toBe(1);
    const junit = readFileSync(out, 'utf8');
    for (const text of [io.err, io.out, junit]) {
      expect(text).toContain('X-Request-Id must match format');
      expect(text).not.toContain('top-secret-request-id');
    }
    expect(JSON.parse(io.out).files[0].workflows[0].checks[0].value).toBe('"***"');
    expect(petsServer.requests).toEqual([]);
  });
});

describe('arazzo test: exit 2 before anything is sent', () => {
  it('bad inputs, unknown inputs, workflows, sources and check names', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--input', 'nope=1'], /INPUT_UNKNOWN: No workflow under test declares the input "nope"/],
      [['--workflow', 'browse-item'], /WORKFLOW_NOT_FOUND: .*Did you mean "browse-items"\?/],
      [['--server', 'shop=http://x'], /SERVER_UNKNOWN_SOURCE/],
      [['--check', 'schemas=warn'], /CLI_USAGE: --check schemas=warn: "schemas" is not a check/],
      [['--check', 'schema=loud'], /the level of "schema" must be one of error, warn, off/],
      [['--parallel', '0'], /--parallel must be a whole number of at least 1/],
    ];
    for (const [flags, message] of cases) {
      const { code, err } = await arazzo('test', SHOP, ...shopServerFlag(), ...flags);
      expect({ flags, code, err }).toMatchObject({ code: 2, err: expect.stringMatching(message) });
    }
    const invalid = await arazzo('test', PETS, '--server', `pets=${petsServer.url}/api`, '--input', 'petId=x');
    expect(invalid).toMatchObject({ code: 2, err: expect.stringContaining('INPUT_COERCION') });
    expect(shopServer.requests).toEqual([]);
    expect(petsServer.requests).toEqual([]);
  });

  it('an invalid document among several: every problem printed, nothing run', async () => {
    const { code, err } = await arazzo('test', SHOP, fixture('pets-bad-levels.arazzo.yaml'), ...shopServerFlag());
    expect(code).toBe(2);
    expect(err).toMatch(/CHECKS_EXTENSION_INVALID: .*pets-bad-levels\.arazzo\.yaml:\d+:\d+: x-arazzo-checks "schemas" is not a check/);
    expect(shopServer.requests).toEqual([]);
  });
});

describe('arazzo test: files', () => {
  it('a directory contributes its *.arazzo.* files; a glob is expanded; both in a stable order', async () => {
    const byDir = await arazzo('test', fixture('respect'), ...shopServerFlag(), '--reporter', 'json', '--workflow', 'browse-items');
    expect(JSON.parse(byDir.out).files.map((f: { file: string }) => f.file)).toEqual([join(fixture('respect'), 'parallel.arazzo.yaml'), SHOP]);
    const byGlob = await arazzo('test', `${fixture('respect')}/s*.arazzo.yaml`, ...shopServerFlag(), '--reporter', 'json', '--workflow', 'browse-items');
    expect(JSON.parse(byGlob.out).files.map((f: { file: string }) => f.file)).toEqual([SHOP]);
    const none = await arazzo('test', `${fixture('respect')}/*.nothing`);
    expect(none).toMatchObject({ code: 2, err: expect.stringContaining('matches no file') });
    const empty = await arazzo('test', dir);
    expect(empty.err).toContain('holds no Arazzo document: a directory contributes the files named *.arazzo.yaml');
  });
});

describe('arazzo run --check', () => {
  /** `arazzo run` of readPet for pet 3, whose id is a string, with the flags given. */
  const readPet3 = (...flags: string[]) =>
    arazzo('run', PETS, '-w', 'readPet', '--input', 'petId=3', '--server', `pets=${petsServer.url}/api`, '--json', ...flags);

  it('turns the checks on for one run: the finding is in the --json report and the exit code is 1', async () => {
    const { code, out, err } = await readPet3('--check', 'all=error');
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.error.code).toBe('CONTRACT_RESPONSE_INVALID');
    expect(report.error.statusCode).toBe(200);
    expect(report.checks).toEqual([expect.objectContaining({ check: 'schema', path: '$.id', rule: 'type', level: 'error' })]);
    expect(err).toContain('schema check');
  });

  it('without --check, run checks nothing', async () => {
    const { code, out } = await readPet3();
    expect(code).toBe(0);
    expect(JSON.parse(out).checks).toBeUndefined();
  });

  it('a warning does not fail the run but is reported', async () => {
    const { code, out, err } = await readPet3('--check', 'schema=warn');
    expect(code).toBe(0);
    expect(JSON.parse(out).checks).toEqual([expect.objectContaining({ check: 'schema', level: 'warn' })]);
    expect(err).toContain('⚠ schema');
  });
});

// ------------------------------------------------------------------ a tiny XML reader for the JUnit report

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Elements, attributes and text of the XML the JUnit reporter writes (no DTD, no CDATA, no namespaces); throws on malformed input. */
function parseXml(source: string): XmlNode {
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(source);
  if (!decl) throw new Error('no XML declaration');
  let i = decl[0].length;
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const decodeEntities = (t: string) =>
    t.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_m, e: string) =>
      e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(Number(e.slice(1))),
    );
  while (i < source.length) {
    const top = stack[stack.length - 1] as XmlNode;
    if (source[i] !== '<') {
      const end = source.indexOf('<', i);
      const raw = source.slice(i, end < 0 ? source.length : end);
      if (/[<&](?!(lt|gt|amp|quot|apos|#\d+);)/.test(raw)) throw new Error(`unescaped markup in text: ${raw}`);
      top.text += decodeEntities(raw);
      i = end < 0 ? source.length : end;
      continue;
    }
    if (source.startsWith('</', i)) {
      const end = source.indexOf('>', i);
      const name = source.slice(i + 2, end);
      if (name !== top.name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      i = end + 1;
      continue;
    }
    const m = /^<([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/.exec(source.slice(i));
    if (!m) throw new Error(`malformed tag at ${i}: ${source.slice(i, i + 40)}`);
    const node: XmlNode = { name: m[1] as string, attrs: {}, children: [], text: '' };
    for (const a of (m[2] as string).matchAll(/([\w-]+)="([^"]*)"/g)) node.attrs[a[1] as string] = decodeEntities(a[2] as string);
    top.children.push(node);
    if (m[3] !== '/') stack.push(node);
    i += m[0].length;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  const elements = root.children;
  if (elements.length !== 1) throw new Error('not one root element');
  return elements[0] as XmlNode;
}

describe('the JUnit writer escapes what it quotes', () => {
  it('markup, quotes and control characters in names and messages stay well-formed', async () => {
    const { renderJunit } = await import('../src/cli/test-junit.js');
    const nasty = 'a<b>&"c\'\u0001\nd';
    const xml = renderJunit({
      files: [
        {
          file: nasty,
          unchecked: [],
          workflows: [
            { workflowId: nasty, status: 'failed', durationMs: 5, error: { code: 'STEP_FAILED', message: nasty, stepId: 's' }, checks: [], steps: [] },
          ],
        },
      ],
      summary: { workflows: { total: 1, passed: 0, failed: 1, skipped: 0 }, checks: { failed: {}, warned: {} }, durationMs: 5 },
    });
    const doc = parseXml(xml);
    const testcase = doc.children[0]?.children[0];
    expect(testcase?.attrs.name).toBe('a<b>&"c\'\uFFFD\nd');
    expect(testcase?.children[0]?.text).toBe('STEP_FAILED at step s: a<b>&"c\'\uFFFD\nd');
  });
});
