/**
 * End-to-end through the CLI's entry function (`cli(argv, io)`, what the `arazzo` executable runs)
 * against a Jobs API served on 127.0.0.1. The executable itself is exercised in cli-smoke.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../src/cli/cli.js';
import { fakeIo, runCli, type CliRun } from './cli-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => join(root, 'test', 'fixtures', 'cli', name);
const JOBS = fixture('jobs.arazzo.yaml');
const TOKEN = 'sk-test-7f3a9c2e5b1d';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Behaviour {
  /** Polls answered "queued" before "ready" (Infinity: never ready). */
  queuedPolls: number;
  /** Hold GET /jobs/* forever (to test Ctrl-C). */
  hang: boolean;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let behaviour: Behaviour;
let polls = 0;
let aborted = 0;
let onAbort: () => void = () => {};
/** Called when a GET /jobs/* is being held (behaviour.hang). */
let onHold: () => void = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const auth = req.headers.authorization ?? '';
      // A careless server that echoes the credential back in a header and the body.
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo-auth': auth });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && req.url === '/api/jobs') return json(201, { id: 'job-7', owner: auth });
      const m = /^\/api\/jobs\/([^/?]+)/.exec(req.url ?? '');
      if (req.method === 'GET' && m) {
        if (m[1] === 'boom') return json(500, { error: 'database unavailable', token: auth });
        if (behaviour.hang) {
          res.on('close', () => {
            aborted++;
            onAbort();
          });
          onHold();
          return;
        }
        polls++;
        return json(200, { id: m[1], state: polls > behaviour.queuedPolls ? 'ready' : 'queued' });
      }
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
  polls = 0;
  aborted = 0;
  behaviour = { queuedPolls: 2, hang: false };
});

function arazzo(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return runCli(args, opts);
}

const runJobs = (...extra: string[]) => ['run', JOBS, '--workflow', 'createAndWait', '--server', `jobsApi=${base}`, ...extra];

describe('arazzo run: failures in nested workflows', () => {
  const runNested = (childJobId: string) =>
    arazzo(['run', fixture('nested.arazzo.yaml'), '-w', 'parent', '--server', `jobsApi=${base}`, '--inputs', '-'], { stdin: childJobId });

  it('names the step that failed and the workflow it belongs to, for a child workflow that could not start', async () => {
    const r = await runNested('{"childJobId": 42}');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✖ parent failed at step child after 2 step executions/m);
    expect(r.stderr).toContain('INPUT_INVALID: Step "child" of workflow "parent" could not call workflow "readJob": Inputs of workflow "readJob" are invalid');
  });

  it('names the step of the child workflow when that step failed', async () => {
    const r = await runNested('{"childJobId": "boom"}');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✖ parent failed at step read of workflow readJob \(HTTP 500\) after 3 step executions/m);
  });
});

describe('arazzo run', () => {
  it('succeeds with exit 0 and prints exactly the --json report on stdout', async () => {
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo', '--json'));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(report).sort()).toEqual(['durationMs', 'outputs', 'status', 'steps', 'workflowId']);
    expect(report).toMatchObject({ workflowId: 'createAndWait', status: 'succeeded', outputs: { jobId: 'job-7', state: 'ready' } });
    const steps = report.steps as Array<Record<string, unknown>>;
    expect(steps.map((s) => s.stepId)).toEqual(['createJob', 'pollJob', 'pollJob', 'pollJob']);
    expect(steps[0]).toMatchObject({
      stepId: 'createJob',
      outcome: 'succeeded',
      statusCode: 201,
      workflowId: 'createAndWait',
      method: 'POST',
      url: `${base}/jobs`,
    });
    expect(typeof steps[0]!.durationMs).toBe('number');
    expect(steps[3]!.action).toMatchObject({ name: 'ready', type: 'end' });
    // progress went to stderr, one line per execution
    expect(r.stderr).toMatch(/✔ createJob {2}POST \/api\/jobs {2}201/);
    expect(r.stderr.match(/pollJob/g)!.length).toBeGreaterThanOrEqual(3);
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('prints a human summary with the outputs and keeps stdout empty without --json', async () => {
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo'), { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('✔ createAndWait succeeded (4 step executions');
    expect(r.stderr).toMatch(/Outputs:\n {2}jobId {2}job-7\n {2}state {2}ready\n/);
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('coerces --input values by the input schema type and reads --inputs from stdin', async () => {
    const r = await arazzo(
      runJobs(
        '--inputs',
        '-',
        '--input',
        'count=3',
        '--input',
        'urgent=true',
        '--input',
        'ratio=0.5',
        '--input',
        'tags=["a","b"]',
        '--input',
        'meta={"k":1}',
        '--input',
        'name=007',
      ),
      { stdin: JSON.stringify({ token: TOKEN, name: 'from-stdin', count: 1 }) },
    );
    expect(r.code).toBe(0);
    const create = seen.find((s) => s.method === 'POST')!;
    expect(JSON.parse(create.body)).toEqual({ name: '007', count: 3, urgent: true, ratio: 0.5, tags: ['a', 'b'], meta: { k: 1 } });
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('rejects an input that does not fit its type with exit 2, sending nothing', async () => {
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=x', '--input', 'count=many'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('INPUT_COERCION');
    expect(r.stderr).toContain('"count"');
    expect(seen).toHaveLength(0);
  });

  it('fails with exit 2 and a --json error report when a required input is missing, sending nothing', async () => {
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--json'));
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { status: string; steps: unknown[]; error: { code: string; message: string } };
    expect(report.status).toBe('failed');
    expect(report.steps).toEqual([]);
    expect(report.error.code).toBe('INPUT_INVALID');
    expect(report.error.message).toContain('name');
    expect(seen).toHaveLength(0);
  });

  it('takes --input-env values from the environment and never shows them in any output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-cli-'));
    const trace = join(dir, 'run.har');
    const r = await arazzo(runJobs('--input-env', 'token=JOBS_TOKEN', '--input', 'name=demo', '--verbose', '--json', '--trace', trace), {
      env: { JOBS_TOKEN: TOKEN },
    });
    expect(r.code).toBe(0);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const har = readFileSync(trace, 'utf8');
    for (const text of [r.stdout, r.stderr, har]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN.slice(3));
    }
    // --verbose did show the exchanges, masked
    expect(r.stderr).toContain(`→ POST ${base}/jobs`);
  });

  it('keeps secrets out of a failed run report and its error messages', async () => {
    const r = await arazzo(
      ['run', JOBS, '--workflow', 'failing', '--server', `jobsApi=${base}`, '--input-env', 'token=JOBS_TOKEN', '--input', 'jobId=boom', '--json'],
      {
        env: { JOBS_TOKEN: TOKEN },
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const report = JSON.parse(r.stdout) as { status: string; error: Record<string, unknown> };
    expect(report.status).toBe('failed');
    expect(report.error).toMatchObject({ stepId: 'readJob', statusCode: 500 });
    // the human explanation: which step, which status, which criterion, what the response said
    expect(r.stderr).toContain('failing failed at step readJob (HTTP 500)');
    expect(r.stderr).toContain('success criteria not met: $statusCode == 200');
    expect(r.stderr).toContain('response said: database unavailable');
  });

  it('names the variable when an --input-env variable is not set', async () => {
    const r = await arazzo(runJobs('--input-env', 'token=JOBS_TOKEN_UNSET', '--input', 'name=demo'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('JOBS_TOKEN_UNSET');
    expect(seen).toHaveLength(0);
  });

  it('sends to the --server override, and rejects an unknown source name with the list', async () => {
    const ok = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo'));
    expect(ok.code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /api/jobs', 'GET /api/jobs/job-7', 'GET /api/jobs/job-7', 'GET /api/jobs/job-7']);
    seen = [];
    const bad = await arazzo(['run', JOBS, '--workflow', 'createAndWait', '--server', `jobApi=${base}`, '--input', `token=${TOKEN}`, '--input', 'name=demo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SERVER_UNKNOWN_SOURCE');
    expect(bad.stderr).toContain('Did you mean "jobsApi"?');
    expect(seen).toHaveLength(0);
  });

  it('asks for --workflow when the document has several, listing the ids', async () => {
    const r = await arazzo(['run', JOBS, '--input', `token=${TOKEN}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('createAndWait, failing');
    const typo = await arazzo(['run', JOBS, '--workflow', 'createAndWiat']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean "createAndWait"?');
  });

  it('refuses an invalid document with exit 2 and every problem located', async () => {
    const r = await arazzo(['run', fixture('invalid.arazzo.yaml'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid\.arazzo\.yaml:13:9 {2}OPERATION_NOT_FOUND/);
    expect(r.stderr).toMatch(/invalid\.arazzo\.yaml:19:13 {2}STEP_NOT_FOUND/);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('DOCUMENT_INVALID');
  });

  it('stops a runaway poll loop at --max-steps with exit 1', async () => {
    behaviour.queuedPolls = Infinity;
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo', '--max-steps', '5', '--json'));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { steps: unknown[]; error: { code: string } };
    expect(report.steps.length).toBeLessThanOrEqual(5);
    expect(report.error.code).toBe('MAX_STEPS_EXCEEDED');
    expect(polls).toBeLessThanOrEqual(5);
  });

  it('--dry-run prints the first request fully resolved and sends nothing', async () => {
    const r = await arazzo(runJobs('--input-env', 'token=JOBS_TOKEN', '--input', 'name=demo', '--input', 'count=2', '--dry-run'), {
      env: { JOBS_TOKEN: TOKEN },
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(0);
    expect(r.stdout.split('\n')[0]).toBe(`POST ${base}/jobs`);
    expect(r.stdout).toMatch(/^Authorization: \S+$/m);
    expect(r.stdout).toContain('"count": 2');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('--dry-run cuts a URL of many KB (a long query input) in the human output, and --json keeps it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-cli-'));
    writeFileSync(
      join(dir, 'search.openapi.yaml'),
      'openapi: 3.0.3\ninfo: { title: search, version: "1" }\npaths:\n  /search:\n    get:\n      operationId: search\n      parameters: [{ name: q, in: query, schema: { type: string } }]\n      responses: { "200": { description: ok } }\n',
    );
    writeFileSync(
      join(dir, 'search.arazzo.yaml'),
      'arazzo: 1.0.1\ninfo: { title: search, version: "1" }\nsourceDescriptions: [{ name: api, url: search.openapi.yaml, type: openapi }]\nworkflows:\n  - workflowId: find\n    inputs: { type: object, properties: { q: { type: string } } }\n    steps: [{ stepId: search, operationId: search, parameters: [{ name: q, in: query, value: $inputs.q }] }]\n',
    );
    const q = 'x'.repeat(50_000);
    const argv = ['run', join(dir, 'search.arazzo.yaml'), '--server', `api=${base}`, '--input', `q=${q}`, '--dry-run'];
    const human = await arazzo(argv);
    expect(human.code).toBe(0);
    const [first] = human.stdout.split('\n');
    expect(first).toMatch(new RegExp(`^GET ${base}/search\\?q=x+…\\[\\+\\d+ chars\\]$`));
    expect(first!.length).toBeLessThan(300);
    expect(human.stdout.length).toBeLessThan(1_000);
    const json = await arazzo([...argv, '--json']);
    expect((JSON.parse(json.stdout) as { request: { url: string } }).request.url).toBe(`${base}/search?q=${q}`);
    expect(seen).toHaveLength(0);
  });

  it('--dry-run --json reports status "dry-run" (never "succeeded") with the request; --trace writes it as a HAR entry not sent', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'arazzo-cli-')), 'dry.har');
    const r = await arazzo(runJobs('--input-env', 'token=JOBS_TOKEN', '--input', 'name=demo', '--dry-run', '--json', '--trace', trace), {
      env: { JOBS_TOKEN: TOKEN },
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report).toMatchObject({ workflowId: 'createAndWait', status: 'dry-run', dryRun: true, outputs: {}, steps: [] });
    expect(report.durationMs).toEqual(expect.any(Number));
    expect(report.request).toMatchObject({ method: 'POST', url: `${base}/jobs`, headers: { Authorization: '***' } });
    const har = JSON.parse(readFileSync(trace, 'utf8')) as { log: { version: string; entries: Array<Record<string, any>> } };
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries).toHaveLength(1);
    const [entry] = har.log.entries;
    expect(entry).toMatchObject({
      request: { method: 'POST', url: `${base}/jobs`, postData: { mimeType: 'application/json' } },
      response: { status: 0, statusText: '', _error: 'Not sent: --dry-run.' },
      _workflowId: 'createAndWait',
      _stepId: 'createJob',
      _notSent: true,
      time: 0,
    });
    expect(JSON.parse(entry!.request.postData.text as string)).toMatchObject({ name: 'demo' });
    expect(JSON.stringify(har) + r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("--json gives the run's durationMs and each step's, and leaves statusCode out for a step that calls a workflow", async () => {
    const r = await arazzo(['run', fixture('nested.arazzo.yaml'), '-w', 'parent', '--server', `jobsApi=${base}`, '--inputs', '-', '--json'], {
      stdin: '{"childJobId": "job-7"}',
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { durationMs: number; steps: Array<Record<string, unknown>> };
    expect(Object.keys(report)).toEqual(['workflowId', 'status', 'durationMs', 'outputs', 'steps']);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.steps.map((s) => [s.stepId, typeof s.durationMs, 'statusCode' in s])).toEqual([
      ['create', 'number', true],
      ['read', 'number', true],
      ['child', 'number', false],
    ]);
    expect(r.stdout).not.toContain('null');
  });

  it('writes a HAR 1.2 trace of every exchange', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-cli-'));
    const trace = join(dir, 'trace.har');
    const r = await arazzo(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo', '--trace', trace, '--quiet'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const har = JSON.parse(readFileSync(trace, 'utf8')) as { log: { version: string; creator: { name: string }; entries: Array<Record<string, any>> } };
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator.name).toBe('arazzo');
    expect(har.log.entries).toHaveLength(seen.length);
    for (const e of har.log.entries) {
      expect(Number.isNaN(Date.parse(e.startedDateTime as string))).toBe(false);
      expect(typeof e.time).toBe('number');
      expect(e.request).toMatchObject({ httpVersion: expect.any(String), cookies: [], headersSize: -1 });
      expect(Array.isArray(e.request.headers)).toBe(true);
      expect(Array.isArray(e.request.queryString)).toBe(true);
      expect(e.response).toMatchObject({ status: expect.any(Number), content: { mimeType: expect.any(String) }, redirectURL: expect.any(String) });
      expect(e.cache).toEqual({});
      expect(e.timings).toMatchObject({ send: expect.any(Number), wait: expect.any(Number), receive: expect.any(Number) });
    }
    const post = har.log.entries[0]!;
    expect(post.request.method).toBe('POST');
    expect(post.request.postData.mimeType).toBe('application/json');
    expect(JSON.parse(post.request.postData.text as string)).toMatchObject({ name: 'demo' });
    expect(post.response.status).toBe(201);
    expect(JSON.stringify(har)).not.toContain(TOKEN);
  });

  it('cancels cleanly on Ctrl-C: aborts the request in flight, prints the summary, exits 130', async () => {
    behaviour.hang = true;
    const io = fakeIo();
    // Ctrl-C once the poll request is in flight: the server holds it and tells us.
    onHold = () => io.interrupt();
    const r = { code: await cli(runJobs('--input', `token=${TOKEN}`, '--input', 'name=demo', '--json'), io), stdout: io.out, stderr: io.err };
    onHold = () => {};
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('cancelled');
    const report = JSON.parse(r.stdout) as { status: string; error: { code: string } };
    expect(report.status).toBe('failed');
    expect(report.error.code).toBe('RUN_CANCELLED');
    // The held poll request was aborted by the client, not left dangling.
    if (aborted === 0) await new Promise<void>((res) => (onAbort = res));
    expect(aborted).toBe(1);
  });
});

describe('arazzo validate', () => {
  it('prints every problem as file:line:col  code  message  (json path) and exits 2', async () => {
    const r = await arazzo(['validate', fixture('invalid.arazzo.yaml')]);
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S*invalid\.arazzo\.yaml:13:9 {2}OPERATION_NOT_FOUND {2}.+ {2}\(\$\.workflows\[0\]\.steps\[0\]\.operationId\)$/);
    expect(lines[1]).toMatch(/:19:13 {2}STEP_NOT_FOUND {2}.+ {2}\(\$\.workflows\[0\]\.steps\[1\]\.onSuccess\[0\]\.stepId\)$/);
  });

  it('does not fail on warnings alone', async () => {
    const r = await arazzo(['validate', fixture('warning.arazzo.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning\.arazzo\.yaml:\d+:\d+ {2}EXPRESSION_BARE/);
    const ok = await arazzo(['validate', JOBS]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
  });
});
