/**
 * The common JSONPath filter shape, evaluated directly with RFC 9535 semantics and no library:
 * a simple path (`$` followed by `.name` and `[index]` segments), one filter segment whose
 * expression compares relative singular queries (`@`, `@.a.b`, `@[0]`) with literals, or tests
 * their existence, joined by `&&`, `||`, `!` and parentheses, then more `.name`/`[index]` segments
 * (`$[?@.status.state == 'pending']`, `$.items[?@.price < 10 && @.tags].id`). Simple paths alone
 * are walked in jsonpath.ts.
 *
 * This is what criteria usually say, and json-p3 evaluates it several times slower (it builds
 * a located node for every value it visits). Anything else returns undefined from the compile
 * functions, and the caller uses the library. A value that is not plain JSON data (a class
 * instance, a function) makes an evaluation return FALLBACK, so the library decides that case too.
 * Tests compare both paths with an independent RFC 9535 implementation.
 */

import { isPlainObject } from '../util/guards.js';

/** Returned by a compiled simple query when the value is outside what it handles. */
export const FALLBACK: unique symbol = Symbol('jsonpath-fallback');

export type SimpleQuery = (value: unknown) => unknown[] | typeof FALLBACK;

type Segment = string | number;
type Relative = readonly Segment[];
type Literal = string | number | boolean | null;
type Expr =
  | { readonly kind: 'exists'; readonly path: Relative }
  | {
      readonly kind: 'compare';
      readonly op: string;
      readonly left: Relative | Literal;
      readonly leftIsPath: boolean;
      readonly right: Relative | Literal;
      readonly rightIsPath: boolean;
    }
  | { readonly kind: 'not'; readonly expr: Expr }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr };

const NOTHING: unique symbol = Symbol('nothing');

/** A JSON value we can reason about: primitives, arrays and plain objects. */
function isData(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v) || isPlainObject(v);
}

// ---- parsing (a small recursive-descent parser over the query text; queries are short) ----

class Parser {
  i = 0;
  constructor(readonly text: string) {}

  blank(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  /** `.name` or `[index]` segments; stops before anything else. */
  segments(): Segment[] | undefined {
    const out: Segment[] = [];
    for (;;) {
      const rest = this.text.slice(this.i);
      const name = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
      if (name) {
        out.push(name[1]!);
        this.i += name[0].length;
        continue;
      }
      const index = /^\[(0|-?[1-9][0-9]{0,14})\]/.exec(rest);
      if (index) {
        out.push(Number(index[1]));
        this.i += index[0].length;
        continue;
      }
      return out;
    }
  }

  literal(): { value: Literal } | undefined {
    const rest = this.text.slice(this.i);
    const str = /^'([^'\\]*)'/.exec(rest) ?? /^"([^"\\]*)"/.exec(rest);
    if (str) {
      this.i += str[0].length;
      return { value: str[1]! };
    }
    const num = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/.exec(rest);
    if (num && !/^[A-Za-z0-9_.]/.test(rest.slice(num[0].length))) {
      this.i += num[0].length;
      return { value: Number(num[0]) };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (rest.startsWith(word) && !/^[A-Za-z0-9_]/.test(rest.slice(word.length))) {
        this.i += word.length;
        return { value };
      }
    }
    return undefined;
  }

  /** A comparable: `@` followed by segments, or a literal. */
  comparable(): { path: Relative } | { value: Literal } | undefined {
    this.blank();
    if (this.text[this.i] === '@') {
      this.i++;
      const path = this.segments();
      return path ? { path } : undefined;
    }
    return this.literal();
  }

  atom(): Expr | undefined {
    this.blank();
    if (this.text[this.i] === '!') {
      // RFC 9535: "!" applies to a parenthesised expression or an existence test, not a comparison.
      this.i++;
      this.blank();
      if (this.text[this.i] === '(') {
        const expr = this.atom();
        return expr && { kind: 'not', expr };
      }
      if (this.text[this.i] !== '@') return undefined;
      this.i++;
      const path = this.segments();
      this.blank();
      if (!path || this.comparisonAhead()) return undefined;
      return { kind: 'not', expr: { kind: 'exists', path } };
    }
    if (this.text[this.i] === '(') {
      this.i++;
      const expr = this.or();
      this.blank();
      if (!expr || this.text[this.i] !== ')') return undefined;
      this.i++;
      return expr;
    }
    const left = this.comparable();
    if (!left) return undefined;
    this.blank();
    const op = this.comparisonAhead();
    if (!op) return 'path' in left ? { kind: 'exists', path: left.path } : undefined;
    this.i += op.length;
    const right = this.comparable();
    if (!right) return undefined;
    const side = (c: { path: Relative } | { value: Literal }) => ('path' in c ? c.path : c.value);
    return { kind: 'compare', op, left: side(left), leftIsPath: 'path' in left, right: side(right), rightIsPath: 'path' in right };
  }

  comparisonAhead(): string | undefined {
    return /^(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.i))?.[1];
  }

  /** `operand (op operand)*`, left-associative: `&&` over atoms, `||` over `&&` groups. */
  chain(kind: 'and' | 'or', operand: () => Expr | undefined): Expr | undefined {
    const op = kind === 'and' ? '&&' : '||';
    let left = operand();
    for (;;) {
      if (!left) return undefined;
      this.blank();
      if (!this.text.startsWith(op, this.i)) return left;
      this.i += 2;
      const right = operand();
      if (!right) return undefined;
      left = { kind, left, right };
    }
  }

  or(): Expr | undefined {
    return this.chain('or', () => this.chain('and', () => this.atom()));
  }
}

// ---- evaluation ----

/** The node a singular path selects, NOTHING when it selects none, FALLBACK for non-JSON data. */
function walk(value: unknown, path: readonly Segment[]): unknown {
  let node = value;
  for (const segment of path) {
    if (typeof segment === 'string') {
      if (!isPlainObject(node)) return Array.isArray(node) || isData(node) ? NOTHING : FALLBACK;
      if (!Object.hasOwn(node, segment)) return NOTHING;
      node = node[segment];
    } else {
      if (!Array.isArray(node)) return isData(node) ? NOTHING : FALLBACK;
      const i = segment < 0 ? node.length + segment : segment;
      if (i < 0 || i >= node.length) return NOTHING;
      node = node[i];
    }
  }
  return isData(node) ? node : FALLBACK;
}

/**
 * RFC 9535 §2.3.5.2.2 equality when at most one side is structured (two structured values are
 * left to the library): Nothing equals only Nothing, a structured value equals no primitive, and
 * primitives are equal when they are the same value.
 */
function equal(a: unknown, b: unknown): boolean {
  if (a === NOTHING || b === NOTHING) return a === b;
  if ((a !== null && typeof a === 'object') || (b !== null && typeof b === 'object')) return false;
  return a === b;
}

function less(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  // UTF-16 order, as json-p3 (and jsonpath-rfc9535) compare strings, so both paths agree.
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return false;
}

/** Evaluates a filter expression for one candidate; FALLBACK when the data is outside what is handled. */
function test(expr: Expr, current: unknown): boolean | typeof FALLBACK {
  switch (expr.kind) {
    case 'exists': {
      const v = walk(current, expr.path);
      return v === FALLBACK ? FALLBACK : v !== NOTHING;
    }
    case 'not': {
      const v = test(expr.expr, current);
      return v === FALLBACK ? FALLBACK : !v;
    }
    case 'and':
    case 'or': {
      const l = test(expr.left, current);
      if (l === FALLBACK) return FALLBACK;
      if (expr.kind === 'and' ? !l : l) return l;
      return test(expr.right, current);
    }
    default: {
      const a = expr.leftIsPath ? walk(current, expr.left as Relative) : expr.left;
      const b = expr.rightIsPath ? walk(current, expr.right as Relative) : expr.right;
      if (a === FALLBACK || b === FALLBACK) return FALLBACK;
      // Two structured values need deep JSON equality: leave that to the library.
      if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') return FALLBACK;
      switch (expr.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '<':
          return less(a, b);
        case '>':
          return less(b, a);
        case '<=':
          return less(a, b) || equal(a, b);
        default:
          return less(b, a) || equal(a, b);
      }
    }
  }
}

/**
 * Compiles a simple filter query (see the file comment); undefined for any other query (simple
 * paths are walked by jsonpath.ts). Every query it accepts is valid RFC 9535.
 */
export function compileSimpleFilter(query: string): SimpleQuery | undefined {
  if (query[0] !== '$') return undefined;
  const p = new Parser(query);
  p.i = 1;
  const head = p.segments();
  if (!head || !query.startsWith('[?', p.i)) return undefined;
  p.i += 2;
  const filter = p.or();
  p.blank();
  if (!filter || query[p.i] !== ']') return undefined;
  p.i++;
  const tail = p.segments();
  if (!tail || p.i !== query.length) return undefined;
  return (value) => {
    const base = walk(value, head);
    if (base === FALLBACK) return FALLBACK;
    if (base === NOTHING || base === null || typeof base !== 'object') return [];
    const out: unknown[] = [];
    const candidates = Array.isArray(base) ? base : Object.values(base);
    for (const candidate of candidates) {
      const ok = test(filter, candidate);
      if (ok === FALLBACK) return FALLBACK;
      if (!ok) continue;
      const selected = walk(candidate, tail);
      if (selected === FALLBACK) return FALLBACK;
      if (selected !== NOTHING) out.push(selected);
    }
    return out;
  };
}
