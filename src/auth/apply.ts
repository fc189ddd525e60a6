/**
 * Writing a credential into a built request, and telling whether the request already carries one
 * (a step's own parameters win over authentication: what the workflow writes is sent as written).
 */
import { ArazzoError } from '../errors.js';
import type { MessageView } from '../expressions/types.js';
import type { HttpRequest } from '../http/types.js';
import type { Target } from './schemes.js';

/** Whether the request already has the header (any case), query parameter or cookie. */
export function requestHas(request: HttpRequest, target: Target): boolean {
  switch (target.in) {
    case 'header':
      return headerKey(request.headers, target.name) !== undefined;
    case 'query':
      return queryHas(request.url, target.name);
    case 'cookie': {
      const key = headerKey(request.headers, 'cookie');
      return key !== undefined && cookieHas(request.headers[key] as string, target.name);
    }
  }
}

/** The request with `value` written at `target` (a header replaces, a query parameter appends, a cookie joins the Cookie header). */
export function withCredential(request: HttpRequest, target: Target, value: string, label: string): HttpRequest {
  switch (target.in) {
    case 'header': {
      checkHeaderValue(value, label);
      const headers: Record<string, string> = { ...request.headers };
      const existing = headerKey(headers, target.name);
      if (existing !== undefined) delete headers[existing];
      headers[target.name] = value;
      return { ...request, headers };
    }
    case 'query': {
      const pair = `${encodeURIComponent(target.name)}=${encodeURIComponent(value)}`;
      return { ...request, url: `${request.url}${request.url.includes('?') ? '&' : '?'}${pair}` };
    }
    case 'cookie': {
      const cookie = `${target.name}=${cookieValue(value)}`;
      const headers: Record<string, string> = { ...request.headers };
      const existing = headerKey(headers, 'cookie');
      if (existing !== undefined) {
        headers[existing] = `${headers[existing]}; ${cookie}`;
      } else headers.Cookie = cookie;
      return { ...request, headers };
    }
  }
}

/** The request view expressions read (`$request.header.*`, `$request.query.*`) with the credential in it. */
export function viewWithCredential(view: MessageView, target: Target, value: string): MessageView {
  let headers = view.headers;
  let query = view.query;
  if (target.in === 'query') {
    const q: Record<string, string> = Object.assign({}, query);
    q[target.name] = value;
    query = q;
  } else {
    const h: Record<string, string> = Object.assign({}, headers);
    if (target.in === 'header') h[target.name.toLowerCase()] = value;
    else {
      const cookie = `${target.name}=${cookieValue(value)}`;
      h.cookie = h.cookie ? `${h.cookie}; ${cookie}` : cookie;
    }
    headers = h;
  }
  return { headers, query, path: view.path, body: view.body } as MessageView;
}

function headerKey(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  if (name in headers) return name;
  const lower = name.toLowerCase();
  for (const k in headers) if (k.toLowerCase() === lower) return k;
  return undefined;
}

function queryHas(url: string, name: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const raw = eq < 0 ? part : part.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      key = raw;
    }
    if (key === name) return true;
  }
  return false;
}

function cookieHas(header: string, name: string): boolean {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if ((eq < 0 ? part : part.slice(0, eq)).trim() === name) return true;
  }
  return false;
}

/** A cookie value as RFC 6265 allows it: characters outside cookie-octet are percent-encoded. */
function cookieValue(value: string): string {
  return /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** A credential HTTP cannot carry in a header (a line break, a control character): refused, without echoing it. */
function checkHeaderValue(value: string, label: string): void {
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new ArazzoError(
      'AUTH_CREDENTIAL_INVALID',
      `The credential for ${label} has a character an HTTP header cannot carry (a line break, a control character, or one outside ISO-8859-1); check the value given for it.`,
    );
  }
}
