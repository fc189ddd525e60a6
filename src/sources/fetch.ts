/**
 * Reading a source description (or anything it references) from a file or an http(s) URL, with
 * a size cap, a timeout and an optional host allowlist (P22). Every remote or local read the
 * source loader makes goes through `fetchResource`, so the limits hold for `$ref`ed files too.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { ArazzoError } from '../errors.js';
import type { ErrorCode } from '../error-codes.js';

export const DEFAULT_MAX_SOURCE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_SOURCE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

export interface FetchOptions {
  /** undici dispatcher for http(s) reads (MockAgent, ProxyAgent, Agent). */
  readonly dispatcher?: Dispatcher;
  /**
   * Hosts remote reads may contact: `example.com`, `example.com:8443`, or `*.example.com`.
   * Undefined means any host; an empty list forbids every remote read.
   */
  readonly allowHosts?: readonly string[];
  /** Size cap in bytes per resource (default 10 MiB). */
  readonly maxBytes?: number;
  /** Timeout per remote read in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Cancels every read. */
  readonly signal?: AbortSignal;
  /** A WHATWG fetch to use for http(s) reads instead of undici (redirects are still followed one hop at a time). */
  readonly fetch?: typeof globalThis.fetch;
}

export interface FetchedResource {
  /** The URL finally read (after redirects). */
  readonly url: URL;
  readonly text: string;
  /** Content-Type of an http response, if any. */
  readonly contentType?: string;
}

/** Codes: SOURCE_NOT_FOUND, SOURCE_FETCH_FAILED, SOURCE_TOO_LARGE, SOURCE_TIMEOUT, SOURCE_HOST_NOT_ALLOWED. */
export class SourceFetchError extends ArazzoError {
  constructor(code: ErrorCode, message: string, url: string) {
    super(code, message, { url });
    this.name = 'SourceFetchError';
  }
}

/** A location as the user knows it: a file path for file: URLs, else the URL. */
export function displayLocation(url: URL): string {
  if (url.protocol === 'file:') {
    try {
      return fileURLToPath(url);
    } catch {
      return url.href;
    }
  }
  return url.href;
}

/** Whether `url`'s host is allowed by `allowHosts` (undefined allows all). */
export function isHostAllowed(url: URL, allowHosts: readonly string[] | undefined): boolean {
  if (allowHosts === undefined) return true;
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  return allowHosts.some((entry) => {
    const e = entry.toLowerCase().trim();
    if (e === '*') return true;
    if (e.startsWith('*.')) {
      const suffix = e.slice(1);
      return hostname.endsWith(suffix) || host.endsWith(suffix);
    }
    return e === host || e === hostname;
  });
}

/** Read one resource. Rejects with a SourceFetchError whose code says what went wrong. */
export async function fetchResource(url: URL, options: FetchOptions = {}): Promise<FetchedResource> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  if (url.protocol === 'file:') return readFileResource(url, maxBytes);
  if (url.protocol === 'http:' || url.protocol === 'https:') return readHttpResource(url, options, maxBytes);
  throw new SourceFetchError(
    'SOURCE_FETCH_FAILED',
    `cannot read ${url.href}: the "${url.protocol}" scheme is not supported; use a file path or an http(s) URL`,
    url.href,
  );
}

async function readFileResource(url: URL, maxBytes: number): Promise<FetchedResource> {
  const path = displayLocation(url);
  let size: number;
  try {
    const stat = await fs.stat(path);
    if (stat.isDirectory()) {
      throw new SourceFetchError('SOURCE_NOT_FOUND', `${path} is a directory, not a file; point the url at the description file`, path);
    }
    size = stat.size;
  } catch (err) {
    if (err instanceof SourceFetchError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SourceFetchError(
        'SOURCE_NOT_FOUND',
        `file ${path} does not exist; check the url (relative paths resolve against the referring document)`,
        path,
      );
    }
    throw new SourceFetchError('SOURCE_FETCH_FAILED', `cannot read ${path}: ${(err as Error).message}`, path);
  }
  if (size > maxBytes) {
    throw new SourceFetchError(
      'SOURCE_TOO_LARGE',
      `${path} is ${size} bytes, more than the limit of ${maxBytes}; raise maxSourceBytes if the file is trusted`,
      path,
    );
  }
  try {
    const text = await fs.readFile(path, 'utf8');
    return { url, text };
  } catch (err) {
    throw new SourceFetchError('SOURCE_FETCH_FAILED', `cannot read ${path}: ${(err as Error).message}`, path);
  }
}

async function readHttpResource(start: URL, options: FetchOptions, maxBytes: number): Promise<FetchedResource> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  timer.unref?.();
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  let url = start;
  try {
    for (let hop = 0; ; hop++) {
      if (!isHostAllowed(url, options.allowHosts)) {
        throw new SourceFetchError(
          'SOURCE_HOST_NOT_ALLOWED',
          `fetching ${url.href} is not allowed: host "${url.host}" is not in allowHosts (${(options.allowHosts ?? []).join(', ') || 'empty'}); add it to allowHosts or use a local copy`,
          url.href,
        );
      }
      let res: RawResponse;
      try {
        res = options.fetch ? await viaFetch(options.fetch, url, signal) : await viaUndici(url, signal, options.dispatcher);
      } catch (err) {
        throw networkError(url, err, timeout.signal.aborted, timeoutMs);
      }
      const status = res.statusCode;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        await res.body.dump().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) {
          throw new SourceFetchError(
            'SOURCE_FETCH_FAILED',
            `fetching ${start.href} redirected more than ${MAX_REDIRECTS} times; use the final URL`,
            start.href,
          );
        }
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        await res.body.dump().catch(() => undefined);
        if (status === 404 || status === 410) {
          throw new SourceFetchError('SOURCE_NOT_FOUND', `${url.href} answered HTTP ${status}; check the url`, url.href);
        }
        throw new SourceFetchError('SOURCE_FETCH_FAILED', `${url.href} answered HTTP ${status}; check the url and that the server is reachable`, url.href);
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        discard(res.body);
        throw tooLarge(url, maxBytes);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body) {
          const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          total += buf.length;
          if (total > maxBytes) {
            discard(res.body);
            throw tooLarge(url, maxBytes);
          }
          chunks.push(buf);
        }
      } catch (err) {
        if (err instanceof SourceFetchError) throw err;
        throw networkError(url, err, timeout.signal.aborted, timeoutMs);
      }
      const contentType = res.headers['content-type'];
      return { url, text: Buffer.concat(chunks).toString('utf8'), ...(contentType ? { contentType } : {}) };
    }
  } finally {
    clearTimeout(timer);
  }
}

const ACCEPT = 'application/json, application/yaml, application/vnd.oai.openapi, text/yaml, */*;q=0.5';

/** The parts of an HTTP response the reader needs, from undici or from a WHATWG fetch. */
interface RawResponse {
  readonly statusCode: number;
  /** Lower-case names, first value. */
  readonly headers: Record<string, string | undefined>;
  readonly body: {
    dump(): Promise<unknown>;
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
    destroy(): void;
  };
}

async function viaUndici(url: URL, signal: AbortSignal, dispatcher: Dispatcher | undefined): Promise<RawResponse> {
  const { request } = await import('undici'); // loaded only when something is fetched over http
  const res = await request(url, { method: 'GET', headers: { accept: ACCEPT }, signal, ...(dispatcher ? { dispatcher } : {}) });
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  const body = res.body;
  return {
    statusCode: res.statusCode,
    headers,
    body: {
      dump: () => body.dump(),
      [Symbol.asyncIterator]: () => body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
      destroy: () => {
        body.on('error', () => undefined); // no unhandled 'error' event for a body we drop on purpose
        body.destroy();
      },
    },
  };
}

async function viaFetch(fetchFn: typeof globalThis.fetch, url: URL, signal: AbortSignal): Promise<RawResponse> {
  const res = await fetchFn(url, { method: 'GET', headers: { accept: ACCEPT }, signal, redirect: 'manual' });
  const headers: Record<string, string | undefined> = {};
  res.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const stream = res.body;
  return {
    statusCode: res.status,
    headers,
    body: {
      dump: async () => {
        await stream?.cancel().catch(() => undefined);
      },
      [Symbol.asyncIterator]: () => {
        if (!stream) return (async function* () {})()[Symbol.asyncIterator]();
        return (stream as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      },
      destroy: () => {
        void stream?.cancel().catch(() => undefined);
      },
    },
  };
}

/** Stop reading a body we no longer want. */
function discard(body: RawResponse['body']): void {
  body.destroy();
}

function tooLarge(url: URL, maxBytes: number): SourceFetchError {
  return new SourceFetchError(
    'SOURCE_TOO_LARGE',
    `${url.href} is larger than the limit of ${maxBytes} bytes; raise maxSourceBytes if the source is trusted`,
    url.href,
  );
}

function networkError(url: URL, err: unknown, timedOut: boolean, timeoutMs: number): SourceFetchError {
  if (timedOut) {
    return new SourceFetchError('SOURCE_TIMEOUT', `fetching ${url.href} took longer than ${timeoutMs} ms; check the server or raise timeoutMs`, url.href);
  }
  const cause = err as { code?: string; message?: string; name?: string };
  if (cause?.name === 'AbortError') {
    return new SourceFetchError('SOURCE_FETCH_FAILED', `fetching ${url.href} was cancelled`, url.href);
  }
  const detail = cause?.code ? `${cause.code}: ${cause.message ?? ''}` : String(cause?.message ?? err);
  return new SourceFetchError('SOURCE_FETCH_FAILED', `cannot fetch ${url.href} (${detail.trim()}); check the url and your network`, url.href);
}
