/**
 * What each kind of security scheme needs and where it writes: the `Authorization` header, or
 * the header, query parameter or cookie an `apiKey` scheme names.
 */
import type { SecuritySchemeInfo } from '../sources/types.js';
import type { Credential, CredentialKind } from './types.js';
import { asRecord } from '../util/guards.js';

/** Where a scheme's credential goes in a request. */
export interface Target {
  readonly in: 'header' | 'query' | 'cookie';
  readonly name: string;
}

const AUTHORIZATION: Target = { in: 'header', name: 'Authorization' };

/** HTTP schemes that need a challenge from the server first: they cannot be sent up front. */
const CHALLENGE_SCHEMES = new Set(['digest', 'negotiate', 'ntlm', 'hoba', 'mutual', 'scram-sha-1', 'scram-sha-256', 'vapid']);

/** Where the scheme's credential goes; undefined for mutualTLS (the TLS handshake carries it). */
export function targetOf(scheme: SecuritySchemeInfo): Target | undefined {
  if (scheme.type === 'apiKey') return scheme.in && scheme.paramName ? { in: scheme.in, name: scheme.paramName } : undefined;
  if (scheme.type === 'mutualTLS') return undefined;
  return AUTHORIZATION;
}

/** Why a scheme cannot be applied by the engine, or undefined when it can. */
export function unsupportedReason(scheme: SecuritySchemeInfo): string | undefined {
  if (scheme.type === 'apiKey' && !(scheme.in && scheme.paramName)) return 'an apiKey scheme needs `in` (header, query or cookie) and `name`';
  if (scheme.type === 'http' && scheme.scheme !== undefined && CHALLENGE_SCHEMES.has(scheme.scheme)) {
    return `HTTP "${scheme.scheme}" authentication needs a challenge from the server first, which the engine does not do`;
  }
  if (scheme.type === 'http' && scheme.scheme === undefined) return 'an http scheme needs `scheme` (basic, bearer, ...)';
  if (!['apiKey', 'http', 'basic', 'oauth2', 'openIdConnect', 'mutualTLS'].includes(scheme.type))
    return `"${scheme.type}" is not an OpenAPI security scheme type`;
  return undefined;
}

/** The credential kinds a scheme accepts, first the usual one. */
export function acceptedKinds(scheme: SecuritySchemeInfo): readonly CredentialKind[] {
  switch (scheme.type) {
    case 'basic':
      return ['basic'];
    case 'http':
      return scheme.scheme === 'basic' ? ['basic'] : ['token'];
    case 'oauth2':
    case 'openIdConnect':
      return ['token', 'client'];
    case 'mutualTLS':
      return [];
    default:
      return ['token'];
  }
}

/** The kind of a credential object, or undefined when it has none of the known shapes. */
export function kindOf(credential: Credential): CredentialKind | undefined {
  const c = asRecord(credential);
  if (c === undefined) return undefined;
  if (typeof c.token === 'string' || typeof c.apiKey === 'string') return 'token';
  if (typeof c.username === 'string' && typeof c.password === 'string') return 'basic';
  if (typeof c.clientId === 'string' && typeof c.clientSecret === 'string') return 'client';
  return undefined;
}

/** How a scheme is written in messages: `bearerAuth (http bearer)`. */
export function describeScheme(scheme: SecuritySchemeInfo): string {
  const kind =
    scheme.type === 'http'
      ? `http ${scheme.scheme ?? ''}`.trim()
      : scheme.type === 'apiKey'
        ? `apiKey in ${scheme.in ?? '?'} "${scheme.paramName ?? '?'}"`
        : scheme.type === 'basic'
          ? 'basic'
          : scheme.type;
  return `${scheme.name} (${kind})`;
}

/** What a credential for the scheme looks like, for messages. */
export function expectedShape(scheme: SecuritySchemeInfo): string {
  const kinds = acceptedKinds(scheme);
  const shapes: Record<CredentialKind, string> = {
    token: scheme.type === 'apiKey' ? '{ apiKey }' : '{ token }',
    basic: '{ username, password }',
    client: '{ clientId, clientSecret }',
  };
  return kinds.map((k) => shapes[k]).join(' or ') || 'no credential (the TLS client certificate is the credential)';
}

/** The HTTP authentication scheme name for an Authorization header: "Bearer", "Basic", or the http scheme as written. */
export function authorizationScheme(scheme: SecuritySchemeInfo): string {
  if (scheme.type === 'http' && scheme.scheme !== undefined && scheme.scheme !== 'bearer') {
    return scheme.scheme === 'basic' ? 'Basic' : scheme.scheme.charAt(0).toUpperCase() + scheme.scheme.slice(1);
  }
  return scheme.type === 'basic' ? 'Basic' : 'Bearer';
}

/** `user:password` in base64 (UTF-8), as HTTP Basic sends it. */
export function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}
