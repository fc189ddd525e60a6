/**
 * The one reader: every file and URL a load reads (the document, its sources, everything they
 * `$ref`, and the CLI's `list`/`graph`) goes through `readResource`, with one size cap, one
 * timeout, one host allowlist checked on every redirect hop, and one rule for local files: a
 * resource read over http(s) may not make us read a `file:` URL.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../error-codes.js';
import { ArazzoError } from '../errors.js';

/** 64 MiB: large real descriptions (GitHub's REST API is 13 MB) fit; raise it with maxBytes. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Redirect hops followed per read. */
export const MAX_REDIRECTS = 5;

export interface ReaderOptions {
  /** undici dispatcher for http(s) reads (an Agent, a MockAgent, a ProxyAgent). */
  readonly dispatcher?: Dispatcher;
  /** A WHATWG fetch for http(s) reads instead of undici; redirects are still checked hop by hop. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Hosts remote reads may contact: `example.com`, `example.com:8443`, or `*.example.com`.
   * Undefined means any host; an empty list forbids every remote read.
   */
  readonly allowHosts?: readonly string[];
  /** Size cap in bytes per resource (default 64 MiB). */
  readonly maxBytes?: number;
  /** Timeout per remote read in ms, redirects included (default 30 s). */
  readonly timeoutMs?: number;
  /** Cancels every read. */
  readonly signal?: AbortSignal;
  /**
   * Sees every read first: return the resource, or call `next()` for the normal read (with every
   * check above). The queue records a document's resources with it at submit, and serves them
   * from Redis in a worker.
   */
  readonly intercept?: (url: URL, next: () => Promise<Resource>) => Promise<Resource>;
}

export interface ReadRequest extends ReaderOptions {
  /** Which codes failures carry: `DOCUMENT_*` for the document itself, `SOURCE_*` otherwise (default). */
  readonly kind?: 'document' | 'source';
  /** The file path or URL of whatever referred to this resource. A remote referrer may not read local files. */
  readonly referrer?: string;
}

export interface Resource {
  /** The URL finally read (after redirects). */
  readonly url: URL;
  readonly text: string;
  /** Content-Type of an http response, if any. */
  readonly contentType?: string;
}

export type ReadFailure = 'not-found' | 'not-a-file' | 'too-large' | 'timeout' | 'host-not-allowed' | 'local-from-remote' | 'cancelled' | 'failed';

const CODES: Record<'document' | 'source', Record<ReadFailure, ErrorCode>> = {
  source: {
    'not-found': 'SOURCE_NOT_FOUND',
    'not-a-file': 'SOURCE_NOT_FOUND',
    'too-large': 'SOURCE_TOO_LARGE',
    timeout: 'SOURCE_TIMEOUT',
    'host-not-allowed': 'SOURCE_HOST_NOT_ALLOWED',
    'local-from-remote': 'SOURCE_FILE_NOT_ALLOWED',
    cancelled: 'SOURCE_FETCH_FAILED',
    failed: 'SOURCE_FETCH_FAILED',
  },
  document: {
    'not-found': 'DOCUMENT_NOT_FOUND',
    'not-a-file': 'DOCUMENT_NOT_FOUND',
    'too-large': 'DOCUMENT_TOO_LARGE',
    timeout: 'DOCUMENT_FETCH_FAILED',
    'host-not-allowed': 'DOCUMENT_FETCH_FAILED',
    'local-from-remote': 'DOCUMENT_FETCH_FAILED',
    cancelled: 'DOCUMENT_FETCH_FAILED',
    failed: 'DOCUMENT_FETCH_FAILED',
  },
};

/** A read that failed; `reason` says why, `code` is the documented code for the kind of resource. */
export class ReadError extends ArazzoError {
  readonly reason: ReadFailure;
  constructor(reason: ReadFailure, message: string, location: string, kind: 'document' | 'source' = 'source', options?: ErrorOptions) {
    super(CODES[kind][reason], message, { location }, options);
    this.name = 'ReadError';
    this.reason = reason;
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

export function isRemote(location: string | undefined): boolean {
  return location !== undefined && /^https?:/i.test(location);
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

/** The error for a host outside `allowHosts`. */
export function hostNotAllowed(url: URL, allowHosts: readonly string[] | undefined, kind: 'document' | 'source' = 'source'): ReadError {
  return new ReadError(
    'host-not-allowed',
    `fetching ${url.href} is not allowed: host "${url.host}" is not in allowHosts (${(allowHosts ?? []).join(', ') || 'empty'}); add it to allowHosts or use a local copy`,
    url.href,
    kind,
  );
}

export function tooLarge(location: string, maxBytes: number, kind: 'document' | 'source' = 'source'): ReadError {
  return new ReadError(
    'too-large',
    `${location} is larger than the limit of ${maxBytes} bytes; raise the cap (the maxSourceBytes option, --max-source-bytes) if it is trusted`,
    location,
    kind,
  );
}

/** Read one file or http(s) resource. Rejects with a ReadError. */
export async function readResource(url: URL, request: ReadRequest = {}): Promise<Resource> {
  if (request.intercept) {
    const { intercept, ...rest } = request;
    return intercept(url, () => readResource(url, rest));
  }
  const kind = request.kind ?? 'source';
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
  if (url.protocol === 'file:') {
    checkReferrer(url, request.referrer, kind);
    return { url, text: await readFile(url, maxBytes, kind) };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const { readHttp } = await import('./http.js');
    return readHttp(url, { ...request, kind, maxBytes });
  }
  throw new ReadError('failed', `cannot read ${url.href}: the "${url.protocol}" scheme is not supported; use a file path or an http(s) URL`, url.href, kind);
}

/** A resource read over http(s) may not make us read a local file: throws when `url` is `file:` and `referrer` remote. */
export function checkReferrer(url: URL, referrer: string | undefined, kind: 'document' | 'source' = 'source'): void {
  if (url.protocol !== 'file:' || !isRemote(referrer)) return;
  throw new ReadError(
    'local-from-remote',
    `${referrer} was read over the network, so it may not read the local file ${displayLocation(url)}; publish that file at an http(s) URL, or read the referring document from disk`,
    url.href,
    kind,
  );
}

/**
 * A regular file, at most `maxBytes` long. Devices, FIFOs and sockets are refused before they are
 * opened (opening a FIFO blocks; /dev/zero has no size and no end), and the read itself stops
 * after `maxBytes + 1` bytes whatever the file claims.
 */
async function readFile(url: URL, maxBytes: number, kind: 'document' | 'source'): Promise<string> {
  const path = displayLocation(url);
  const fail = (err: unknown): ReadError => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const hint = kind === 'source' ? ' (relative paths resolve against the referring document)' : '';
      return new ReadError('not-found', `file ${path} does not exist; check the path${hint}`, path, kind, { cause: err });
    }
    return new ReadError('failed', `cannot read ${path}: ${(err as Error).message}`, path, kind, { cause: err });
  };
  let info: Stats;
  try {
    info = await stat(path);
  } catch (err) {
    throw fail(err);
  }
  checkRegular(info, path, maxBytes, kind);
  let handle: FileHandle;
  try {
    // O_NONBLOCK: should the path have become a FIFO since stat, open returns instead of waiting for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fail(err);
  }
  try {
    const opened = await handle.stat();
    checkRegular(opened, path, maxBytes, kind);
    const limit = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    // One read of size + 1 bytes usually returns the whole file and the next one its end.
    let chunkSize = Math.min(opened.size + 1, limit);
    while (total < limit) {
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(chunkSize, 65_536), limit - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      chunkSize = 65_536;
    }
    if (total > maxBytes) throw tooLarge(path, maxBytes, kind);
    return decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
  } catch (err) {
    throw err instanceof ReadError ? err : fail(err);
  } finally {
    await handle.close();
  }
}

function checkRegular(info: Stats, path: string, maxBytes: number, kind: 'document' | 'source'): void {
  if (info.isDirectory()) {
    throw new ReadError(
      'not-a-file',
      `${path} is a directory, not a file; give the path of the ${kind === 'document' ? 'document' : 'description'} file`,
      path,
      kind,
    );
  }
  if (!info.isFile()) {
    const what = info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new ReadError('not-a-file', `${path} is ${what}, not a regular file; only regular files and http(s) URLs are read`, path, kind);
  }
  if (info.size > maxBytes) throw tooLarge(path, maxBytes, kind);
}

/** UTF-8 text without a leading byte order mark. */
export function decode(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
