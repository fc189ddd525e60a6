/**
 * Transports: the default undici `request()` over a pooled dispatcher, and a WHATWG fetch one.
 * Both read the body with a size cap, follow no redirect unless asked, and honour an AbortSignal
 * (cancellation and timeouts are driven by the engine through that signal).
 */
import { EventEmitter } from 'node:events';
import { Agent, EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { ArazzoError } from '../errors.js';
import { truncateForMessage } from '../util/truncate.js';
import type { HttpClient, HttpRequest, HttpResponse, SendOptions } from './types.js';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher?: Dispatcher };

let sharedAgent: Agent | undefined;
let sharedProxyAgent: EnvHttpProxyAgent | undefined;

/** One pooled keep-alive Agent shared by every run that does not bring its own dispatcher. */
function defaultAgent(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, connections: 256 });
  return sharedAgent;
}

/** Whether HTTP_PROXY / HTTPS_PROXY (either case) is set. */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTP_PROXY || env.http_proxy || env.HTTPS_PROXY || env.https_proxy);
}

/** undici's EnvHttpProxyAgent (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), shared. */
export function envProxyAgent(): EnvHttpProxyAgent {
  sharedProxyAgent ??= new EnvHttpProxyAgent();
  return sharedProxyAgent;
}

function abortReason(signal: AbortSignal | undefined, fallback: unknown): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof ArazzoError) return reason;
  if (signal?.aborted) return new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.');
  return fallback;
}

function connectionError(req: HttpRequest, err: unknown): ArazzoError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const detail = truncateForMessage(String(e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? err));
  return new ArazzoError(
    'HTTP_CONNECTION',
    `${req.method} ${truncateForMessage(req.url)} failed: ${detail}. Check that the server is reachable and the base URL is right.`,
    { cause: detail },
    { cause: err },
  );
}

function tooLarge(req: HttpRequest, max: number): ArazzoError {
  return new ArazzoError(
    'HTTP_BODY_TOO_LARGE',
    `The response to ${req.method} ${truncateForMessage(req.url)} exceeds ${max} bytes; raise limits.maxResponseBytes if this is expected.`,
    { limit: max },
  );
}

/**
 * A cancellation channel for UndiciHttpClient: undici accepts an EventEmitter with `aborted` and
 * `reason` in place of an AbortSignal. It costs a fraction of an AbortController to create and to
 * listen to (profiled: AbortController creation and its listeners were ~5% of the CPU of 10,000
 * concurrent short runs). A run on the built-in transport uses one until something aborts it.
 */
export class AbortEmitter extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** The default transport: undici `request()` through a dispatcher (pooled Agent by default). */
export class UndiciHttpClient implements HttpClient {
  private readonly dispatcher: Dispatcher;
  private redirecting: Dispatcher | undefined;

  constructor(dispatcher?: Dispatcher) {
    this.dispatcher = dispatcher ?? defaultAgent();
  }

  /** `options.signal` may also be an AbortEmitter. */
  async send(req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let dispatcher = this.dispatcher;
    if (options.followRedirects) {
      this.redirecting ??= this.dispatcher.compose(interceptors.redirect({ maxRedirections: 10 }));
      dispatcher = this.redirecting;
    }
    let res: Dispatcher.ResponseData;
    try {
      // One literal with every field (undici copies it with a spread: a fixed shape copies fast).
      // Empty headers cost undici work, unset fields (undefined) do not.
      let headers: Record<string, string> | undefined;
      for (const _ in req.headers) {
        headers = req.headers as Record<string, string>;
        break;
      }
      const opts: RequestOptions = {
        method: req.method as Dispatcher.HttpMethod,
        dispatcher,
        headers,
        body: req.body,
        signal: options.signal,
        headersTimeout: options.timeoutMs || undefined,
        bodyTimeout: options.timeoutMs || undefined,
      };
      res = await request(req.url, opts);
    } catch (err) {
      throw abortReason(options.signal, timeoutOrConnection(req, err, options));
    }
    const headers = oneValueEach(res.headers);
    const lengthHeader = headers['content-length'];
    if (lengthHeader !== undefined) {
      const declared = Number(lengthHeader);
      if (declared > max) {
        res.body.destroy();
        throw tooLarge(req, max);
      }
      if (Number.isFinite(declared)) {
        // undici enforces Content-Length, so the declared size bounds what text() reads.
        try {
          return { statusCode: res.statusCode, headers, bodyText: await res.body.text() };
        } catch (err) {
          throw abortReason(options.signal, timeoutOrConnection(req, err, options));
        }
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > max) {
          res.body.destroy();
          throw tooLarge(req, max);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ArazzoError && err.code === 'HTTP_BODY_TOO_LARGE') throw err;
      throw abortReason(options.signal, timeoutOrConnection(req, err, options));
    }
    const bodyText = chunks.length === 0 ? '' : chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    return { statusCode: res.statusCode, headers, bodyText };
  }

  async close(): Promise<void> {
    // The shared agent outlives a run; a caller-supplied dispatcher belongs to the caller.
  }
}

/**
 * Response headers with one string each (repeated ones joined). undici builds a fresh object of
 * lower-case names per response: it is used as it is unless a header came more than once.
 */
function oneValueEach(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const name in raw) {
    if (typeof raw[name] === 'string') continue;
    const headers: Record<string, string> = {};
    for (const key in raw) {
      const value = raw[key];
      if (value !== undefined) headers[key] = typeof value === 'string' ? value : value.join(key === 'set-cookie' ? '\n' : ', ');
    }
    return headers;
  }
  return raw as Record<string, string>;
}

function timeoutOrConnection(req: HttpRequest, err: unknown, options: SendOptions): ArazzoError {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ArazzoError(
      'HTTP_TIMEOUT',
      `${req.method} ${truncateForMessage(req.url)} timed out after ${options.timeoutMs} ms.`,
      { limit: options.timeoutMs },
      { cause: err },
    );
  }
  return connectionError(req, err);
}

/** A transport over a WHATWG `fetch` (global fetch, a test double, or one from another library). */
export class FetchHttpClient implements HttpClient {
  constructor(private readonly fetchImpl: typeof fetch) {}

  async send(req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let res: Response;
    try {
      res = await this.fetchImpl(req.url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.body === undefined ? null : typeof req.body === 'string' ? req.body : Buffer.from(req.body),
        redirect: options.followRedirects ? 'follow' : 'manual',
        signal: options.signal ?? null,
      });
    } catch (err) {
      throw abortReason(options.signal, connectionError(req, err));
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      const key = name.toLowerCase();
      const prev = headers[key];
      headers[key] = prev === undefined ? value : `${prev}${key === 'set-cookie' ? '\n' : ', '}${value}`;
    });
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(req, max);
    }
    let bodyText = '';
    if (res.body) {
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > max) {
            await reader.cancel().catch(() => undefined);
            throw tooLarge(req, max);
          }
          chunks.push(value);
        }
      } catch (err) {
        if (err instanceof ArazzoError) throw err;
        throw abortReason(options.signal, connectionError(req, err));
      }
      bodyText = Buffer.concat(chunks).toString('utf8');
    }
    return { statusCode: res.status, headers, bodyText };
  }
}
