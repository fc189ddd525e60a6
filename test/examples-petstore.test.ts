/**
 * The pet store example (examples/petstore) used the way the README tells a new user to: the
 * `arazzo` CLI (its entry function, in-process) and the library, against the example's own
 * node:http server, started as the README says in its own process on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callTool } from '../src/mcp/call.js';
import { prepareMcp } from '../src/mcp/command.js';
import { fakeIo, runCli } from './cli-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DOC = 'examples/petstore/petstore.arazzo.yaml';
const PASSWORD = 's3cret';

let server: ChildProcess;
let baseUrl: string;

async function startServer(): Promise<void> {
  // Retry-After 0 so that the 429 retry never waits for real.
  server = spawn(process.execPath, [join(root, 'examples', 'petstore', 'server.mjs'), '0', '--retry-after', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
  baseUrl = chunk.toString('utf8').split('\n')[0]!.trim();
}

async function requestsSeen(): Promise<number> {
  const res = await fetch(`${baseUrl}/_requests`);
  return ((await res.json()) as { count: number }).count;
}

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  const r = await runCli(args, { env: { NO_COLOR: '1', ...env }, ...(input !== undefined ? { stdin: input } : {}) });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

interface Report {
  workflowId: string;
  status: string;
  outputs: Record<string, unknown>;
  steps: { stepId: string; outcome: string; statusCode?: number; url?: string; action?: { name: string; type: string } }[];
  error?: { code: string; message: string; stepId?: string };
}

async function runJson(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ r: CliResult; report: Report }> {
  const r = await cli(['run', DOC, '--server', `petstore=${baseUrl}`, '--json', ...args], env, input);
  return { r, report: JSON.parse(r.stdout) as Report };
}

/** The example server, fresh for each test (its pets, ids and request count start over). */
function withServer(): void {
  beforeEach(startServer);
  afterEach(() => {
    server.kill();
  });
}

describe('pet store example: validate, list, graph', () => {
  it('validates clean (warnings only, exit 0)', async () => {
    const r = await cli(['validate', DOC]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('is valid');
  });

  it('lists the three workflows with defaults and the password as a required secret', async () => {
    const r = await cli(['list', DOC, '--json']);
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { workflowId: string; inputs: { name: string; required: boolean; default?: unknown; secret: boolean }[] }[];
    expect(list.map((w) => w.workflowId)).toEqual(['find-pets', 'sign-in', 'adopt-pet']);
    const adopt = list[2]!.inputs;
    expect(adopt.find((i) => i.name === 'password')).toMatchObject({ required: true, secret: true });
    expect(adopt.find((i) => i.name === 'quantity')).toMatchObject({ required: false, default: 1 });
  });

  it('graphs the goto, end and retry edges, the sub-workflow call and the dependsOn prerequisite', async () => {
    const r = await cli(['graph', DOC, '--workflow', 'adopt-pet']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('flowchart TD');
    expect(r.stdout).toMatch(/skipPhotoWithoutCaption: .*\| w2_s4/);
    expect(r.stdout).toMatch(/busy: retry ×2/);
    expect(r.stdout).toContain('calls sign-in');
    // adopt-pet dependsOn find-pets: the prerequisite is drawn and runs before adopt-pet starts.
    expect(r.stdout).toContain('subgraph w0["find-pets"]');
    expect(r.stdout).toContain('w0_done -.->|"dependsOn"| w2_start');
  });
});

describe('pet store example: find-pets', () => {
  withServer();

  it('sends query arrays per style/explode, reads the first pet as XML through xpath Selectors', async () => {
    const { r, report } = await runJson(['--workflow', 'find-pets']);
    expect(r.status).toBe(0);
    expect(report.status).toBe('succeeded');
    // status: form + explode repeats the key; tags: form without explode joins with commas.
    expect(report.outputs.query).toBe('?status=available&status=pending&tags=good&limit=10');
    expect(report.outputs).toMatchObject({ firstId: 1, firstName: 'Rex', firstStatus: 'available' });
    expect(report.steps.map((s) => [s.stepId, s.statusCode])).toEqual([
      ['search', 200],
      ['readAsXml', 200],
    ]);
  });

  it('takes array inputs as JSON on --input and from --inputs on stdin', async () => {
    const one = await runJson(['--workflow', 'find-pets', '--input', 'status=["sold"]', '--input', 'tags=[]']);
    expect(one.r.status).toBe(0);
    expect(one.report.outputs).toMatchObject({ firstName: 'Tom', firstStatus: 'sold' });

    const two = await runJson(['--workflow', 'find-pets', '--inputs', '-'], {}, JSON.stringify({ status: ['pending'], tags: ['bird'], limit: 1 }));
    expect(two.r.status).toBe(0);
    expect(two.report.outputs.firstName).toBe('Kiki');
  });

  it('ends successfully through the jsonpath end action when nothing matches', async () => {
    const { r, report } = await runJson(['--workflow', 'find-pets', '--input', 'status=["lost"]']);
    expect(r.status).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]!.action).toMatchObject({ name: 'nothingFound', type: 'end' });
    expect(report.outputs.firstName).toBeUndefined();
  });

  it('rejects a non-JSON array input with exit 2 and a hint, before any request', async () => {
    const r = await cli(['run', DOC, '--workflow', 'find-pets', '--server', `petstore=${baseUrl}`, '--input', 'status=sold']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('INPUT_COERCION');
    expect(r.stderr).toContain(`--input tags='["a","b"]'`);
    expect(await requestsSeen()).toBe(0);
  });
});

describe('pet store example: sign-in, a workflow that outputs a token', () => {
  withServer();

  it('gives the token in clear in --json (the caller asked for it) and masks it in progress, the summary and the trace', async () => {
    const har = join(mkdtempSync(join(tmpdir(), 'petstore-')), 'sign-in.har');
    const args = ['run', DOC, '-w', 'sign-in', '--server', `petstore=${baseUrl}`, '--input-env', 'password=PET_PASSWORD', '--verbose', '--trace', har];
    const text = await cli(args, { PET_PASSWORD: PASSWORD });
    const { r, report } = await runJson(['-w', 'sign-in', '--input-env', 'password=PET_PASSWORD'], { PET_PASSWORD: PASSWORD });
    expect(text.status).toBe(0);
    expect(r.status).toBe(0);
    const token = report.outputs.token as string;
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.outputs.cookie).toMatch(/^session=[0-9a-f-]+; Path=\/; HttpOnly$/);
    // The summary masks it and says where to get it; the login response (its header) is masked in the trace.
    expect(text.stderr).toMatch(/^ {2}token {3}\*\*\*$/m);
    expect(text.stderr).toContain('(*** hides a secret; --json prints the outputs in clear)');
    const trace = readFileSync(har, 'utf8');
    const login = (JSON.parse(trace) as { log: { entries: { response: { headers: { name: string; value: string }[] } }[] } }).log.entries[0]!;
    expect(login.response.headers.find((h) => h.name === 'x-auth-token')?.value).toBe('***');
    const shown = (JSON.parse(trace) as { log: { entries: unknown[] } }).log.entries;
    expect(shown).toHaveLength(1);
    for (const [where, out] of [
      ['stderr', text.stderr],
      ['trace', trace],
      ['--json without outputs', JSON.stringify({ ...report, outputs: undefined })],
    ]) {
      expect(out, where).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    }
  });

  it('as an MCP tool, the result a model sees masks the token', async () => {
    const { tools, context } = await prepareMcp(
      [DOC],
      { server: [`petstore=${baseUrl}`], 'input-env': ['password=PET_PASSWORD'] },
      fakeIo({ PET_PASSWORD: PASSWORD }),
    );
    const signIn = tools.find((t) => t.workflow.workflowId === 'sign-in')!;
    const result = await callTool(signIn, {}, context, { signal: new AbortController().signal, label: '#1' });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ token: '***', cookie: 'session=***; Path=/; HttpOnly' });
    expect(JSON.stringify(result)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});

describe('pet store example: adopt-pet', () => {
  withServer();

  it('signs in, creates, uploads multipart, retries the 429 and orders; secrets never leak', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'petstore-'));
    const har = join(dir, 'run.har');
    const { r, report } = await runJson(['--workflow', 'adopt-pet', '--input', 'petName=Nala', '--input-env', 'password=PET_PASSWORD', '--trace', har], {
      PET_PASSWORD: PASSWORD,
    });
    expect(r.status).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.outputs).toMatchObject({ petId: 4, photoUrl: '/photos/4.png', orderId: 'order-2', orderStatus: 'placed', firstFoundPet: 'Rex' });
    // dependsOn ran find-pets first; the order step appears once per execution.
    expect(report.steps.map((s) => `${s.stepId}:${s.statusCode ?? '-'}`)).toEqual([
      'search:200',
      'readAsXml:200',
      'login:200',
      'signIn:-',
      'addPet:201',
      'checkPet:200',
      'uploadPhoto:201',
      'order:429',
      'order:201',
    ]);
    expect(report.steps[7]!.action).toMatchObject({ name: 'busy', type: 'retry' });

    const trace = readFileSync(har, 'utf8');
    const entries = (
      JSON.parse(trace) as {
        log: { entries: { request: { method: string; url: string; headers: { name: string; value: string }[]; postData?: { text?: string } } }[] };
      }
    ).log.entries;
    expect(entries).toHaveLength(8);
    const upload = entries.find((e) => e.request.url.endsWith('/pets/4/photo'))!;
    expect(upload.request.headers.find((h) => h.name.toLowerCase() === 'content-type')!.value).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.request.postData?.text).toContain('name="caption"\r\n\r\nfirst day home\r\n');
    const order = entries.at(-1)!;
    expect(order.request.headers.find((h) => h.name === 'Idempotency-Key')!.value).toBe('adopt-4');
    expect(order.request.headers.find((h) => h.name === 'Cookie')!.value).toBe('***');
    const create = entries.find((e) => e.request.method === 'POST' && e.request.url.endsWith('/pets'))!;
    expect(create.request.headers.find((h) => h.name === 'Authorization')!.value).toBe('***');
    for (const text of [trace, r.stdout, r.stderr]) expect(text).not.toContain(PASSWORD);
  });

  it('skips the photo through the goto when the caption is empty', async () => {
    const { r, report } = await runJson([
      '--workflow',
      'adopt-pet',
      '--input',
      'petName=Bo',
      '--input',
      `password=${PASSWORD}`,
      '--input',
      'caption=',
      '--input',
      'quantity=3',
    ]);
    expect(r.status).toBe(0);
    const checkPet = report.steps.find((s) => s.stepId === 'checkPet')!;
    expect(checkPet.action).toMatchObject({ name: 'skipPhotoWithoutCaption', type: 'goto' });
    expect(report.steps.some((s) => s.stepId === 'uploadPhoto')).toBe(false);
    expect(report.outputs.photoUrl).toBeUndefined();
    expect(report.outputs.orderStatus).toBe('placed');
  });

  it('fails with exit 1 on a wrong password, naming the step, the criterion and what the server said', async () => {
    const r = await cli(['run', DOC, '--workflow', 'adopt-pet', '--server', `petstore=${baseUrl}`, '--input', 'petName=Nala', '--input', 'password=nope-nope']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('failed at step login of workflow sign-in (HTTP 401)');
    expect(r.stderr).toContain('CRITERION_FAILED');
    expect(r.stderr).toContain('wrong username or password');
    expect(r.stderr).not.toContain('nope-nope');
  });

  it('--dry-run validates the inputs, prints the first request and sends nothing', async () => {
    const r = await cli([
      'run',
      DOC,
      '--workflow',
      'adopt-pet',
      '--server',
      `petstore=${baseUrl}`,
      '--input',
      'petName=Nala',
      '--input',
      `password=${PASSWORD}`,
      '--dry-run',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`GET ${baseUrl}/pets?status=available&status=pending&tags=good&limit=10`);
    expect(await requestsSeen()).toBe(0);
  });

  it('suggests the right input name for a typo, with exit 2', async () => {
    const r = await cli(['run', DOC, '--workflow', 'adopt-pet', '--input', 'petname=Nala', '--input', 'password=x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Did you mean "petName"?');
  });

  it('runs from the library, as examples/petstore/embed.mjs does', () => {
    const run = spawnSync(process.execPath, ['examples/petstore/embed.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toContain('Error');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('adopt-pet succeeded');
    expect(run.stdout).toContain("orderStatus: 'placed'");
  });
});
