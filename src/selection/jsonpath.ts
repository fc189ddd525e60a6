/**
 * JSONPath queries: RFC 9535 (the default, with `json-p3`) and the Goessner draft
 * (`draft-goessner-dispatch-jsonpath-00`, with `jsonpath-plus`), through their public APIs only.
 *
 * - A query is compiled once (`compileJsonPath`); json-p3 parses it into a query object that is
 *   then evaluated without re-parsing. Simple paths (`$.a.b[0]`) are walked directly, without a
 *   library, and simple filters (`$[?@.status.state == 'pending']`) by jsonpath-simple.ts, which
 *   is several times faster than json-p3 on them.
 * - RFC 9535's `match()` and `search()` run on RE2 (see regex.ts), so a hostile pattern or string
 *   cannot hang a query.
 * - `rootFilterTestsContext` (the criteria policy, P10b): when the value is not an array, a filter
 *   at the root of the query (`$[?…]`) tests the value itself, as if it were the only member of a
 *   list; on an array it filters the items, as RFC 9535 says. Inside such a query `$` still means
 *   the value.
 *
 * Engines: `jsonpath` (json-p3 and re2js) for RFC 9535, `goessner` (jsonpath-plus) for the
 * draft; see engines.ts.
 */
import { EngineNotLoadedError, engine } from './engines.js';
import { parseJsonPointer } from './json-pointer.js';
import { compileSimpleFilter, FALLBACK } from './jsonpath-simple.js';
import { compileLinearRegex, type LinearRegex } from './regex.js';
import { isPlainObject } from '../util/guards.js';

export type JsonPathDialect = 'rfc9535' | 'goessner';

/** A compiled query: returns the nodelist's values, in order. */
export type CompiledJsonPath = (value: unknown) => unknown[];

export interface JsonPathOptions {
  /** P10b: on a value that is not an array, a root filter (`$[?…]`) tests the value itself. */
  readonly rootFilterTestsContext?: boolean;
}

/** Thrown for a query that does not parse; `offset` is 0-based into the query text when known. */
export class JsonPathSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'JsonPathSyntaxError';
  }
}

type JsonP3 = ReturnType<typeof engine<'jsonpath'>>;
type Environment = InstanceType<JsonP3['JSONPathEnvironment']>;
type Query = ReturnType<Environment['compile']>;

let environment: Environment | undefined;

/** The RFC 9535 environment: json-p3's defaults, with `match()` and `search()` on RE2. */
function rfcEnvironment(): Environment {
  if (environment) return environment;
  const p3 = engine('jsonpath');
  const env = new p3.JSONPathEnvironment();
  const { ValueType, LogicalType } = p3.FunctionExpressionType;
  const patterns = new Map<string, LinearRegex | null>();
  const iRegexp = (pattern: string, whole: boolean): LinearRegex | null => {
    const key = `${whole ? 'm' : 's'}${pattern}`;
    let re = patterns.get(key);
    if (re === undefined) {
      try {
        // I-Regexp (RFC 9485) is close to a subset of ECMA-262 (only `.` differs). A pattern that
        // is invalid, or that RE2 cannot run, makes the function false, as RFC 9535 says.
        re = compileLinearRegex(whole ? `^(?:${pattern})$` : pattern, '', { iRegexp: true });
      } catch {
        re = null;
      }
      if (patterns.size >= 256) patterns.clear();
      patterns.set(key, re);
    }
    return re;
  };
  const regexFunction = (whole: boolean) => ({
    argTypes: [ValueType, ValueType],
    returnType: LogicalType,
    call(value: unknown, pattern: unknown): boolean {
      if (typeof value !== 'string' || typeof pattern !== 'string') return false;
      return iRegexp(pattern, whole)?.test(value) ?? false;
    },
  });
  env.functionRegister.set('match', regexFunction(true));
  env.functionRegister.set('search', regexFunction(false));
  environment = env;
  return env;
}

function rfcSyntaxError(err: unknown, query: string): JsonPathSyntaxError {
  const e = err as { message?: string; token?: { index?: number } };
  const offset = typeof e.token?.index === 'number' ? e.token.index : undefined;
  const message = (e.message ?? String(err)).replace(/ \('.*' ?:\d+\)$/, '');
  return new JsonPathSyntaxError(`Invalid JSONPath (RFC 9535) "${query}": ${message}${offset !== undefined ? ` at offset ${offset}` : ''}`, offset, {
    cause: err,
  });
}

function compileRfc9535(query: string): Query {
  try {
    return rfcEnvironment().compile(query);
  } catch (err) {
    if (err instanceof EngineNotLoadedError) throw err;
    throw rfcSyntaxError(err, query);
  }
}

/** Parses an RFC 9535 query and throws JsonPathSyntaxError when it does not parse. */
export function checkJsonPathRfc9535(query: string): void {
  if (!isSimpleJsonPath(query)) compileRfc9535(query);
}

function goessnerLibrary(): JsonP3Plus {
  return engine('goessner').JSONPath;
}
type JsonP3Plus = ReturnType<typeof engine<'goessner'>>['JSONPath'];

function checkGoessner(query: string): void {
  if (!query.startsWith('$') && !query.startsWith('@')) {
    throw new JsonPathSyntaxError(`Invalid JSONPath (Goessner) "${query}": a query starts with "$".`, 0);
  }
  const library = goessnerLibrary();
  try {
    library.toPathArray(query);
  } catch (err) {
    throw new JsonPathSyntaxError(`Invalid JSONPath (Goessner) "${query}": ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
}

function runGoessner(query: string, value: unknown): unknown[] {
  const result = goessnerLibrary()({ path: query, json: value as object, wrap: true, eval: 'safe' }) as unknown;
  return Array.isArray(result) ? result : [];
}

/**
 * Compiles a query once; throws JsonPathSyntaxError when it does not parse. The engine of the
 * dialect must be loaded (engines.ts), except for simple paths (`$.a.b[0]`).
 */
export function compileJsonPath(query: string, dialect: JsonPathDialect = 'rfc9535', options: JsonPathOptions = {}): CompiledJsonPath {
  const plain = compilePlain(query, dialect);
  if (!options.rootFilterTestsContext || !hasRootFilter(query)) return plain;
  const wrapped = compilePlain(rootToFirstItem(query, dialect), dialect);
  return (value) => {
    if (value === undefined) return [];
    return Array.isArray(value) ? plain(value) : wrapped([value]);
  };
}

function compilePlain(query: string, dialect: JsonPathDialect): CompiledJsonPath {
  if (dialect === 'goessner') {
    checkGoessner(query);
    return (value) => (value === undefined ? [] : runGoessner(query, value));
  }
  const simple = compileSimplePath(query);
  if (simple) return simple;
  const compiled = compileRfc9535(query);
  const library = (value: unknown): unknown[] => compiled.query(value as never).values();
  const fast = compileSimpleFilter(query);
  if (fast) {
    return (value) => {
      if (value === undefined) return [];
      const result = fast(value);
      return result === FALLBACK ? library(value) : result;
    };
  }
  return (value) => (value === undefined ? [] : library(value));
}

/**
 * The locations (unescaped JSON Pointer tokens) of the nodes a query selects, in order: what a
 * replacement target writes to. Throws JsonPathSyntaxError.
 */
export function jsonPathLocations(value: unknown, query: string, dialect: JsonPathDialect = 'rfc9535'): string[][] {
  if (value === undefined) return [];
  if (dialect === 'goessner') {
    checkGoessner(query);
    const pointers = goessnerLibrary()({ path: query, json: value as object, resultType: 'pointer', wrap: true, eval: 'safe' }) as unknown;
    if (!Array.isArray(pointers)) return [];
    return pointers.map((p: string) => parseJsonPointer(p));
  }
  return compileRfc9535(query)
    .query(value as never)
    .nodes.map((node) => node.location.map(String));
}

// ---- the root-filter policy (P10b) ----

const BLANK = new Set([' ', '\t', '\n', '\r']);

/** Index just past the string literal that starts at `i` (a quote), honouring backslash escapes. */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Whether the first segment of the query is a bracketed selection made only of filter selectors. */
export function hasRootFilter(query: string): boolean {
  if (query[0] !== '$') return false;
  let i = 1;
  while (BLANK.has(query[i] ?? '')) i++;
  if (query[i] !== '[') return false;
  i++;
  let depth = 0;
  let selectorStart = true;
  for (; i < query.length; i++) {
    const c = query[i]!;
    if (selectorStart) {
      if (BLANK.has(c)) continue;
      if (c !== '?') return false;
      selectorStart = false;
      continue;
    }
    if (c === "'" || c === '"') {
      i = skipString(query, i) - 1;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === ']') {
      if (depth === 0) return true;
      depth--;
    } else if (c === ',' && depth === 0) {
      selectorStart = true;
    }
  }
  return false;
}

/**
 * The query to run against `[value]`: every reference to the root other than the leading `$`
 * (`$` in RFC 9535, `@root` in jsonpath-plus filters) is pointed at the value, the list's one item.
 */
function rootToFirstItem(query: string, dialect: JsonPathDialect): string {
  let out = '$';
  for (let i = 1; i < query.length; ) {
    const c = query[i]!;
    if (c === "'" || c === '"') {
      const end = skipString(query, i);
      out += query.slice(i, end);
      i = end;
    } else if (dialect === 'rfc9535' && c === '$') {
      out += '$[0]';
      i++;
    } else if (dialect === 'goessner' && query.startsWith('@root', i)) {
      out += '@root[0]';
      i += 5;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// ---- simple paths, walked without a library ----

/** `$` followed only by `.name` and `[index]` segments: the usual criterion operand (`$.status.state`). */
const SIMPLE_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:0|-?[1-9][0-9]{0,14})\])*$/;
const SIMPLE_SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]/g;

/** True for `$` followed only by `.name` / `[index]` segments: always a valid RFC 9535 query. */
export function isSimpleJsonPath(query: string): boolean {
  return SIMPLE_PATH.test(query);
}

/**
 * RFC 9535 semantics for a simple path, walked directly: a name selects an own member of a plain
 * object, an index (negative from the end) an element of an array; the nodelist has at most one
 * value.
 */
function compileSimplePath(query: string): CompiledJsonPath | undefined {
  if (!SIMPLE_PATH.test(query)) return undefined;
  const segments: Array<string | number> = [];
  for (const m of query.matchAll(SIMPLE_SEGMENT)) segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return (value) => {
    if (value === undefined) return [];
    let node: unknown = value;
    for (const segment of segments) {
      if (typeof segment === 'string') {
        if (!isPlainObject(node) || !Object.hasOwn(node, segment)) return [];
        node = node[segment];
      } else {
        if (!Array.isArray(node)) return [];
        const i = segment < 0 ? node.length + segment : segment;
        if (i < 0 || i >= node.length) return [];
        node = node[i];
      }
    }
    return [node];
  };
}

const cache = new Map<string, CompiledJsonPath>();

/**
 * Runs a JSONPath query (plain RFC 9535 or Goessner semantics) and returns the values of the
 * nodelist. Compiled queries are cached by text. Throws JsonPathSyntaxError for an invalid query.
 */
export function queryJsonPath(value: unknown, query: string, dialect: JsonPathDialect = 'rfc9535'): unknown[] {
  const key = `${dialect}\u0000${query}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compileJsonPath(query, dialect);
    if (cache.size >= 1000) cache.clear();
    cache.set(key, compiled);
  }
  return compiled(value);
}
