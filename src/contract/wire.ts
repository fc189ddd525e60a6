/**
 * Reading parameters and headers back from the wire, as the server will: the request check
 * validates what is sent, not what the workflow meant to send, so a serialisation mistake is caught
 * too. OpenAPI style/explode rules (3.x "Style Values"; 2.0 collectionFormat maps onto them).
 * Values stay text; the validator coerces them by the schema ("42" is the integer 42).
 */

/** How a parameter's schema shapes its text: one value, a list, or name/value pairs. */
export type Shape = 'primitive' | 'array' | 'object';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function shapeOf(schema: unknown): Shape {
  if (!isObj(schema)) return 'primitive';
  const t = schema.type;
  const types = Array.isArray(t) ? t : typeof t === 'string' ? [t] : [];
  if (types.includes('array') || (types.length === 0 && schema.items !== undefined)) return 'array';
  if (types.includes('object') || (types.length === 0 && (isObj(schema.properties) || isObj(schema.additionalProperties)))) return 'object';
  return 'primitive';
}

/** Property names a schema declares (form-exploded objects spread them over the query). */
export function propertyNames(schema: unknown): string[] {
  return isObj(schema) && isObj(schema.properties) ? Object.keys(schema.properties) : [];
}

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `a,1,b,2` or `a=1,b=2` (explode) as an object. */
function pairs(items: readonly string[], explode: boolean): Obj {
  const out: Obj = {};
  if (explode) {
    for (const item of items) {
      const eq = item.indexOf('=');
      if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    }
  } else {
    for (let i = 0; i + 1 < items.length; i += 2) out[items[i] as string] = items[i + 1];
  }
  return out;
}

/** A delimited text value (simple style: header, path) in the shape of the schema. */
export function readSimple(text: string, shape: Shape, explode: boolean, separator = ','): unknown {
  if (shape === 'primitive') return text;
  const items = text === '' ? [] : text.split(separator);
  return shape === 'array' ? items : pairs(items, explode);
}

/** A header value: simple style (whitespace around items is not part of them). */
export function readHeader(text: string, shape: Shape, explode: boolean): unknown {
  if (shape === 'primitive') return text.trim();
  const value = readSimple(text, shape, explode);
  return Array.isArray(value) ? value.map((item: string) => item.trim()) : value;
}

/** A path parameter's text (percent-encoded, as in the URL), by style. */
export function readPath(raw: string, shape: Shape, style: string, explode: boolean, name: string): unknown {
  if (style === 'label') {
    const body = raw.startsWith('.') ? raw.slice(1) : raw;
    const sep = explode ? '.' : ',';
    if (shape === 'primitive') return decode(body);
    const items = body === '' ? [] : body.split(sep).map(decode);
    return shape === 'array' ? items : explode ? pairs(body.split('.').map(decode), true) : pairs(items, false);
  }
  if (style === 'matrix') {
    const parts = raw.split(';').filter((p) => p !== '');
    if (shape === 'object' && explode) return pairs(parts.map(decode), true);
    const own = parts.filter((p) => p === name || p.startsWith(`${name}=`)).map((p) => decode(p.slice(name.length + 1)));
    if (shape === 'primitive') return own[0] ?? '';
    if (shape === 'array') return explode ? own : own[0] === undefined || own[0] === '' ? [] : own[0].split(',');
    return pairs((own[0] ?? '').split(','), false);
  }
  const items = raw === '' ? [] : raw.split(',').map(decode);
  if (shape === 'primitive') return decode(raw);
  return shape === 'array' ? items : pairs(items, explode);
}

const DELIMITERS: Readonly<Record<string, string>> = { form: ',', spaceDelimited: ' ', pipeDelimited: '|', tabDelimited: '\t' };

/**
 * A query parameter from the parsed query string: undefined when absent. Form-exploded objects
 * take their properties from the query's top level; deepObject reads `name[key]=value`.
 */
export function readQuery(query: URLSearchParams, name: string, shape: Shape, style: string, explode: boolean, schema: unknown): unknown {
  if (style === 'deepObject') {
    const out: Obj = {};
    let found = false;
    const prefix = `${name}[`;
    for (const [k, v] of query) {
      if (k.startsWith(prefix) && k.endsWith(']')) {
        out[k.slice(prefix.length, -1)] = v;
        found = true;
      }
    }
    return found ? out : undefined;
  }
  if (shape === 'object' && explode) {
    const out: Obj = {};
    let found = false;
    for (const key of propertyNames(schema)) {
      const v = query.get(key);
      if (v !== null) {
        out[key] = v;
        found = true;
      }
    }
    return found ? out : undefined;
  }
  const all = query.getAll(name);
  if (all.length === 0) return undefined;
  if (shape === 'primitive') return all[0];
  if (shape === 'array' && explode) return all;
  const text = all[0] as string;
  const items = text === '' ? [] : text.split(DELIMITERS[style] ?? ',');
  return shape === 'array' ? items : pairs(items, false);
}

/** Cookie header → name/value pairs (the first of a repeated name). */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, decode(part.slice(eq + 1).trim()));
  }
  return out;
}

/** A path template compiled once: each segment a literal, or names and literals to match in turn. */
export type PathMatcher = (pathname: string) => Map<string, string> | undefined;

/**
 * The path parameters of a path under `template` (`/pets/{petId}`): the template is matched
 * against the end of the path (the server's base path comes before it), segment by segment.
 * Values stay percent-encoded (styles split on reserved characters first). Undefined when the
 * path does not fit the template.
 */
export function pathMatcher(template: string): PathMatcher {
  // The template is matched against the end of the path: its leading "/" follows the base path.
  const want = (template.startsWith('/') ? template.slice(1) : template)
    .split('/')
    .map((w) => (w.includes('{') ? { tokens: w.split(/(\{[^}]+\})/).filter((t) => t !== '') } : { literal: w.includes('%') ? decode(w) : w }));
  return (pathname) => {
    const have = pathname.split('/');
    if (have.length < want.length) return undefined;
    const offset = have.length - want.length;
    const out = new Map<string, string>();
    for (let i = 0; i < want.length; i++) {
      const w = want[i] as { literal?: string; tokens?: string[] };
      const h = have[offset + i] as string;
      if (w.tokens === undefined) {
        if (w.literal !== (h.includes('%') ? decode(h) : h)) return undefined;
      } else if (!matchSegment(w.tokens, h, out)) return undefined;
    }
    return out;
  };
}

/**
 * Match one template segment (`{name}.{ext}`, `v{version}`, split into names and literals) against a path segment, left to right:
 * a name runs to the next occurrence of the literal after it, or to the end of the segment when
 * that literal ends the template. Linear in the segment's length.
 */
function matchSegment(tokens: readonly string[], segment: string, out: Map<string, string>): boolean {
  let pos = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.startsWith('{')) {
      if (!segment.startsWith(token, pos)) return false;
      pos += token.length;
      continue;
    }
    const next = tokens[i + 1];
    let end: number;
    if (next === undefined) end = segment.length;
    else if (i + 1 === tokens.length - 1) {
      end = segment.length - next.length;
      if (end < pos || !segment.endsWith(next)) return false;
    } else {
      end = segment.indexOf(next, pos);
      if (end < 0) return false;
    }
    out.set(token.slice(1, -1), segment.slice(pos, end));
    pos = end;
  }
  return pos === segment.length;
}
