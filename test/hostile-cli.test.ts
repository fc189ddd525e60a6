/**
 * Hostile data through the whole command line (issue 9): secrets in every encoded form, deep and
 * `__proto__` responses, deep inputs, huge values in messages, SIGTERM and SIGHUP. The CLI runs
 * in-process against a careless API on 127.0.0.1 that echoes what it receives. A real SIGTERM to
 * the built executable is tested in cli-smoke.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { cliMessage } from '../src/cli/format.js';
import { jsonPreview, serialize, stringifyJson } from '../src/util/json.js';
import { CLEAR_LINE, ProgressRenderer, renderSummary } from '../src/cli/progress.js';
import { ReportBuilder } from '../src/cli/report.js';
import { MASK } from '../src/engine/mask.js';
import type { DelaySource, RunEvent } from '../src/engine/types.js';
import { truncateForMessage } from '../src/util/truncate.js';
import { fakeIo, stepFinishedEvent } from './cli-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DOC = join(root, 'test', 'fixtures', 'hostile', 'hostile.arazzo.yaml');
/** The secret of issue 9: `! ' ( ) *` are left alone by encodeURIComponent but escaped by RFC 3986. */
const SECRET = "s3cret*tok(en)'x!";
const DEPTH = 10_000;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
/** Called when a request to /data/hang arrives (the server never answers it). */
let onHang: () => void = () => {};
let hangClosed: Promise<void>;
let closeHang: () => void = () => {};

beforeAll(async () => {
  server = createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      const kind = /^\/data\/([^/?]+)/.exec(req.url ?? '')?.[1];
      const token = String(req.headers['x-token'] ?? '');
      switch (kind) {
        case undefined:
          return json(200, JSON.stringify({ url: req.url, headers: req.headers, body }));
        case 'deep':
          return json(200, `${'['.repeat(DEPTH)}${JSON.stringify(`echo ${token}`)}${']'.repeat(DEPTH)}`);
        case 'proto':
          return json(200, '{"__proto__":{"polluted":"yes"},"ok":1}');
        case 'todo':
          return json(200, '{"id":1,"title":"buy milk","message":"x","done":false}');
        case 'failedState':
          return json(200, '{"id":1,"title":"deploy","status":{"state":"failed","message":"GPU quota exceeded"},"done":false}');
        case 'missing':
          return json(404, '{"message":"no such todo"}');
        case 'hang':
          res.on('close', () => closeHang());
          onHang();
          return;
        default:
          return json(500, '{"error":"unexpected kind"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
  hangClosed = new Promise<void>((r) => (closeHang = r));
});

const tempDir = () => mkdtempSync(join(tmpdir(), 'arazzo-hostile-'));

/** Every string of a JSON value, keys included (what a reader of the file could see). */
function strings(value: unknown): string[] {
  const out: string[] = [];
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push(k, x);
  }
  return out;
}

function innermost(value: unknown): unknown {
  let v = value;
  while (Array.isArray(v)) v = v[0];
  return v;
}

describe('secrets in the encoded forms the engine sends', () => {
  it('are masked in progress, the --json report and the HAR trace, for path, query, cookie, header and form values', async () => {
    const trace = join(tempDir(), 'run.har');
    const io = fakeIo({ TOK: SECRET });
    const code = await cli(
      ['run', DOC, '-w', 'encodedSecret', '--server', `api=${base}`, '--input-env', 'apiToken=TOK', '--json', '--verbose', '--trace', trace],
      io,
    );
    expect(code).toBe(0);
    // The secret really went out, in its RFC 3986 form among others.
    const read = seen.find((s) => s.method === 'GET')!;
    expect(read.url).toContain('s3cret%2Atok%28en%29%27x%21');
    expect(read.headers['x-key']).toBe(SECRET);
    expect(seen.find((s) => s.method === 'POST')!.body).toBe(new URLSearchParams({ token: SECRET }).toString());

    const har = readFileSync(trace, 'utf8');
    const report = JSON.parse(io.out) as { steps: Array<{ url: string }>; outputs: { read: { headers: Record<string, string> } } };
    // The outputs echo the secret back: they are the user's, in clear; the rest of the report is masked.
    expect(report.outputs.read.headers['x-key']).toBe(SECRET);
    for (const [where, text] of [
      ['stderr', io.err],
      ['--json without its outputs', JSON.stringify({ ...report, outputs: undefined })],
      ['HAR', har],
      ['HAR strings', strings(JSON.parse(har)).join('\n')],
    ]) {
      expect(text, where).not.toContain('s3cret');
      expect(text, where).not.toContain('tok(en)');
      expect(text, where).not.toContain('tok%28en');
    }
    expect(report.steps[0]!.url).toBe(`${base}/items/***/.***/;matrix=***?q=***&r=***&list=a,***`);
    expect(io.err).toContain('GET /items/***/.***/;matrix=***?q=***&r=***&list=a,***');
  });
});

describe('deep and hostile responses', () => {
  it(`prints a ${DEPTH}-deep response in --json (in clear) and the summary (masked), with exit 0`, async () => {
    const io = fakeIo({ TOK: 'deep-s3cret-value' });
    const code = await cli(['run', DOC, '-w', 'data', '--server', `api=${base}`, '--input', 'kind=deep', '--input-env', 'apiToken=TOK', '--json'], io);
    expect(io.err).not.toContain('Maximum call stack');
    expect(code).toBe(0);
    const report = JSON.parse(io.out) as { status: string; outputs: { body: unknown } };
    expect(report.status).toBe('succeeded');
    expect(innermost(report.outputs.body)).toBe('echo deep-s3cret-value');
    let depth = 0;
    for (let v: unknown = report.outputs.body; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(DEPTH);
    expect(io.err).toContain('data succeeded');
    expect(io.err).not.toContain('deep-s3cret-value');
  });

  it('keeps a __proto__ member of a response as a member of the outputs', async () => {
    const io = fakeIo({ TOK: 'proto-s3cret-value' });
    const code = await cli(['run', DOC, '-w', 'data', '--server', `api=${base}`, '--input', 'kind=proto', '--input-env', 'apiToken=TOK', '--json'], io);
    expect(code).toBe(0);
    const body = (JSON.parse(io.out) as { outputs: { body: Record<string, unknown> } }).outputs.body;
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(body, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(io.err).toContain('{"__proto__":{"polluted":"yes"},"ok":1}');
  });
});

describe('deep inputs', () => {
  it('refuses a 200,000-level --inputs file with exit 2 and an error naming the file', async () => {
    const file = join(tempDir(), 'deep-inputs.json');
    writeFileSync(file, `{"kind":"x","meta":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const io = fakeIo();
    const code = await cli(['run', DOC, '-w', 'data', '--server', `api=${base}`, '--inputs', file, '--json'], io);
    expect(code).toBe(2);
    expect(io.err).toContain('INPUTS_FILE');
    expect(io.err).toContain(file);
    expect(io.err).toContain('1000 levels');
    expect((JSON.parse(io.out) as { error: { code: string } }).error.code).toBe('INPUTS_FILE');
    expect(seen).toHaveLength(0);
  });

  it('refuses a deeply nested --input value with exit 2', async () => {
    const io = fakeIo();
    const code = await cli(
      ['run', DOC, '-w', 'data', '--server', `api=${base}`, '--input', 'kind=x', '--input', `meta=${'['.repeat(5000)}${']'.repeat(5000)}`],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toContain('INPUT_COERCION');
    expect(io.err).toContain('"meta"');
    expect(seen).toHaveLength(0);
  });
});

describe('huge values in messages', () => {
  it('bounds a 1 MB query value in progress, the summary and the --json report, with a visible mark', async () => {
    // A port nobody listens on: the connection error quotes the request's URL.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const big = 'q'.repeat(1_000_000);
    const io = fakeIo();
    const code = await cli(['run', DOC, '-w', 'data', '--server', `api=http://127.0.0.1:${port}`, '--input', 'kind=x', '--input', `q=${big}`, '--json'], io);
    expect(code).toBe(1);
    expect(io.err.length).toBeLessThan(5000);
    expect(io.out.length).toBeLessThan(20_000);
    const report = JSON.parse(io.out) as { error: { code: string; message: string }; steps: Array<{ url: string }> };
    expect(report.error.code).toBe('HTTP_CONNECTION');
    expect(report.error.message).toMatch(/q{50}…\[\+\d+ chars\]/);
    expect(report.error.message).toContain('Check that the server is reachable');
    expect(report.steps[0]!.url).toMatch(/…\[\+\d+ chars\]$/);
    expect(io.err).toMatch(/…\[\+\d+ chars\]/);
  });
});

describe('what a failed response said', () => {
  const check = async (kind: string) => {
    const io = fakeIo();
    const code = await cli(['run', DOC, '-w', 'check', '--server', `api=${base}`, '--input', `kind=${kind}`], io);
    expect(code).toBe(1);
    return io.err;
  };

  it('is not a data field of a successful body', async () => {
    const err = await check('todo');
    expect(err).toContain('CRITERION_FAILED');
    expect(err).not.toContain('response said');
    expect(err).toContain('  response: {"id":1,"title":"buy milk"');
  });

  it('is the message beside a failed state of a successful body, or the message of an error response', async () => {
    expect(await check('failedState')).toContain('response said: GPU quota exceeded');
    expect(await check('missing')).toContain('response said: no such todo');
  });
});

describe('SIGTERM and SIGHUP', () => {
  it('SIGHUP aborts the request in flight, then writes the summary, the --json report and the trace, and exits 129', async () => {
    const trace = join(tempDir(), 'run.har');
    const io = fakeIo();
    onHang = () => io.interrupt('SIGHUP');
    const code = await cli(['run', DOC, '-w', 'data', '--server', `api=${base}`, '--input', 'kind=hang', '--json', '--trace', trace], io);
    onHang = () => {};
    expect(code).toBe(129);
    await hangClosed;
    const report = JSON.parse(io.out) as { status: string; error: { code: string; message: string } };
    expect(report.status).toBe('failed');
    expect(report.error.code).toBe('RUN_CANCELLED');
    expect(report.error.message).toBe('The run was cancelled (SIGHUP).');
    expect(io.err).toContain('cancelled by SIGHUP');
    expect(io.err).not.toContain('AbortSignal');
    const har = JSON.parse(readFileSync(trace, 'utf8')) as { log: { entries: Array<{ response: { status: number; _error?: string } }> } };
    expect(har.log.entries).toHaveLength(1);
    expect(har.log.entries[0]!.response).toMatchObject({ status: 0, _error: 'The run was cancelled (SIGHUP).' });
  });
});

// ------------------------------------------------------------------ renderers

const ev = { runId: 'r1' };

const finished = stepFinishedEvent;

function response(stepId: string, statusCode: number, headers: Record<string, string>): RunEvent {
  const request = { method: 'GET', url: 'http://127.0.0.1:1/api/jobs/7', headers: {} };
  return {
    ...ev,
    type: 'response.received',
    time: 0,
    workflowId: 'wf',
    stepId,
    request,
    response: { statusCode, headers, body: '' },
    durationMs: 5,
    startedAt: 0,
  };
}

const delay = (stepId: string, ms: number, source: DelaySource, retryAfter?: string): RunEvent => ({
  ...ev,
  type: 'delay.started',
  time: 0,
  workflowId: 'wf',
  stepId,
  ms,
  reason: source === 'x-delay' ? 'step-delay' : 'retry',
  source,
  ...(retryAfter !== undefined ? { retryAfter } : {}),
});

describe('progress', () => {
  it('--verbose shows request and response headers, as the engine masked them', () => {
    const r = new ProgressRenderer({ tty: false, color: false, verbose: true, quiet: false });
    const request = { method: 'GET', url: 'http://127.0.0.1:1/api/jobs/7', headers: { Authorization: MASK, Accept: 'application/json' } };
    const text =
      r.onEvent({ ...ev, type: 'request.sent', time: 0, workflowId: 'wf', stepId: 's', request }) +
      r.onEvent({ ...response('s', 200, { 'content-type': 'application/json', 'set-cookie': MASK }) });
    expect(text.split('\n')).toEqual([
      '  → GET http://127.0.0.1:1/api/jobs/7',
      `      Authorization: ${MASK}`,
      '      Accept: application/json',
      '  ← 200 5ms',
      '      content-type: application/json',
      `      set-cookie: ${MASK}`,
      '',
    ]);
  });

  it('in a terminal, fits the line it rewrites to the width, so a poll shows one line counting every execution', () => {
    const r = new ProgressRenderer({ tty: true, color: true, verbose: false, quiet: false, columns: () => 60 });
    const long = { url: `http://127.0.0.1:1/api/jobs/${'7'.repeat(80)}`, action: { name: 'again', type: 'goto', stepId: 'pollJob' } };
    const text = [finished('pollJob', 0, long), finished('pollJob', 1000, long), finished('pollJob', 2000, long)].map((e) => r.onEvent(e)).join('') + r.flush();
    const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    const frames = text.split(CLEAR_LINE).map((f) => visible(f).replace(/\n$/, ''));
    // The first execution's line is replaced, not left above: it never wraps onto a second row.
    for (const frame of frames) expect(frame.length).toBeLessThan(60);
    expect(frames[0]).toMatch(/^✔ pollJob {2}GET \/api\/jobs\/7+…$/);
    expect(frames.at(-1)).toBe('✔ pollJob  3 polls  2.0s');
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it("says when a retry waits what the response's Retry-After header asks instead of retryAfter, as the engine's event says", () => {
    const retry = { outcome: 'failed' as const, statusCode: 429, action: { name: 'busy', type: 'retry' } };
    const plain = new ProgressRenderer({ tty: false, color: false, verbose: false, quiet: false });
    // The event alone says where the wait comes from: no response needs to be seen (a resumed run has none).
    expect(plain.onEvent(delay('s', 30_000, 'retry-after', '30'))).toBe('  ↻ retrying in 30s (Retry-After: 30)\n');
    const text = [response('s', 429, { 'retry-after': '30' }), finished('s', 0, retry), delay('s', 30_000, 'retry-after', '30')]
      .map((e) => plain.onEvent(e))
      .join('');
    expect(text).toContain('  ↻ retrying in 30s (Retry-After: 30)\n');
    const own = [response('s', 429, { 'retry-after': 'soon' }), finished('s', 0, retry), delay('s', 2000, 'retryAfter')].map((e) => plain.onEvent(e)).join('');
    expect(own).toContain('  ↻ retrying in 2s (retryAfter)\n');
    // x-delay waits stay a --verbose detail; in a terminal the note joins the open line.
    expect(plain.onEvent(delay('s', 5000, 'x-delay'))).toBe('');
    const tty = new ProgressRenderer({ tty: true, color: false, verbose: false, quiet: false });
    const line = [response('s', 429, { 'Retry-After': '7' }), finished('s', 0, retry), delay('s', 7000, 'retry-after', '7')]
      .map((e) => tty.onEvent(e))
      .join('');
    expect(line.split(CLEAR_LINE).at(-1)).toMatch(/ {2}↻ retrying in 7s \(Retry-After: 7\)$/);
    expect(line).not.toContain('\n');
  });
});

describe('CLI wording of engine messages', () => {
  it('says --timeout, --max-steps and Ctrl-C instead of library options, in the summary and the --json report', () => {
    const timeout = 'The run exceeded its timeout of 5000 ms; raise limits.timeoutMs (--timeout) if the workflow needs longer.';
    expect(cliMessage(timeout)).toBe('The run exceeded its timeout of 5000 ms; raise --timeout if the workflow needs longer.');
    expect(cliMessage('The run reached its limit of 5 step executions; raise limits.maxSteps (--max-steps) or fix the loop.')).toContain(
      'raise --max-steps or',
    );
    expect(cliMessage('The run was cancelled by its AbortSignal.')).toBe('The run was cancelled (Ctrl-C).');
    expect(cliMessage('The run was cancelled by its AbortSignal.', 'SIGTERM')).toBe('The run was cancelled (SIGTERM).');
    expect(cliMessage('GET http://h/x got no complete response within 30000 ms; raise limits.requestTimeoutMs if the API is slow.')).toBe(
      'GET http://h/x got no complete response within 30000 ms (the limit for one request).',
    );
    const result = { workflowId: 'wf', status: 'failed' as const, outputs: {}, error: { code: 'RUN_TIMEOUT', message: timeout, limit: 5000 } };
    const summary = renderSummary({ ...result, stepExecutions: 1, durationMs: 5000 }, { color: false, quiet: false });
    expect(summary).toContain('raise --timeout');
    expect(summary).not.toContain('limits.');
    const report = new ReportBuilder().build(result);
    expect(report.error?.message).toContain('raise --timeout');
  });

  it('cuts long values inside a message and keeps the words around them', () => {
    const message = `GET http://h/x?q=${'a'.repeat(10_000)} failed: ECONNRESET. Check that the server is reachable.`;
    const shown = cliMessage(message);
    expect(shown).toMatch(/^GET http:\/\/h\/x\?q=a+…\[\+\d+ chars\] failed: ECONNRESET\. Check that the server is reachable\.$/);
    expect(shown.length).toBeLessThan(300);
  });
});

describe('truncateForMessage', () => {
  it('keeps short values and marks how much of a long one was left out', () => {
    expect(truncateForMessage('short', 10)).toBe('short');
    expect(truncateForMessage('x'.repeat(52_428_800), 88)).toBe(`${'x'.repeat(88)}…[+52428712 chars]`);
    // A surrogate pair is never cut in two.
    expect(truncateForMessage(`ab${'😀'.repeat(5)}`, 3)).toBe('ab…[+10 chars]');
  });
});

describe('JSON output of deep values', () => {
  it("gives JSON.stringify's text for any value, and the same text past the depth where JSON.stringify overflows", () => {
    const samples: unknown[] = [
      { a: [1, 'two', null, true, { b: undefined, c: () => 1 }], d: new Date(0), e: [undefined, Number.NaN, -0, 1e21] },
      [],
      {},
      'text "quoted"\n',
      { nested: { empty: [], obj: {} }, s: Symbol('x') },
      JSON.parse('{"__proto__":{"x":1},"k":"v"}'),
    ];
    for (const value of samples) {
      for (const indent of [undefined, 2]) expect(serialize(value, indent, Number.POSITIVE_INFINITY)).toBe(JSON.stringify(value, null, indent));
    }
    expect(serialize(undefined, undefined, Number.POSITIVE_INFINITY)).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => serialize(cyclic, undefined, Number.POSITIVE_INFINITY)).toThrow(TypeError);

    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = stringifyJson(deep) as string;
    expect(text.length).toBe(100_000 * 2 + 50_000 * 4 + '"bottom"'.length);
    expect(text.slice(0, 12)).toBe('[{"k":[{"k":');
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('previews the start of a huge value without serialising all of it', () => {
    const huge = { items: Array.from({ length: 200_000 }, (_, i) => ({ i })), s: 'x'.repeat(5_000_000) };
    const preview = jsonPreview(huge, 50) as string;
    expect(preview.length).toBeLessThan(100);
    expect(preview.startsWith('{"items":[{"i":0},{"i":1}')).toBe(true);
    expect(jsonPreview({ s: 'y'.repeat(1_000_000) }, 20)!.length).toBeLessThan(40);
  });
});

describe('--json report of a failure', () => {
  it('bounds what a failed criterion quotes', () => {
    const long = `cannot compare ${'v'.repeat(100_000)}`;
    const report = new ReportBuilder().build({
      workflowId: 'wf',
      status: 'failed',
      outputs: {},
      error: { code: 'CRITERION_FAILED', message: 'failed', failedCriteria: [{ condition: '$x == 1', error: long }, { condition: '$y' }] },
    });
    const criteria = report.error?.failedCriteria as Array<{ condition: string; error?: string }>;
    expect(criteria[0]!.error).toMatch(/^cannot compare v{200}…\[\+99800 chars\]$/);
    expect(criteria[1]).toEqual({ condition: '$y' });
  });
});
