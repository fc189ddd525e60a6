/**
 * Applying authentication to one request of a run: the step's `x-security` entries, then the
 * caller's credentials for the operation's security requirement (see requirements.ts for how one
 * is chosen). What the step writes itself always wins: a header, query parameter or cookie its
 * parameters set is sent as written and counts as that scheme's credential.
 *
 * Synchronous unless an OAuth2 token has to be fetched. After a 401, `reauthorize` drops the
 * fetched tokens that request used, fetches fresh ones and gives the request to send again.
 */
import { ArazzoError } from '../errors.js';
import type { EvalContext, MessageView } from '../expressions/types.js';
import type { HttpRequest } from '../http/types.js';
import type { OperationInfo, SecuritySchemeInfo } from '../sources/types.js';
import { requestHas, viewWithCredential, withCredential } from './apply.js';
import { type AccessToken, type ClientGrant, TokenCache, type TokenTransport } from './oauth2.js';
import { chooseRequirement } from './requirements.js';
import { acceptedKinds, authorizationScheme, basicToken, describeScheme, expectedShape, kindOf, type Target, targetOf, unsupportedReason } from './schemes.js';
import type { AuthCredentials, ClientCredential, Credential, SecretSink } from './types.js';
import { evaluateXSecurity, type XSecurityPlan } from './x-security.js';
import { asRecord } from '../util/guards.js';

/** What a run gives the authenticator once. */
export interface AuthRunContext {
  /** `RunOptions.auth`; undefined when the caller gave none. */
  readonly credentials: AuthCredentials | undefined;
  readonly secrets: SecretSink;
  readonly now: () => number;
  /** Whether a TLS client certificate is configured for requests to this source (it satisfies mutualTLS). */
  readonly clientCertificate?: (source: string) => boolean;
  /** Keep tokens to this authenticator instead of sharing them with every run given the same credentials (a dry run's stand-in tokens). */
  readonly isolated?: boolean;
}

/** What one request brings. */
export interface AuthorizeInput {
  readonly stepId: string;
  readonly operation: OperationInfo;
  /** The security schemes of the operation's source. */
  readonly schemes: ReadonlyMap<string, SecuritySchemeInfo> | undefined;
  /** The step's compiled `x-security` entries (workflow's merged in). */
  readonly xSecurity: readonly XSecurityPlan[] | undefined;
  readonly request: HttpRequest;
  readonly view: MessageView;
  readonly context: EvalContext;
  /** The operation's base URL: relative token and discovery URLs resolve against it. */
  readonly baseUrl: () => string;
  /** Sends token and discovery requests with the run's transport, timeout and cancellation. */
  readonly send: TokenTransport;
}

/** A request with its credentials, and what a refresh needs. */
export interface Authorized {
  readonly request: HttpRequest;
  readonly view: MessageView;
  /** Fetched tokens it carries: a 401 drops them and fetches new ones. */
  readonly fetched: readonly { readonly key: string; readonly token: string }[];
}

/** One credential to write. */
interface Application {
  readonly scheme: SecuritySchemeInfo;
  readonly target: Target;
  readonly credential: Credential;
  readonly scopes: readonly string[];
  readonly label: string;
}

const NO_FETCH: Authorized['fetched'] = Object.freeze([]);

/** Token caches by credentials object: runs given the same object share tokens. */
const caches = new WeakMap<object, TokenCache>();

export class Authenticator {
  private readonly cache: TokenCache;
  /** The caller's credential of each scheme met so far (null: none). */
  private readonly found = new Map<SecuritySchemeInfo, { key: string; credential: Credential } | null>();
  /** The header (or parameter) value of each static credential, by the scheme it was written for. */
  private readonly values = new WeakMap<Credential, { readonly scheme: SecuritySchemeInfo; readonly value: string }>();

  constructor(private readonly run: AuthRunContext) {
    const creds = run.credentials;
    if (creds) registerCredentials(creds, run.secrets);
    if (creds === undefined || run.isolated) this.cache = new TokenCache();
    else {
      let cache = caches.get(creds);
      if (!cache) caches.set(creds, (cache = new TokenCache()));
      this.cache = cache;
    }
  }

  /** The caller's credential for a scheme of `source`, looked up once per scheme (a scheme object belongs to one source). */
  private credentialFor(scheme: SecuritySchemeInfo, source: string): { key: string; credential: Credential } | undefined {
    let found = this.found.get(scheme);
    if (found === undefined) {
      found = lookup(this.run.credentials, source, scheme.name) ?? null;
      this.found.set(scheme, found);
    }
    return found ?? undefined;
  }

  /** The request with its credentials; a promise only when a token must be fetched. */
  authorize(input: AuthorizeInput): Authorized | Promise<Authorized> {
    const apps = this.applications(input);
    if (apps.length === 0) return { request: input.request, view: input.view, fetched: NO_FETCH };
    return this.write(input, apps);
  }

  /**
   * After a 401: forget the fetched tokens `authorized` carried, fetch fresh ones and return the
   * request to send again; undefined when it carried none (a static credential cannot be refreshed).
   */
  async reauthorize(input: AuthorizeInput, authorized: Authorized): Promise<Authorized | undefined> {
    if (authorized.fetched.length === 0) return undefined;
    for (const f of authorized.fetched) this.cache.invalidate(f.key, f.token);
    return this.write(input, this.applications(input));
  }

  private applications(input: AuthorizeInput): Application[] {
    const apps: Application[] = [];
    const { request, operation: op } = input;
    for (const plan of input.xSecurity ?? []) {
      const target = targetOf(plan.scheme);
      if (!target || requestHas(request, target)) continue;
      const credential = evaluateXSecurity(plan, input.context, input.stepId);
      apps.push({ scheme: plan.scheme, target, credential, scopes: scopesOf(op, plan.scheme.name), label: labelOf(plan.scheme, plan.source) });
    }
    const creds = this.run.credentials;
    if (op.securityRequirements === undefined || (creds === undefined && this.run.clientCertificate === undefined)) return apps;
    const choice = chooseRequirement({
      requirements: op.securityRequirements,
      schemes: input.schemes,
      suppliedByStep: (s) => {
        const t = targetOf(s);
        return t !== undefined && (requestHas(request, t) || apps.some((a) => sameTarget(a.target, t)));
      },
      hasCredential: (s) =>
        s.type === 'mutualTLS'
          ? this.run.clientCertificate?.(op.sourceName) === true
          : unsupportedReason(s) === undefined && this.credentialFor(s, op.sourceName) !== undefined,
    });
    if (choice.kind !== 'apply') return apps;
    for (const { scheme, scopes } of choice.schemes) {
      const target = targetOf(scheme);
      if (!target) continue; // mutualTLS: the TLS handshake carries it
      const found = this.credentialFor(scheme, op.sourceName) as { key: string; credential: Credential };
      const label = labelOf(scheme, op.sourceName);
      checkFit(scheme, found.credential, `RunOptions.auth["${found.key}"]`, label);
      apps.push({ scheme, target, credential: found.credential, scopes, label });
    }
    return apps;
  }

  /**
   * Write the applications from `from` on; synchronous while every token is at hand, else it
   * continues once the token arrives.
   */
  private write(
    input: AuthorizeInput,
    apps: readonly Application[],
    from = 0,
    request = input.request,
    view = input.view,
    fetched: Authorized['fetched'] = NO_FETCH,
  ): Authorized | Promise<Authorized> {
    for (let i = from; i < apps.length; i++) {
      const app = apps[i] as Application;
      let value: string;
      if ((app.credential as Partial<ClientCredential>).clientId !== undefined) {
        const got = this.token(input, app);
        if (got instanceof Promise) {
          return got.then(({ key, token }) => {
            const header = `Bearer ${token.value}`;
            const next = [...fetched, { key, token: token.value }];
            return this.write(input, apps, i + 1, withCredential(request, app.target, header, app.label), viewWithCredential(view, app.target, header), next);
          });
        }
        fetched = [...fetched, { key: got.key, token: got.token.value }];
        value = `Bearer ${got.token.value}`;
      } else value = this.valueOf(app);
      request = withCredential(request, app.target, value, app.label);
      view = viewWithCredential(view, app.target, value);
    }
    return { request, view, fetched };
  }

  /** The value a static credential writes (and its secret forms, remembered for masking). */
  private valueOf(app: Application): string {
    // The caller's credentials were registered as secrets when the run began: their header value
    // is worked out once per run. x-security values are new objects each time: never a hit.
    const known = this.values.get(app.credential);
    if (known !== undefined && known.scheme === app.scheme) return known.value;
    const value = this.computeValue(app);
    this.values.set(app.credential, { scheme: app.scheme, value });
    return value;
  }

  private computeValue(app: Application): string {
    const c = app.credential as unknown as Record<string, string | undefined>;
    const secrets = this.run.secrets;
    if (c.username !== undefined) {
      secrets.add(c.password);
      secrets.add(`${c.username}:${c.password}`);
      return `Basic ${basicToken(c.username, c.password as string)}`;
    }
    const token = (c.token ?? c.apiKey) as string;
    secrets.add(token);
    return app.scheme.type === 'apiKey' ? token : `${authorizationScheme(app.scheme)} ${token}`;
  }

  /** The access token of a client credentials application: cached, or fetched (after discovery for openIdConnect). */
  private token(input: AuthorizeInput, app: Application): { key: string; token: AccessToken } | Promise<{ key: string; token: AccessToken }> {
    const c = app.credential as ClientCredential;
    const scopes = c.scopes ?? app.scopes;
    const explicit = c.tokenUrl ?? (app.scheme.type === 'oauth2' ? app.scheme.tokenUrl : undefined);
    if (explicit !== undefined) {
      const grant = this.grant(input, app, explicit, scopes, c.clientAuth ?? 'basic');
      const key = TokenCache.keyOf(grant);
      const cached = this.cache.peek(key, this.run.now());
      if (cached) return { key, token: cached };
      return this.cache.get(grant, input.send, this.run.now, this.run.secrets).then((token) => ({ key, token }));
    }
    if (app.scheme.type !== 'openIdConnect' || app.scheme.openIdConnectUrl === undefined) {
      throw new ArazzoError(
        'AUTH_CREDENTIAL_INVALID',
        `Step "${input.stepId}": ${app.label} has no clientCredentials flow with a tokenUrl, so a client id and secret cannot be exchanged for a token; give a ready token ({ token }) or the token URL ({ clientId, clientSecret, tokenUrl }).`,
        { stepId: input.stepId },
      );
    }
    const discoveryUrl = absoluteUrl(app.scheme.openIdConnectUrl, input, app.label, 'openIdConnectUrl');
    return this.cache.discover(discoveryUrl, input.send, app.label).then((found) => {
      const grant = this.grant(input, app, found.tokenEndpoint, scopes, c.clientAuth ?? found.clientAuth);
      const key = TokenCache.keyOf(grant);
      return this.cache.get(grant, input.send, this.run.now, this.run.secrets).then((token) => ({ key, token }));
    });
  }

  private grant(input: AuthorizeInput, app: Application, url: string, scopes: readonly string[], clientAuth: 'basic' | 'post'): ClientGrant {
    const c = app.credential as ClientCredential;
    return {
      tokenUrl: absoluteUrl(url, input, app.label, 'tokenUrl'),
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      scopes,
      clientAuth,
      label: app.label,
    };
  }
}

/** Remember every credential of a run as a secret before anything is sent. */
export function registerCredentials(credentials: AuthCredentials, secrets: SecretSink): void {
  for (const key of Object.keys(credentials)) {
    const c = asRecord(credentials[key]);
    if (c === undefined) continue;
    for (const field of ['token', 'apiKey', 'password', 'clientSecret']) if (typeof c[field] === 'string') secrets.add(c[field]);
    if (typeof c.username === 'string' && typeof c.password === 'string') secrets.add(`${c.username}:${c.password}`);
  }
}

/** The caller's credential for a scheme: `source.scheme` first, then `scheme`. Own keys only. */
function lookup(creds: AuthCredentials | undefined, source: string, name: string): { key: string; credential: Credential } | undefined {
  if (creds === undefined) return undefined;
  const qualified = `${source}.${name}`;
  if (Object.hasOwn(creds, qualified)) return { key: qualified, credential: creds[qualified] as Credential };
  if (Object.hasOwn(creds, name)) return { key: name, credential: creds[name] as Credential };
  return undefined;
}

function checkFit(scheme: SecuritySchemeInfo, credential: Credential, where: string, label: string): void {
  const kind = kindOf(credential);
  if (kind === undefined || !acceptedKinds(scheme).includes(kind)) {
    throw new ArazzoError('AUTH_CREDENTIAL_INVALID', `${where} does not fit ${label}: it needs ${expectedShape(scheme)}.`);
  }
}

function labelOf(scheme: SecuritySchemeInfo, source: string | undefined): string {
  return `scheme ${describeScheme(scheme)}${source !== undefined ? ` of source "${source}"` : ''}`;
}

/** The scopes the operation's requirements list for a scheme (the first requirement naming it). */
function scopesOf(op: OperationInfo, name: string): readonly string[] {
  for (const req of op.securityRequirements ?? []) if (Object.hasOwn(req, name)) return req[name] ?? [];
  return [];
}

function sameTarget(a: Target, b: Target): boolean {
  return a.in === b.in && (a.in === 'header' ? a.name.toLowerCase() === b.name.toLowerCase() : a.name === b.name);
}

/** A token or discovery URL made absolute against the operation's base URL; http(s) only. */
function absoluteUrl(url: string, input: AuthorizeInput, label: string, field: string): string {
  let resolved: URL;
  try {
    // RFC 3986 resolution against the server URL, read as a directory (`token` under https://h/v1 is https://h/v1/token).
    resolved = /^[a-z][a-z0-9+.-]*:/i.test(url) ? new URL(url) : new URL(url, withSlash(input.baseUrl()));
  } catch {
    throw new ArazzoError('AUTH_TOKEN_FAILED', `The ${field} "${url}" of ${label} is not a valid URL.`, { stepId: input.stepId });
  }
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') {
    throw new ArazzoError('AUTH_TOKEN_FAILED', `The ${field} of ${label} must be an http(s) URL, not ${resolved.protocol}.`, { stepId: input.stepId });
  }
  return resolved.toString();
}

function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}
