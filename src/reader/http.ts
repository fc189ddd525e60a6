/**
 * Reading over http(s), with either transport:
 * - undici: the dispatcher (the caller's or the global one) is composed with three interceptors:
 *   our allowlist check, undici's own redirect interceptor (which dispatches every hop through the
 *   check), and our size cap on the final response;
 * - a caller's WHATWG fetch: `redirect: 'manual'`, so each hop comes back to us and is checked
 *   before it is followed; the body is read up to the cap.
 * One timeout covers the whole read, redirects included.
 */
import type { Dispatcher } from 'undici';
import { DEFAULT_TIMEOUT_MS, decode, hostNotAllowed, isHostAllowed, MAX_REDIRECTS, ReadError, type ReadRequest, type Resource, tooLarge } from './resource.js';

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;
/** undici is loaded on the first remote read (~40 ms), and once. */
function loadUndici(): Promise<Undici> {
  undici ??= import('undici');
  return undici;
}

let agent: Dispatcher | undefined;

const ACCEPT = 'application/vnd.oai.workflows+yaml, application/json, application/yaml, application/vnd.oai.openapi, text/yaml, */*;q=0.5';
const REDIRECT = new Set([301, 302, 303, 307, 308]);

type Request = ReadRequest & { readonly kind: 'document' | 'source'; readonly maxBytes: number };

export async function readHttp(start: URL, request: Request): Promise<Resource> {
  const { kind } = request;
  // Checked before anything is loaded or contacted; the transports check every later hop.
  if (!isHostAllowed(start, request.allowHosts)) throw hostNotAllowed(start, request.allowHosts, kind);
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  timer.unref?.();
  const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
  let at = start;
  try {
    const read = request.fetch
      ? viaFetch(request.fetch, start, request, signal, (url) => {
          at = url;
        })
      : viaUndici(start, request, signal);
    return await read;
  } catch (err) {
    if (err instanceof ReadError) throw err;
    if (timeout.signal.aborted) {
      throw new ReadError('timeout', `fetching ${start.href} took longer than ${timeoutMs} ms; check the server or raise timeoutMs`, start.href, kind, {
        cause: err,
      });
    }
    if (request.signal?.aborted) throw new ReadError('cancelled', `fetching ${start.href} was cancelled`, start.href, kind, { cause: err });
    const cause = err as { code?: string; message?: string };
    const detail = cause?.code ? `${cause.code}: ${cause.message ?? ''}` : String(cause?.message ?? err);
    throw new ReadError('failed', `cannot fetch ${at.href} (${detail.trim()}); check the url and your network`, at.href, kind, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function statusError(url: URL, status: number, kind: 'document' | 'source'): ReadError {
  if (REDIRECT.has(status)) {
    return new ReadError('failed', `${url.href} redirected more than ${MAX_REDIRECTS} times, or without a Location; use the final URL`, url.href, kind);
  }
  if (status === 404 || status === 410) {
    return new ReadError(kind === 'source' ? 'not-found' : 'failed', `${url.href} answered HTTP ${status}; check the url`, url.href, kind);
  }
  return new ReadError('failed', `${url.href} answered HTTP ${status}; check the url and that the server is reachable`, url.href, kind);
}

// ------------------------------------------------------------------ undici

async function viaUndici(url: URL, request: Request, signal: AbortSignal): Promise<Resource> {
  const { request: send, interceptors, EnvHttpProxyAgent } = await loadUndici();
  // Our own agent, not undici's global dispatcher: Node's built-in fetch installs an older undici's
  // agent there, which cannot run undici 7 interceptors. HTTP(S)_PROXY and NO_PROXY apply.
  agent ??= new EnvHttpProxyAgent();
  const base: Dispatcher = request.dispatcher ?? agent;
  const hops: URL[] = [];
  const dispatcher = base.compose(
    // compose() wraps in order, so the check sits inside the redirect interceptor: every hop it follows is dispatched through it.
    allowHostsInterceptor(request, hops),
    interceptors.redirect({ maxRedirections: MAX_REDIRECTS }),
    sizeCapInterceptor(request, () => hops.at(-1) ?? url),
  );
  const res = await send(url, { method: 'GET', headers: { accept: ACCEPT }, signal, dispatcher });
  const final = hops.at(-1) ?? url;
  if (res.statusCode < 200 || res.statusCode > 299) {
    await res.body.dump().catch(() => undefined);
    throw statusError(final, res.statusCode, request.kind);
  }
  const bytes = new Uint8Array(await res.body.arrayBuffer());
  const contentType = res.headers['content-type'];
  return { url: final, text: decode(bytes), ...(typeof contentType === 'string' ? { contentType } : {}) };
}

/** Refuse a hop to a host outside allowHosts before it is sent; record each hop sent in `hops`. */
function allowHostsInterceptor(request: Request, hops: URL[]): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const url = new URL(opts.path, opts.origin);
    if (!isHostAllowed(url, request.allowHosts)) {
      handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, hostNotAllowed(url, request.allowHosts, request.kind));
      return true;
    }
    hops.push(url);
    return dispatch(opts, handler);
  };
}

/** Abort the response once it declares or delivers more than maxBytes. */
function sizeCapInterceptor(request: Request, current: () => URL): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    let received = 0;
    const over = () => tooLarge(current().href, request.maxBytes, request.kind);
    return dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) => handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart(controller, status, headers, message) {
        if (Number(headers['content-length']) > request.maxBytes) return controller.abort(over());
        return handler.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData(controller, chunk) {
        received += chunk.length;
        if (received > request.maxBytes) return controller.abort(over());
        return handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
    });
  };
}

// ------------------------------------------------------------------ WHATWG fetch

async function viaFetch(fetchFn: typeof globalThis.fetch, start: URL, request: Request, signal: AbortSignal, hop: (url: URL) => void): Promise<Resource> {
  let url = start;
  for (let hops = 0; ; hops++) {
    if (!isHostAllowed(url, request.allowHosts)) throw hostNotAllowed(url, request.allowHosts, request.kind);
    hop(url);
    const res = await fetchFn(url, { method: 'GET', headers: { accept: ACCEPT }, signal, redirect: 'manual' });
    const location = res.headers.get('location');
    if (REDIRECT.has(res.status) && location !== null && hops < MAX_REDIRECTS) {
      await res.body?.cancel().catch(() => undefined);
      url = new URL(location, url);
      continue;
    }
    if (res.type === 'opaqueredirect') {
      throw new ReadError('failed', `${url.href} redirected, and the fetch given hides where to; use the final URL`, url.href, request.kind);
    }
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw statusError(url, res.status, request.kind);
    }
    if (Number(res.headers.get('content-length')) > request.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(url.href, request.maxBytes, request.kind);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > request.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(url.href, request.maxBytes, request.kind);
        }
        chunks.push(value);
      }
    }
    const contentType = res.headers.get('content-type');
    return { url, text: decode(Buffer.concat(chunks, total)), ...(contentType ? { contentType } : {}) };
  }
}
