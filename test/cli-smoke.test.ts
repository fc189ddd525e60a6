/**
 * Smoke tests of the real executable: `node dist/cli/main.js`, built once by the global setup, in
 * its own process. They prove what in-process tests cannot: the bin starts, its exit status is the
 * command's exit code, output reaches the process's stdout and stderr, and real signals (Ctrl-C's
 * SIGINT, SIGTERM) cancel a run cleanly. Everything else about the CLI is tested in-process
 * (cli.test.ts, hostile-cli.test.ts and the other cli-*.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from './engine-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist', 'cli', 'main.js');
const JOBS = join(root, 'test', 'fixtures', 'cli', 'jobs.arazzo.yaml');
const INVALID = join(root, 'test', 'fixtures', 'cli', 'invalid.arazzo.yaml');
const TOKEN = 'sk-smoke-0d9e8f7a6b';

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start `arazzo <args…>`; `exited` resolves once the process has exited and its pipes are closed. */
function arazzo(args: string[]): { child: ChildProcess; exited: Promise<Exited> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ARAZZO_') && k !== 'FORCE_COLOR') env[k] = v;
  const child = spawn(process.execPath, [main, ...args], { cwd: root, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<Exited>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

/** A Jobs API: POST creates job-7; GET job-7 is ready; GET boom is a 500; GET hold is never answered. */
let server: TestServer;
/** Called when GET /api/jobs/hold arrives (the request is then in flight until the client gives up). */
let onHold: () => void = () => {};

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/jobs') return json(res, 201, { id: (JSON.parse(req.body) as { name: string }).name });
    if (req.url === '/api/jobs/job-7') return json(res, 200, { id: 'job-7', state: 'ready' });
    if (req.url === '/api/jobs/boom') return json(res, 500, { error: 'database unavailable' });
    if (req.url === '/api/jobs/hold') return onHold();
    json(res, 404, { error: 'not found' });
  });
});
afterAll(() => server.close());

const jobs = (...args: string[]) => ['run', JOBS, '--server', `jobsApi=${server.url}/api`, '--input', `token=${TOKEN}`, ...args];

describe('the arazzo executable', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    const r = await arazzo(['--help']).exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: arazzo <command> <file> \[options\]$/m);
    expect(r.stdout).toMatch(/^ {2}run {2,}Run a workflow/m);
    expect(r.stderr).toBe('');
  });

  it('exits 0 when the workflow succeeds, with exactly the --json report on stdout and progress on stderr', async () => {
    const r = await arazzo(jobs('--workflow', 'createAndWait', '--input', 'name=job-7', '--json')).exited;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ workflowId: 'createAndWait', status: 'succeeded', outputs: { jobId: 'job-7', state: 'ready' } });
    expect(r.stderr).toMatch(/✔ createJob {2}POST \/api\/jobs {2}201/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('exits 1 when the workflow runs and fails', async () => {
    const r = await arazzo(jobs('--workflow', 'failing', '--input', 'jobId=boom', '--json')).exited;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: { stepId: 'readJob', statusCode: 500 } });
    expect(r.stderr).toContain('failing failed at step readJob (HTTP 500)');
  });

  it('exits 2 on an invalid document and on bad usage, sending nothing', async () => {
    const before = server.requests.length;
    const invalid = await arazzo(['validate', INVALID]).exited;
    expect(invalid.code).toBe(2);
    expect(invalid.stdout).toMatch(/invalid\.arazzo\.yaml:13:9 {2}OPERATION_NOT_FOUND/);
    const usage = await arazzo(['run']).exited;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('needs the path or URL of an Arazzo document');
    const unknown = await arazzo(['rnu']).exited;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Did you mean "run"?');
    expect(server.requests.length).toBe(before);
  });

  it('Ctrl-C (SIGINT) aborts the request in flight, prints the summary and the --json report, exits 130', async () => {
    const { child, exited } = arazzo(jobs('--workflow', 'failing', '--input', 'jobId=hold', '--json'));
    // SIGINT once the server holds the request: the run is then waiting on the network.
    onHold = () => child.kill('SIGINT');
    const r = await exited;
    onHold = () => {};
    // A clean exit with the CLI's code, not death by the signal.
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Cancelling');
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: { code: 'RUN_CANCELLED' } });
  });

  it('SIGTERM (how CI and containers stop a process) ends the run the same way, with exit 143 and the trace written', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'arazzo-smoke-')), 'run.har');
    const { child, exited } = arazzo(jobs('--workflow', 'failing', '--input', 'jobId=hold', '--json', '--trace', trace));
    onHold = () => child.kill('SIGTERM');
    const r = await exited;
    onHold = () => {};
    expect(r.signal).toBeNull();
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('cancelled by SIGTERM');
    expect((JSON.parse(r.stdout) as { error: unknown }).error).toEqual({
      code: 'RUN_CANCELLED',
      message: 'The run was cancelled (SIGTERM).',
      workflowId: 'failing',
      stepId: 'readJob',
    });
    const har = JSON.parse(readFileSync(trace, 'utf8')) as { log: { entries: Array<{ response: { status: number } }> } };
    expect(har.log.entries.map((e) => e.response.status)).toEqual([0]);
  });
});
