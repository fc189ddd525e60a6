/**
 * `--trace <file>`: every HTTP exchange of a run as HAR 1.2
 * (http://www.softwareishard.com/blog/har-12-spec/), built from the (already masked) request and
 * response events. A request that got no response (connection error, timeout, cancel) is kept
 * with status 0 and the error in `_error`, as browsers do for failed requests.
 */
import { STATUS_CODES } from 'node:http';
import type { RequestSummary, RunEvent } from '../engine/types.js';

export interface HarHeader {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: Array<{ name: string; value: string }>;
    headers: HarHeader[];
    queryString: Array<{ name: string; value: string }>;
    postData?: { mimeType: string; text: string };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: Array<{ name: string; value: string }>;
    headers: HarHeader[];
    content: { size: number; mimeType: string; text?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; send: number; wait: number; receive: number; ssl: number };
  _workflowId: string;
  _stepId: string;
  /** `--dry-run`: the request was built, not sent (the response is empty, status 0). */
  _notSent?: true;
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
  };
}

export class HarRecorder {
  readonly entries: HarEntry[] = [];
  private readonly pending = new Map<string, { request: RequestSummary; time: number }>();

  /**
   * @param message how an engine error message reads in the trace (the CLI's wording); values in
   *   messages are bounded either way.
   */
  constructor(
    private readonly creatorVersion: string,
    private readonly message: (text: string) => string = (text) => text,
  ) {}

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'request.sent':
        this.pending.set(`${event.workflowId}\u0000${event.stepId}`, { request: event.request, time: event.time });
        return;
      case 'response.received': {
        this.pending.delete(`${event.workflowId}\u0000${event.stepId}`);
        const headers = toHeaders(event.response.headers);
        const size = byteLength(event.response.body);
        this.entries.push({
          startedDateTime: new Date(event.startedAt).toISOString(),
          time: event.durationMs,
          request: harRequest(event.request),
          response: {
            status: event.response.statusCode,
            statusText: STATUS_CODES[event.response.statusCode] ?? '',
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers,
            content: { size, mimeType: headerValue(event.response.headers, 'content-type') ?? 'x-unknown', text: event.response.body },
            redirectURL: headerValue(event.response.headers, 'location') ?? '',
            headersSize: -1,
            bodySize: size,
          },
          cache: {},
          timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait: event.durationMs, receive: 0, ssl: -1 },
          _workflowId: event.workflowId,
          _stepId: event.stepId,
        });
        return;
      }
      case 'step.finished': {
        const key = `${event.workflowId}\u0000${event.stepId}`;
        const sent = this.pending.get(key);
        if (!sent) return;
        this.pending.delete(key);
        this.entries.push(
          failedEntry(
            sent.request,
            sent.time,
            Math.max(0, event.time - sent.time),
            event.workflowId,
            event.stepId,
            this.message(event.record.error?.message ?? 'no response'),
          ),
        );
        return;
      }
      case 'run.finished': {
        for (const [key, sent] of this.pending) {
          const [workflowId, stepId] = key.split('\u0000') as [string, string];
          this.entries.push(
            failedEntry(sent.request, sent.time, Math.max(0, event.time - sent.time), workflowId, stepId, this.message(event.error?.message ?? 'no response')),
          );
        }
        this.pending.clear();
        return;
      }
      default:
        return;
    }
  }

  /**
   * A request built and not sent (`--dry-run`). HAR 1.2 requires a response in every entry: it is
   * the empty one browsers record for a request that got none (status 0, no headers, no content),
   * with `_error` and `_notSent` saying why.
   */
  notSent(request: RequestSummary, time: number, workflowId: string, stepId: string): void {
    this.entries.push({ ...failedEntry(request, time, 0, workflowId, stepId, 'Not sent: --dry-run.'), _notSent: true });
  }

  toHar(): Har {
    return { log: { version: '1.2', creator: { name: 'arazzo', version: this.creatorVersion }, entries: this.entries } };
  }
}

function failedEntry(request: RequestSummary, time: number, durationMs: number, workflowId: string, stepId: string, error: string): HarEntry {
  return {
    startedDateTime: new Date(time).toISOString(),
    time: durationMs,
    request: harRequest(request),
    response: {
      status: 0,
      statusText: '',
      httpVersion: '',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
      _error: error,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait: durationMs, receive: 0, ssl: -1 },
    _workflowId: workflowId,
    _stepId: stepId,
  };
}

function harRequest(r: RequestSummary): HarEntry['request'] {
  const queryString: Array<{ name: string; value: string }> = [];
  try {
    for (const [name, value] of new URL(r.url).searchParams) queryString.push({ name, value });
  } catch {
    // Not an absolute URL: no query string to list.
  }
  const req: HarEntry['request'] = {
    method: r.method,
    url: r.url,
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: toHeaders(r.headers),
    queryString,
    headersSize: -1,
    bodySize: r.body === undefined ? 0 : byteLength(r.body),
  };
  if (r.body !== undefined) {
    req.postData = { mimeType: headerValue(r.headers, 'content-type') ?? 'application/octet-stream', text: r.body };
  }
  return req;
}

function toHeaders(h: Readonly<Record<string, string>>): HarHeader[] {
  return Object.entries(h).map(([name, value]) => ({ name, value: String(value) }));
}

function headerValue(h: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function byteLength(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
