/**
 * Checkpoint in one process, resume in another: a run stopped after k step executions (its
 * checkpoint written to a file, then the process exits) and resumed by a second `node` process
 * from that file ends exactly like an uninterrupted run: same status, outputs, step records and
 * requests seen by the server. The children run the built package (dist/, built by the global setup)
 * on a ManualClock. Two stops cross a process boundary (a wait pending inside a child workflow, and
 * a Retry-After wait); every other stop is checked in this process, from its checkpoint as text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/engine/clock.js';
import { runWorkflow } from '../src/engine/run.js';
import type { RunResult, StepRecord } from '../src/engine/types.js';
import { loadArazzo } from '../src/load.js';
import { json, startServer, type Received, type TestServer } from './engine-helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = join(root, 'test', 'fixtures', 'engine', 'resume', 'run-child.mjs');
const CLOCK_START = 1_800_000_000_000;
const TOKEN = 'tok-resume-5ecret';

interface ChildOutput {
  records: Array<Record<string, unknown>>;
  result?: { status: string; outputs: Record<string, unknown>; error?: { code: string }; stepExecutions: number; durationMs: number };
  clock: number;
  stdout: string;
}

function runChild(args: string[]): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
      const out: ChildOutput = { records: [], clock: NaN, stdout };
      for (const line of stdout.split('\n').filter(Boolean)) {
        const v = JSON.parse(line) as { record?: Record<string, unknown>; result?: ChildOutput['result']; clock?: number };
        if (v.record) out.records.push(v.record);
        if (v.result) out.result = v.result;
        if (v.clock !== undefined) out.clock = v.clock;
      }
      resolve(out);
    });
  });
}

/** A Jobs API whose answers depend only on how many requests of each kind it has seen. */
async function jobsServer(): Promise<TestServer & { reset(): void }> {
  let polls = 0;
  let results = 0;
  const server = await startServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/jobs') return json(res, 201, { id: 'job-7', name: (JSON.parse(req.body) as { name: string }).name });
    if (req.url === '/v1/jobs/job-7') {
      polls += 1;
      return json(res, 200, { state: ['pending', 'pending', 'initializing'][polls - 1] ?? 'ready', polls });
    }
    if (req.url === '/v1/jobs/job-7/result') {
      results += 1;
      if (results <= 2) return json(res, 503, { error: 'not yet' }, { 'retry-after': '3' });
      return json(res, 200, { answer: 42 });
    }
    return json(res, 404, {});
  });
  return {
    ...server,
    reset() {
      polls = 0;
      results = 0;
      server.requests.length = 0;
    },
  };
}

const seen = (requests: Received[]) => requests.map((r) => ({ method: r.method, url: r.url, body: r.body, authorization: r.headers.authorization }));

describe('resume in another process', () => {
  let server: Awaited<ReturnType<typeof jobsServer>>;
  let reference: Awaited<ReturnType<typeof runHere>>;
  let referenceRequests: ReturnType<typeof seen>;

  beforeAll(async () => {
    server = await jobsServer();
    // The uninterrupted run needs no process of its own: run here, it is the same run.
    reference = await runHere(server.url, CLOCK_START);
    referenceRequests = seen(server.requests);
    return () => server.close();
  }, 120_000);

  it('the uninterrupted run polls in a child workflow, retries on 503 and succeeds', () => {
    expect(reference.result).toMatchObject({ status: 'succeeded', outputs: { id: 'job-7', state: 'ready', polls: 4, answer: 42 }, stepExecutions: 9 });
    expect(reference.records.map((r) => r.stepId)).toEqual(['create', 'poll', 'poll', 'poll', 'poll', 'wait', 'result', 'result', 'result']);
    // 3 x-delays of 5 s, then 2 Retry-After waits of 3 s, on the manual clock.
    expect(reference.clock - CLOCK_START).toBe(21_000);
    expect(referenceRequests).toHaveLength(8);
    expect(referenceRequests[0]).toMatchObject({ method: 'POST', body: '{"name":"gpt-job"}', authorization: `Bearer ${TOKEN}` });
  });

  // Stopped after the k-th request. k = 3: inside the child workflow with an x-delay pending;
  // 6: a Retry-After wait pending. (Every k is checked in one process below.)
  it.each([3, 6])(
    'stopped after %i requests and resumed by a new process, the run ends exactly as the uninterrupted one',
    async (k) => {
      server.reset();
      const file = join(mkdtempSync(join(tmpdir(), 'arazzo-resume-')), 'checkpoint.json');
      const first = await runChild([server.url, String(CLOCK_START), 'fresh', String(k), file]);
      expect(first.result).toBeUndefined();
      // One checkpoint per request; the workflow step's record comes with the request that ended its child.
      expect(server.requests).toHaveLength(k);
      expect(first.records).toEqual(reference.records.slice(0, k >= 5 ? k + 1 : k));
      // The checkpoint is plain JSON holding the state, not masked (it must be resumable).
      expect(readFileSync(file, 'utf8')).toContain(TOKEN);

      // The second process starts its clock where the first one stopped.
      const second = await runChild([server.url, String(first.clock), 'resume', file]);
      expect(second.result).toEqual(reference.result);
      expect([...first.records, ...second.records]).toEqual(reference.records);
      expect(seen(server.requests)).toEqual(referenceRequests);
      expect(second.clock).toBe(reference.clock);
      // The resumed process still knows the token is a secret: its events never show it.
      expect(second.stdout).not.toContain(TOKEN);
    },
    60_000,
  );
});

/** The child's run, in this process; `stopAfter` stops it at that checkpoint as if its process died there. */
async function runHere(
  serverUrl: string,
  clockStart: number,
  options: { stopAfter?: number; resume?: string } = {},
): Promise<{
  records: unknown[];
  result?: Pick<RunResult, 'status' | 'outputs' | 'error' | 'stepExecutions' | 'durationMs'>;
  clock: number;
  checkpoint?: string;
}> {
  const clock = new ManualClock(clockStart);
  const doc = await loadArazzo(join(root, 'test', 'fixtures', 'engine', 'resume', 'jobs.arazzo.yml'));
  const records: StepRecord[] = [];
  const stop = new AbortController();
  let checkpoints = 0;
  let checkpoint: string | undefined;
  let stoppedAt: number | undefined;
  const result = await runWorkflow(doc, 'runJob', options.resume ? {} : { token: TOKEN, name: 'gpt-job' }, {
    servers: { jobs: `${serverUrl}/v1` },
    clock,
    signal: stop.signal,
    ...(options.resume ? { resume: JSON.parse(options.resume) } : {}),
    onEvent: (e) => {
      if (checkpoint !== undefined) return; // the process is dead: nothing it does afterwards counts
      if (e.type === 'step.finished') records.push(e.record);
      if (e.type === 'delay.started') setImmediate(() => void clock.advance(e.ms));
    },
    onCheckpoint: (state) => {
      checkpoints += 1;
      if (checkpoints === options.stopAfter) {
        checkpoint = JSON.stringify(state);
        stoppedAt = clock.now();
        stop.abort();
      }
    },
  });
  if (checkpoint !== undefined) return { records, clock: stoppedAt as number, checkpoint };
  const { status, outputs, error, stepExecutions, durationMs } = result;
  return { records, result: { status, outputs, error, stepExecutions, durationMs }, clock: clock.now() };
}

describe('resume in the same process, from every checkpoint', () => {
  it('stopped after any request and resumed from its checkpoint as text, the run ends exactly as the uninterrupted one', async () => {
    const server = await jobsServer();
    try {
      const reference = await runHere(server.url, CLOCK_START);
      const referenceRequests = seen(server.requests);
      expect(reference.result).toMatchObject({ status: 'succeeded', stepExecutions: 9 });
      expect(referenceRequests).toHaveLength(8);
      for (let k = 1; k < referenceRequests.length; k++) {
        server.reset();
        const first = await runHere(server.url, CLOCK_START, { stopAfter: k });
        expect(first.checkpoint, `k = ${k}`).toBeDefined();
        expect(server.requests, `k = ${k}`).toHaveLength(k);
        const second = await runHere(server.url, first.clock, { resume: first.checkpoint as string });
        expect(second.result, `k = ${k}`).toEqual(reference.result);
        expect([...first.records, ...second.records], `k = ${k}`).toEqual(reference.records);
        expect(seen(server.requests), `k = ${k}`).toEqual(referenceRequests);
        expect(second.clock, `k = ${k}`).toBe(reference.clock);
      }
    } finally {
      await server.close();
    }
  });
});
