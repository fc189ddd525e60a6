/**
 * Checkpoint in one process, resume in another: a run stopped after k step executions (its
 * checkpoint written to a file, then the process exits) and resumed by a second `node` process
 * from that file ends exactly like an uninterrupted run: same status, outputs, step records and
 * requests seen by the server. The children run the built package (dist/, built by the global setup)
 * on a ManualClock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  let reference: ChildOutput;
  let referenceRequests: ReturnType<typeof seen>;

  beforeAll(async () => {
    server = await jobsServer();
    reference = await runChild([server.url, String(CLOCK_START), 'fresh']);
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

  // Stopped after the k-th request. k = 1: before the workflow step starts; 3: inside the child
  // workflow with an x-delay pending; 5: the child workflow just ended; 6: a Retry-After wait pending.
  it.each([1, 3, 5, 6])(
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
