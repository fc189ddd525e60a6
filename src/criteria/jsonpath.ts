/**
 * JSONPath queries: RFC 9535 (default, `jsonpath-rfc9535`) and the Goessner draft
 * (`draft-goessner-dispatch-jsonpath-00`, `jsonpath-plus`).
 *
 * RFC 9535 queries are parsed once. The package's public `query()` parses on every call, so when its
 * internal evaluator can be reached (same package layout as 1.3.x) a compiled query runs the parsed
 * AST directly; otherwise it falls back to `query()`, which gives the same results, only slower.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { JsonValue } from 'jsonpath-rfc9535';

// Both libraries load on first use (their CommonJS builds, synchronously): ~30 ms that documents
// without JSONPath, or with only one dialect, do not pay at start-up.
const require = createRequire(import.meta.url);
let rfcModule: typeof import('jsonpath-rfc9535') | undefined;
let rfcParser: ((query: string) => unknown) | undefined;
let plusModule: typeof import('jsonpath-plus') | undefined;
const rfcQuery = (value: JsonValue, query: string): unknown[] =>
  (rfcModule ??= require('jsonpath-rfc9535') as typeof import('jsonpath-rfc9535')).query(value, query);
const parseRfc9535 = (query: string): unknown => (rfcParser ??= (require('jsonpath-rfc9535/parser') as { default: (query: string) => unknown }).default)(query);
const jsonPathPlus = (): typeof import('jsonpath-plus').JSONPath => (plusModule ??= require('jsonpath-plus') as typeof import('jsonpath-plus')).JSONPath;

export type JsonPathDialect = 'rfc9535' | 'goessner';

/** A compiled query: returns the nodelist's values, in order. */
export type CompiledJsonPath = (value: unknown) => unknown[];

/** Thrown for a query that does not parse; `offset` is 0-based into the query text when known. */
export class JsonPathSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
    this.name = 'JsonPathSyntaxError';
  }
}

interface Rfc9535Internals {
  run(ast: unknown, value: unknown, cb: (v: unknown) => void): void;
}

let internals: Rfc9535Internals | null | undefined;

function loadInternals(): Rfc9535Internals | null {
  if (internals !== undefined) return internals;
  try {
    const dir = path.dirname(require.resolve('jsonpath-rfc9535'));
    const load = (rel: string): unknown => {
      const mod = require(path.join(dir, rel)) as { default?: unknown };
      return mod.default;
    };
    const visitQuery = load('core/visitors/query.js') as (ctx: unknown, root: unknown, input: unknown, node: unknown, cb: (v: unknown) => void) => void;
    const functions = {
      count: load('core/functions/count.js'),
      search: load('core/functions/search.js'),
      value: load('core/functions/value.js'),
      match: load('core/functions/match.js'),
      length: load('core/functions/length.js'),
    };
    const { Stack } = require(path.join(dir, 'utils/stack.js')) as { Stack: new () => unknown };
    if (typeof visitQuery !== 'function' || Object.values(functions).some((f) => f === undefined || f === null)) {
      internals = null;
      return null;
    }
    const candidate: Rfc9535Internals = {
      run(ast, value, cb) {
        const ctx = { cache: new Map(), capturePaths: false, functions, regexp: 'i-regexp', stack: new Stack() };
        visitQuery(ctx, value, value, ast, cb);
      },
    };
    // Self-check against the public API before trusting the internals.
    const probe = { a: [{ b: 1 }, { b: 2 }], c: 'x' };
    const q = '$.a[?@.b > 1].b';
    const got: unknown[] = [];
    candidate.run(parseRfc9535(q), probe, (v) => got.push(v));
    const want = rfcQuery(probe as JsonValue, q);
    internals = JSON.stringify(got) === JSON.stringify(want) ? candidate : null;
  } catch {
    internals = null;
  }
  return internals;
}

function syntaxError(err: unknown, query: string): JsonPathSyntaxError {
  const e = err as { message?: string; location?: { start?: { offset?: number } } };
  const offset = e.location?.start?.offset;
  return new JsonPathSyntaxError(`Invalid JSONPath (RFC 9535) "${query}": ${e.message ?? String(err)}`, typeof offset === 'number' ? offset : undefined);
}

/** Parses an RFC 9535 query; throws JsonPathSyntaxError. */
export function parseJsonPathRfc9535(query: string): unknown {
  try {
    return parseRfc9535(query);
  } catch (err) {
    throw syntaxError(err, query);
  }
}

/** True when RFC 9535 queries run from their parsed AST (the fast path), false when they re-parse per call. */
export function isJsonPathPrecompiled(): boolean {
  return loadInternals() !== null;
}

/** Compiles a query once; throws JsonPathSyntaxError when it does not parse. */
export function compileJsonPath(query: string, dialect: JsonPathDialect = 'rfc9535'): CompiledJsonPath {
  if (dialect === 'goessner') {
    if (!query.startsWith('$') && !query.startsWith('@')) {
      throw new JsonPathSyntaxError(`Invalid JSONPath (Goessner) "${query}": a query starts with "$".`, 0);
    }
    let parsed: string[];
    try {
      parsed = jsonPathPlus().toPathArray(query);
    } catch (err) {
      throw new JsonPathSyntaxError(`Invalid JSONPath (Goessner) "${query}": ${err instanceof Error ? err.message : String(err)}`, undefined);
    }
    void parsed;
    return (value) => {
      if (value === undefined) return [];
      const result = jsonPathPlus()({ path: query, json: value as object, wrap: true, eval: 'safe' }) as unknown;
      return Array.isArray(result) ? result : [];
    };
  }
  const simple = compileSimplePath(query);
  if (simple) return simple;
  const ast = parseJsonPathRfc9535(query);
  const fast = loadInternals();
  if (fast) {
    return (value) => {
      if (value === undefined) return [];
      const out: unknown[] = [];
      fast.run(ast, value, (v) => out.push(v));
      return out;
    };
  }
  return (value) => (value === undefined ? [] : rfcQuery(value as JsonValue, query));
}

/** `$` followed only by `.name` and `[index]` segments: the usual criterion operand (`$.status.state`). */
const SIMPLE_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:0|-?[1-9][0-9]{0,14})\])*$/;
const SIMPLE_SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]/g;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === null || proto === Object.prototype;
};

/**
 * RFC 9535 semantics for a simple path, walked directly: a name selects an own member of a plain
 * object, an index (negative from the end) an element of an array; the nodelist has at most one
 * value. Needs no library, so most documents never load one.
 */
/** True for `$` followed only by `.name` / `[index]` segments: always a valid RFC 9535 query. */
export function isSimpleJsonPath(query: string): boolean {
  return SIMPLE_PATH.test(query);
}

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
 * Runs a JSONPath query and returns the values of the nodelist. Compiled queries are cached by text.
 * Throws JsonPathSyntaxError for an invalid query.
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
