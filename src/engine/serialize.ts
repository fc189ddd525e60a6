/**
 * Parameter serialisation (P18): OpenAPI style/explode per location, percent-encoding.
 * Defaults when the operation does not define the parameter: path simple, query form+explode,
 * header simple, cookie form.
 */
import type { ParameterInfo } from '../sources/types.js';
import { isRecord } from '../util/guards.js';

type Loc = 'path' | 'query' | 'header' | 'cookie' | 'querystring';

export interface StyleSpec {
  readonly style: string;
  readonly explode: boolean;
  readonly allowReserved: boolean;
  readonly contentType?: string;
}

const SIMPLE: StyleSpec = Object.freeze({ style: 'simple', explode: false, allowReserved: false });
const FORM: StyleSpec = Object.freeze({ style: 'form', explode: true, allowReserved: false });
const QUERYSTRING: StyleSpec = Object.freeze({ style: 'form', explode: true, allowReserved: false, contentType: 'application/x-www-form-urlencoded' });

export function defaultStyle(loc: Loc): StyleSpec {
  switch (loc) {
    case 'path':
    case 'header':
      return SIMPLE;
    case 'query':
    case 'cookie':
      return FORM;
    case 'querystring':
      return QUERYSTRING;
  }
}

/** The parameter's style: the OpenAPI parameter itself (it carries style, explode, allowReserved, contentType), else the location's default. */
export function styleOf(loc: Loc, spec: ParameterInfo | undefined): StyleSpec {
  return spec ?? defaultStyle(loc);
}

/** Whether every character of `value` is RFC 3986 unreserved (A-Z a-z 0-9 - . _ ~): a loop, cheaper than a regular expression on short values. */
function unreserved(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126)) return false;
  }
  return true;
}

/** Percent-encode everything outside RFC 3986 unreserved (or unreserved+reserved when allowed). */
export function encode(value: string, allowReserved = false): string {
  // Most values (ids, names, numbers) need no encoding: skip the encoding and its copies.
  if (unreserved(value)) return value;
  const enc = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (!allowReserved) return enc;
  return enc.replace(/%(3A|2F|3F|23|5B|5D|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m));
}

/** A primitive's text form; objects JSON-serialised. */
export function scalarText(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Serialise a path parameter value (already substituted into `{name}`). */
export function serializePath(name: string, value: unknown, s: StyleSpec): string {
  if (s.contentType) return encode(JSON.stringify(value));
  // The common case first, without the helper closure below: one simple-style scalar.
  if (s.style === 'simple' && (value === null || typeof value !== 'object')) return encode(scalarText(value), s.allowReserved);
  const e = (v: unknown): string => encode(scalarText(v), s.allowReserved);
  const prefix = s.style === 'label' ? '.' : s.style === 'matrix' ? ';' : '';
  if (Array.isArray(value)) {
    if (s.style === 'matrix') {
      return s.explode ? value.map((v) => `;${name}=${e(v)}`).join('') : `;${name}=${value.map(e).join(',')}`;
    }
    const sep = s.style === 'label' && s.explode ? '.' : ',';
    return prefix + value.map(e).join(sep);
  }
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (s.style === 'matrix') {
      return s.explode ? keys.map((k) => `;${encode(k)}=${e(value[k])}`).join('') : `;${name}=${keys.map((k) => `${encode(k)},${e(value[k])}`).join(',')}`;
    }
    if (s.explode) return prefix + keys.map((k) => `${encode(k)}=${e(value[k])}`).join(s.style === 'label' ? '.' : ',');
    return prefix + keys.map((k) => `${encode(k)},${e(value[k])}`).join(',');
  }
  if (s.style === 'matrix') return `;${name}=${e(value)}`;
  return prefix + e(value);
}

/** Serialise a query parameter to `name=value` pairs already encoded (joined with `&`). */
export function serializeQuery(name: string, value: unknown, s: StyleSpec): string {
  const n = encode(name);
  if (s.contentType) return `${n}=${encode(typeof value === 'string' ? value : JSON.stringify(value))}`;
  const e = (v: unknown): string => encode(scalarText(v), s.allowReserved);
  if (Array.isArray(value)) {
    if (s.style === 'spaceDelimited' && !s.explode) return `${n}=${value.map(e).join('%20')}`;
    if (s.style === 'pipeDelimited' && !s.explode) return `${n}=${value.map(e).join('|')}`;
    if (s.explode) return value.map((v) => `${n}=${e(v)}`).join('&');
    return `${n}=${value.map(e).join(',')}`;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (s.style === 'deepObject') return keys.map((k) => `${n}%5B${encode(k)}%5D=${e(value[k])}`).join('&');
    if (s.explode) return keys.map((k) => `${encode(k)}=${e(value[k])}`).join('&');
    return `${n}=${keys.map((k) => `${encode(k)},${e(value[k])}`).join(',')}`;
  }
  return `${n}=${e(value)}`;
}

/** Serialise a header value (simple style, no percent-encoding). */
export function serializeHeader(value: unknown, s: StyleSpec): string {
  if (s.contentType) return typeof value === 'string' ? value : JSON.stringify(value);
  if (Array.isArray(value)) return value.map(scalarText).join(',');
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    return keys.map((k) => (s.explode ? `${k}=${scalarText(value[k])}` : `${k},${scalarText(value[k])}`)).join(',');
  }
  return scalarText(value);
}

/** Serialise a cookie to `name=value` pair(s) joined with `; `. */
export function serializeCookie(name: string, value: unknown, s: StyleSpec): string {
  if (s.contentType) return `${name}=${encode(JSON.stringify(value))}`;
  const e = (v: unknown): string => encode(scalarText(v));
  if (Array.isArray(value)) {
    return s.explode ? value.map((v) => `${name}=${e(v)}`).join('; ') : `${name}=${value.map(e).join(',')}`;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    return s.explode ? keys.map((k) => `${k}=${e(value[k])}`).join('; ') : `${name}=${keys.map((k) => `${k},${e(value[k])}`).join(',')}`;
  }
  return `${name}=${e(value)}`;
}

/** 1.1 `in: querystring`: the whole query string from one value in the parameter's media type. */
export function serializeQueryString(value: unknown, contentType: string | undefined): string {
  if (typeof value === 'string') return value.startsWith('?') ? value.slice(1) : value;
  const ct = (contentType ?? 'application/x-www-form-urlencoded').toLowerCase();
  if (ct.includes('json')) return encode(JSON.stringify(value));
  if (isRecord(value)) {
    const parts: string[] = [];
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) parts.push(`${encode(k)}=${encode(scalarText(item))}`);
      else parts.push(`${encode(k)}=${encode(scalarText(v))}`);
    }
    return parts.join('&');
  }
  return encode(scalarText(value));
}
