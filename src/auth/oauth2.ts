/**
 * OAuth2 client credentials (RFC 6749 §4.4) and OpenID Connect discovery: access tokens fetched
 * once per (token URL, client, scopes), kept while valid, fetched again when they expire or a
 * server answers 401. Requests go through the run's transport, with its timeout and cancellation;
 * every secret (the client secret, the Basic pair, each token) is handed to the masker as soon as
 * it is known.
 */
import { ArazzoError } from '../errors.js';
import type { HttpRequest, HttpResponse } from '../http/types.js';
import { truncateForMessage } from '../util/truncate.js';
import type { SecretSink } from './types.js';
import { asRecord } from '../util/guards.js';

/** Sends a token or discovery request with the run's transport, timeout and cancellation. */
export type TokenTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** A client credentials grant, fully resolved. */
export interface ClientGrant {
  /** Absolute http(s) URL. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  readonly clientAuth: 'basic' | 'post';
  /** The scheme, for messages: `oauth (oauth2) of source api`. */
  readonly label: string;
}

export interface AccessToken {
  readonly value: string;
  /** Clock time after which the token is fetched again; undefined when the server gave no lifetime. */
  readonly refreshAt?: number;
}

/** What an OpenID Connect discovery document tells us. */
export interface Discovery {
  readonly tokenEndpoint: string;
  readonly clientAuth: 'basic' | 'post';
}

/** Refresh this long before a token expires (at most half its lifetime), so it does not expire in flight. */
const REFRESH_MARGIN_MS = 30_000;

/** Responses of token endpoints and discovery documents are small; anything larger is refused. */
export const MAX_AUTH_RESPONSE_BYTES = 1024 * 1024;

/** Codes that stop a run: they pass through unwrapped, so cancellation and timeouts stay what they are. */
const STOP_CODES = new Set(['RUN_CANCELLED', 'RUN_TIMEOUT', 'STEP_TIMEOUT']);

interface Pending {
  readonly promise: Promise<AccessToken>;
  readonly send: TokenTransport;
}

/**
 * Tokens and discovery documents, shared by every run given the same credentials object. Concurrent
 * callers of one grant share one request.
 */
export class TokenCache {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Pending>();
  private readonly discoveries = new Map<string, Promise<Discovery>>();

  static keyOf(grant: ClientGrant): string {
    return `${grant.tokenUrl}\u0000${grant.clientId}\u0000${[...grant.scopes].sort().join(' ')}`;
  }

  /** The cached token of a grant while it is valid at `now`, else undefined. */
  peek(key: string, now: number): AccessToken | undefined {
    const token = this.tokens.get(key);
    if (token === undefined) return undefined;
    if (token.refreshAt !== undefined && now >= token.refreshAt) return undefined;
    return token;
  }

  /** The token of a grant: cached while valid, else fetched (callers at the same time share the fetch). */
  async get(grant: ClientGrant, send: TokenTransport, now: () => number, secrets: SecretSink): Promise<AccessToken> {
    const key = TokenCache.keyOf(grant);
    const cached = this.peek(key, now());
    if (cached) return cached;
    const shared = this.pending.get(key);
    if (shared) {
      try {
        return await shared.promise;
      } catch (err) {
        // Another run's fetch stopped with that run (cancelled, timed out): fetch for this one.
        if (shared.send === send || !isStop(err)) throw err;
      }
    }
    return this.fetch(key, grant, send, now, secrets);
  }

  /** Forget `token` (a server refused it): the next `get` fetches a new one, unless someone already did. */
  invalidate(key: string, token: string): void {
    if (this.tokens.get(key)?.value === token) this.tokens.delete(key);
  }

  private fetch(key: string, grant: ClientGrant, send: TokenTransport, now: () => number, secrets: SecretSink): Promise<AccessToken> {
    const promise = requestToken(grant, send, now, secrets).then(
      (token) => {
        this.tokens.set(key, token);
        if (this.pending.get(key)?.promise === promise) this.pending.delete(key);
        return token;
      },
      (err: unknown) => {
        if (this.pending.get(key)?.promise === promise) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, { promise, send });
    return promise;
  }

  /** The discovery document at `url`, read once (a failure is not kept: the next caller tries again). */
  discover(url: string, send: TokenTransport, label: string): Promise<Discovery> {
    let found = this.discoveries.get(url);
    if (!found) {
      found = readDiscovery(url, send, label);
      this.discoveries.set(url, found);
      found.catch(() => {
        if (this.discoveries.get(url) === found) this.discoveries.delete(url);
      });
    }
    return found;
  }
}

function isStop(err: unknown): boolean {
  return err instanceof ArazzoError && STOP_CODES.has(err.code);
}

/** RFC 6749 form encoding of the client id and secret before they go into the Basic header (§2.3.1). */
function formEncode(text: string): string {
  return new URLSearchParams({ v: text }).toString().slice(2);
}

async function requestToken(grant: ClientGrant, send: TokenTransport, now: () => number, secrets: SecretSink): Promise<AccessToken> {
  secrets.add(grant.clientSecret);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (grant.scopes.length > 0) form.set('scope', grant.scopes.join(' '));
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (grant.clientAuth === 'post') {
    form.set('client_id', grant.clientId);
    form.set('client_secret', grant.clientSecret);
  } else {
    const pair = `${formEncode(grant.clientId)}:${formEncode(grant.clientSecret)}`;
    secrets.add(pair);
    headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  }
  const body = form.toString();
  const startedAt = now();
  const response = await exchange({ method: 'POST', url: grant.tokenUrl, headers, body }, send, `an access token for ${grant.label}`);
  const parsed = parseJson(response.bodyText);
  const token = parsed && typeof parsed.access_token === 'string' ? parsed.access_token : undefined;
  if (token) secrets.add(token);
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw failure(`an access token for ${grant.label}`, grant.tokenUrl, `it answered ${response.statusCode}${oauthError(parsed)}`, clientHint(grant));
  }
  if (!token) {
    throw failure(`an access token for ${grant.label}`, grant.tokenUrl, 'its answer has no access_token', 'check that the URL is the token endpoint');
  }
  const type = parsed?.token_type;
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
    throw failure(
      `an access token for ${grant.label}`,
      grant.tokenUrl,
      `it issued a token of type "${truncateForMessage(String(type), 40)}"`,
      'only Bearer tokens are supported',
    );
  }
  const lifetime = expiresInMs(parsed?.expires_in);
  if (lifetime === undefined) return { value: token };
  return { value: token, refreshAt: startedAt + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 2) };
}

async function readDiscovery(url: string, send: TokenTransport, label: string): Promise<Discovery> {
  const what = `the OpenID Connect discovery document of ${label}`;
  const response = await exchange({ method: 'GET', url, headers: { accept: 'application/json' } }, send, what);
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw failure(what, url, `it answered ${response.statusCode}`, "check the scheme's openIdConnectUrl (or --server for a relative one)");
  }
  const doc = parseJson(response.bodyText);
  const endpoint = doc?.token_endpoint;
  if (typeof endpoint !== 'string' || !/^https?:\/\//i.test(endpoint)) {
    throw failure(
      what,
      url,
      doc ? 'it has no absolute http(s) token_endpoint' : 'it is not a JSON object',
      "check that the URL is the provider's /.well-known/openid-configuration",
    );
  }
  const methods = Array.isArray(doc?.token_endpoint_auth_methods_supported) ? doc.token_endpoint_auth_methods_supported : undefined;
  const clientAuth = methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post') ? 'post' : 'basic';
  return { tokenEndpoint: endpoint, clientAuth };
}

/** One bounded exchange; transport failures become AUTH_TOKEN_FAILED, stops pass through. */
async function exchange(request: HttpRequest, send: TokenTransport, what: string): Promise<HttpResponse> {
  try {
    return await send(request);
  } catch (err) {
    if (isStop(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw failure(what, request.url, `the request failed: ${message}`, 'check that the endpoint is reachable', err);
  }
}

function failure(what: string, url: string, why: string, fix: string, cause?: unknown): ArazzoError {
  return new ArazzoError('AUTH_TOKEN_FAILED', `Getting ${what} from ${url} failed: ${why}; ${fix}.`, { url }, cause === undefined ? undefined : { cause });
}

function clientHint(grant: ClientGrant): string {
  return `check the client id and secret given for ${grant.label}, and the scopes (${grant.scopes.join(' ') || 'none'})`;
}

/** RFC 6749 §5.2 error fields, bounded: ` (invalid_client: Client authentication failed)`. */
function oauthError(body: Record<string, unknown> | undefined): string {
  if (!body || typeof body.error !== 'string') return '';
  const description = typeof body.error_description === 'string' ? `: ${truncateForMessage(body.error_description, 200)}` : '';
  return ` (${truncateForMessage(body.error, 60)}${description})`;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return asRecord(v);
  } catch {
    return undefined;
  }
}

/** `expires_in` (seconds, a number or a numeric string) in ms; undefined when absent or not a positive number. */
function expiresInMs(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}
