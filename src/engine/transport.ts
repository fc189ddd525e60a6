/**
 * Transports: the default one on undici's dispatcher API over a pooled Agent, and a WHATWG fetch
 * one. Both read the body with a size cap, follow no redirect unless asked, and honour an
 * AbortSignal (cancellation and timeouts are driven by the engine through that signal).
 */
import { Agent, EnvHttpProxyAgent, interceptors, type Dispatcher } from 'undici';
import { ArazzoError } from '../errors.js';
import { truncateForMessage } from '../util/truncate.js';
import type { HttpClient, HttpRequest, HttpResponse, SendOptions } from './types.js';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

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

function abortReason(signal: { readonly aborted: boolean; readonly reason?: unknown } | undefined, fallback: unknown): unknown {
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
 * A cancellation channel for the requests of one run on UndiciHttpClient, passed as
 * `SendOptions.signal`. A run sends one request at a time, so the channel holds the exchange in
 * flight in a slot and aborts it directly: no listener is added or removed per request (an
 * AbortController per run and a listener per request were ~5% of the CPU of 10,000 concurrent short
 * runs). Once aborted it stays aborted; the driver makes a new one for the next request.
 */
export class AbortChannel {
  aborted = false;
  reason: unknown = undefined;
  /** The request in flight on this channel. */
  inflight: { abort(reason: unknown): void } | undefined = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.inflight?.abort(reason);
  }
}

/** What an AbortSignal, or an EventEmitter standing in for one (as undici accepts), offers. */
type SignalLike =
  | AbortSignal
  | { aborted: boolean; reason?: unknown; on(event: 'abort', fn: () => void): unknown; off(event: 'abort', fn: () => void): unknown };

/** The default transport: undici's dispatcher API over a pooled Agent (or the caller's dispatcher). */
export class UndiciHttpClient implements HttpClient {
  private readonly dispatcher: Dispatcher;
  private redirecting: Dispatcher | undefined;
  /** The last URL sent and its origin and path: a poll loop sends the same URL again and again. */
  private lastUrl = '';
  private lastOrigin = '';
  private lastPath = '';

  constructor(dispatcher?: Dispatcher) {
    this.dispatcher = dispatcher ?? defaultAgent();
  }

  /**
   * Sends through `dispatcher.dispatch()` with a handler that collects the body into one string
   * as it arrives, not through `request()`, which builds a Readable stream and an async resource
   * for every response only for the body to be read back in full. Same HTTP, same timeouts and
   * redirect interceptor; the size cap is checked as the data comes. `options.signal` may also be
   * an AbortChannel.
   */
  send(req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    let dispatcher = this.dispatcher;
    if (options.followRedirects) {
      this.redirecting ??= this.dispatcher.compose(interceptors.redirect({ maxRedirections: 10 }));
      dispatcher = this.redirecting;
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const exchange = new Exchange(req, options, resolve, reject);
      if (exchange.settled) return;
      if (req.url !== this.lastUrl) {
        let url: URL;
        try {
          url = new URL(req.url);
        } catch (err) {
          exchange.fail(connectionError(req, err));
          return;
        }
        this.lastUrl = req.url;
        this.lastOrigin = url.origin;
        this.lastPath = url.search ? `${url.pathname}${url.search}` : url.pathname;
      }
      // Empty headers cost undici work, unset fields (undefined) do not.
      let headers: Record<string, string> | undefined;
      for (const _ in req.headers) {
        headers = req.headers as Record<string, string>;
        break;
      }
      const timeout = options.timeoutMs || undefined;
      try {
        dispatcher.dispatch(
          {
            origin: this.lastOrigin,
            path: this.lastPath,
            method: req.method as Dispatcher.HttpMethod,
            headers,
            body: req.body,
            headersTimeout: timeout,
            bodyTimeout: timeout,
          },
          exchange,
        );
      } catch (err) {
        // undici's dispatchers report through the handler; a caller's dispatcher may throw.
        exchange.fail(abortReason(options.signal, timeoutOrConnection(req, err, options)));
      }
    });
  }

  async close(): Promise<void> {
    // The shared agent outlives a run; a caller-supplied dispatcher belongs to the caller.
  }
}

/**
 * One request on UndiciHttpClient: undici's dispatch handler, which keeps the status, the headers
 * and the body chunks and settles the promise of `send` once.
 */
class Exchange implements Dispatcher.DispatchHandler {
  settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private headers: Record<string, string> = NO_HEADERS;
  private first: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;
  private readonly max: number;
  private readonly signal: SendOptions['signal'] | AbortChannel | undefined;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly req: HttpRequest,
    private readonly options: SendOptions,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const signal = options.signal as SignalLike | AbortChannel | undefined;
    this.signal = signal as AbortSignal | undefined;
    if (signal === undefined) return;
    if (signal.aborted) {
      this.fail(abortReason(signal, undefined));
      return;
    }
    if (signal instanceof AbortChannel) signal.inflight = this;
    else {
      this.onAbort = () => this.abort(abortReason(signal, undefined));
      if ('addEventListener' in signal) signal.addEventListener('abort', this.onAbort, { once: true });
      else signal.on('abort', this.onAbort);
    }
  }

  /** Abort the exchange: undici ends it with `reason`, or, before it started, it fails now. */
  abort(reason: unknown): void {
    if (this.settled) return;
    if (this.controller) this.controller.abort(reason as Error);
    else this.fail(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      controller.abort(new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.'));
      return;
    }
    // undici may start a request again (a retried pipeline): begin afresh.
    this.controller = controller;
    this.first = undefined;
    this.chunks = undefined;
    this.size = 0;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational: the response follows
    this.statusCode = statusCode;
    this.headers = oneValueEach(headers);
    const declared = this.headers['content-length'];
    if (declared !== undefined && this.req.method !== 'HEAD' && Number(declared) > this.max) controller.abort(tooLarge(this.req, this.max));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      controller.abort(tooLarge(this.req, this.max));
      return;
    }
    if (this.first === undefined) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const bodyText = decodeUtf8(this.first, this.chunks, this.size);
    this.release();
    this.resolve({ statusCode: this.statusCode, headers: this.headers, bodyText });
  }

  onResponseError(_controller: unknown, err: Error): void {
    if (this.settled) return;
    this.fail(err instanceof ArazzoError ? err : abortReason(this.signal, timeoutOrConnection(this.req, err, this.options)));
  }

  /** Settle as failed (once). */
  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.release();
    this.reject(err);
  }

  private release(): void {
    this.first = undefined;
    this.chunks = undefined;
    const signal = this.signal as SignalLike | AbortChannel | undefined;
    if (signal instanceof AbortChannel) {
      if (signal.inflight === this) signal.inflight = undefined;
    } else if (this.onAbort !== undefined && signal !== undefined) {
      if ('removeEventListener' in signal) signal.removeEventListener('abort', this.onAbort);
      else signal.off('abort', this.onAbort);
      this.onAbort = undefined;
    }
  }
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The body as UTF-8 text, without a byte order mark (as undici's `body.text()` reads it). */
function decodeUtf8(first: Buffer | undefined, chunks: Buffer[] | undefined, size: number): string {
  if (first === undefined) return '';
  const buf = chunks === undefined ? first : Buffer.concat(chunks, size);
  const start = buf.length > 2 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return buf.toString('utf8', start);
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
