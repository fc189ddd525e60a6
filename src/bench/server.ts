/**
 * The benchmarks' HTTP server, run as its own process (`node dist/bench/server.js`) so that its
 * CPU and heap never count against the client being measured; started and stopped the way
 * server-process.ts says (`serveOverStdio`, `spawnServer`).
 *
 * It serves the jobs API of src/bench/fixtures/jobs.openapi.yaml:
 * - `POST /queues/{queue}/jobs` with `{ name, polls, ... }` creates a job (201);
 * - `POST /queues/{queue}/jobs/{jobId}/status` with `{ fields, client }` answers `pending` to the
 *   job's first `polls - 1` status requests and `done` to the next one (200; 404 for an unknown job).
 * Control routes (not in the OpenAPI description):
 * - `GET /__stats` returns the requests and request-body bytes received since the last reset, so a
 *   benchmark can check that its baseline and its subject made the same requests;
 * - `POST /__reset` clears the counters and the jobs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOverStdio } from './server-process.js';

interface Job {
  readonly id: string;
  readonly queue: string;
  readonly total: number;
  done: number;
}

const jobs = new Map<string, Job>();
let sequence = 0;
let requests = 0;
let bodyBytes = 0;
const UPDATED_AT = '2025-01-01T00:00:00.000Z';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function jobView(job: Job, state: string): Record<string, unknown> {
  return {
    id: job.id,
    queue: job.queue,
    state,
    progress: { done: job.done, total: job.total },
    attempts: job.done,
    updatedAt: UPDATED_AT,
    links: { self: `/queues/${job.queue}/jobs/${job.id}`, status: `/queues/${job.queue}/jobs/${job.id}/status` },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (url === '/__stats') return send(res, 200, { requests, bodyBytes, jobs: jobs.size });
  if (url === '/__reset') {
    await readBody(req);
    requests = 0;
    bodyBytes = 0;
    jobs.clear();
    return send(res, 200, {});
  }
  const text = await readBody(req);
  requests += 1;
  bodyBytes += Buffer.byteLength(text);
  const parts = url.split('/');
  // ['', 'queues', queue, 'jobs'] or ['', 'queues', queue, 'jobs', id, 'status']
  if (req.method === 'POST' && parts[1] === 'queues' && parts[3] === 'jobs') {
    const queue = decodeURIComponent(parts[2] ?? '');
    let body: { name?: unknown; polls?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return send(res, 400, { message: 'the request body is not JSON' });
    }
    if (parts.length === 4) {
      const total = typeof body.polls === 'number' && body.polls >= 1 ? Math.floor(body.polls) : 1;
      const job: Job = { id: `job-${++sequence}`, queue, total, done: 0 };
      jobs.set(job.id, job);
      return send(res, 201, { ...jobView(job, 'pending'), name: body.name, createdAt: UPDATED_AT });
    }
    if (parts.length === 6 && parts[5] === 'status') {
      const job = jobs.get(decodeURIComponent(parts[4] ?? ''));
      if (!job) return send(res, 404, { message: 'no such job' });
      job.done += 1;
      if (job.done >= job.total) jobs.delete(job.id);
      return send(res, 200, jobView(job, job.done >= job.total ? 'done' : 'pending'));
    }
  }
  send(res, 404, { message: `no route for ${req.method} ${url}` });
}

serveOverStdio((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
});
