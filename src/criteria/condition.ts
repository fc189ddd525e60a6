/**
 * Condition expressions: the `simple` criterion language, and the comparison form of `jsonpath`
 * conditions (P10), parsed with jsep restricted to the spec's operators.
 *
 * Grammar (P8): literals `true` `false` `null`, numbers, single-quoted strings (`''` is a quote);
 * double-quoted strings (`"ok"`) are accepted as a dialect, with a DIALECT_DOUBLE_QUOTED_STRING
 * warning that names the standard spelling (`'ok'`);
 * operators `!` > `< <= > >=` > `== !=` > `&&` > `||`, `( )` grouping, `.name` and `[index]` access.
 * Operands are runtime expressions (the longest valid one; `.`/`[]` then apply to its value), 1.1
 * `{$…}` embedded expressions, and — in jsonpath mode — JSONPath queries against the context.
 *
 * Semantics (P8, P24): a missing operand is `null`; `null` equals only `null`; strings compare
 * case-insensitively; numeric strings are coerced when compared with numbers and for `< <= > >=`;
 * `!`, `&&`, `||` work on "is boolean true"; relational comparison with `null` is false; comparing
 * incompatible types (an object with a number, …) is an evaluation error.
 *
 * jsep (the `jsep` engine, loaded by engines.ts) parses every condition once, at load; the tree is
 * then compiled into closures, so evaluation walks no tree and parses nothing.
 */
import type jsep from 'jsep';
import type { ArazzoVersion } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { matchRuntimeExpression, startsRuntimeExpression, tryParseRuntimeExpression } from '../expressions/runtime-expression.js';
import type { EvalContext, RuntimeExpression } from '../expressions/types.js';
import { engine } from '../selection/engines.js';
import { compileJsonPath, type CompiledJsonPath, JsonPathSyntaxError, type JsonPathDialect } from '../selection/jsonpath.js';
import type { ErrorCode, ProblemCode } from '../error-codes.js';
import { quoteForMessage } from '../util/truncate.js';
import { propertyOf } from '../util/guards.js';

/** Evaluates a node: `ctx` for runtime expressions, `data` (the criterion context) for JSONPath operands. */
type Evaluator = (ctx: EvalContext, data: unknown) => unknown;

/** A dialect form that was accepted, with the standard spelling to use instead. */
export interface ConditionWarning {
  readonly code: ProblemCode;
  readonly message: string;
}

/** A JSONPath operand of a jsonpath comparison condition, for explaining a failure. */
export interface JsonPathOperand {
  readonly text: string;
  readonly select: CompiledJsonPath;
}

export interface CompiledCondition {
  readonly expressions: readonly RuntimeExpression[];
  /** Dialect forms the condition uses (absent when there are none). */
  readonly warnings?: readonly ConditionWarning[];
  /** In jsonpath mode: the JSONPath operands, in order. */
  readonly jsonPathOperands: readonly JsonPathOperand[];
  /** Evaluates to a JSON value; throws ConditionEvaluationError for type errors. */
  evaluate(ctx: EvalContext, data?: unknown): unknown;
}

export class ConditionEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionEvaluationError';
  }
}

export interface ParseConditionOptions {
  readonly version: ArazzoVersion;
  /** 'simple' (runtime-expression operands) or 'jsonpath' (`$.…` operands are JSONPath queries). */
  readonly mode?: 'simple' | 'jsonpath';
  readonly dialect?: JsonPathDialect;
}

interface OperandNode {
  type: 'ArazzoOperand';
  index: number;
}

interface ActiveParse {
  readonly text: string;
  readonly options: ParseConditionOptions;
  readonly operands: Evaluator[];
  readonly expressions: RuntimeExpression[];
  readonly warnings: ConditionWarning[];
  readonly jsonPathOperands: JsonPathOperand[];
}

let active: ActiveParse | null = null;

function readSpecString(scope: jsep.HookScope): string {
  const text = scope.expr;
  let i = scope.index + 1;
  let out = '';
  for (;;) {
    if (i >= text.length) {
      scope.throwError("Unclosed string literal (strings are single-quoted; write a quote inside as '')");
    }
    const ch = text[i]!;
    if (ch === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      scope.index = i + 1;
      return out;
    }
    out += ch;
    i++;
  }
}

/** The end of a JSONPath query starting at `start` (a `$`): brackets and quotes nest, whitespace and operators end it. */
export function scanJsonPathOperand(text: string, start: number): number {
  let j = start + 1;
  let depth = 0;
  let quote: string | null = null;
  while (j < text.length) {
    const c = text[j]!;
    if (quote) {
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === quote) quote = null;
      j++;
      continue;
    }
    if (depth > 0 && (c === "'" || c === '"')) {
      quote = c;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (/\s/.test(c) || '=!<>&|()\'"'.includes(c))) {
      break;
    }
    j++;
  }
  return j;
}

function addOperand(p: ActiveParse, evaluator: Evaluator): OperandNode {
  p.operands.push(evaluator);
  return { type: 'ArazzoOperand', index: p.operands.length - 1 };
}

function runtimeOperand(p: ActiveParse, expr: RuntimeExpression): OperandNode {
  p.expressions.push(expr);
  return addOperand(p, (ctx) => expr.evaluate(ctx));
}

/** The JSONPath query at `start` (jsonpath mode) compiled and registered as an operand, and where it ends. Throws the query's syntax error. */
function jsonPathOperand(p: ActiveParse, text: string, start: number): { node: OperandNode; end: number } {
  const end = scanJsonPathOperand(text, start);
  const query = text.slice(start, end);
  const run = compileJsonPath(query, p.options.dialect ?? 'rfc9535', { rootFilterTestsContext: true });
  p.jsonPathOperands.push({ text: query, select: run });
  return { node: addOperand(p, (_ctx, data) => run(data)[0]), end };
}

function gobbleToken(this: jsep.HookScope, env: { node?: jsep.Expression }): void {
  const p = active;
  if (!p) return;
  const text = this.expr;
  const start = this.index;
  const ch = text[start];
  if (ch === '$') {
    const version = p.options.version;
    if (p.options.mode === 'jsonpath' && !startsRuntimeExpression(text, start)) {
      let operand: { node: OperandNode; end: number };
      try {
        operand = jsonPathOperand(p, text, start);
      } catch (err) {
        this.index = start + (err instanceof JsonPathSyntaxError && err.offset !== undefined ? err.offset : 0);
        this.throwError(err instanceof Error ? err.message : String(err));
      }
      this.index = operand.end;
      env.node = operand.node as unknown as jsep.Expression;
      return;
    }
    const result = matchRuntimeExpression(text, start, version, 'embedded');
    if (!result.ok) {
      this.index = result.offset;
      const jsonPath = text[start + 1] === '.' || text[start + 1] === '[';
      const message = jsonPath
        ? `"${text.slice(start, start + 2)}…" is JSONPath, not a runtime expression; use "type: jsonpath" with a "context", or a pointer such as "$response.body#/a"`
        : result.message;
      const err = new Error(message) as Error & { index: number; description: string; code: string };
      err.index = result.offset;
      err.description = message;
      err.code = result.code;
      throw err;
    }
    this.index = result.end;
    env.node = this.gobbleTokenProperty(runtimeOperand(p, result.expression) as unknown as jsep.Expression);
    return;
  }
  if (ch === '{' && text[start + 1] === '$') {
    const close = text.indexOf('}', start + 2);
    if (close < 0) this.throwError('An embedded expression "{$" is never closed with "}"');
    const result = tryParseRuntimeExpression(text.slice(start + 1, close), p.options.version);
    if (!result.ok) {
      this.index = start + 1 + result.offset;
      this.throwError(result.message);
    }
    this.index = close + 1;
    env.node = this.gobbleTokenProperty(runtimeOperand(p, result.expression) as unknown as jsep.Expression);
    return;
  }
  if (ch === "'") {
    const value = readSpecString(this);
    env.node = { type: 'Literal', value, raw: text.slice(start, this.index) } as jsep.Literal;
    return;
  }
  if (ch === '"') {
    const value = readDoubleQuotedString(this);
    const standard = `'${value.replace(/'/g, "''")}'`;
    p.warnings.push({
      code: 'DIALECT_DOUBLE_QUOTED_STRING',
      message: `Condition "${p.text}" writes the string ${text.slice(start, this.index)} in double quotes (offset ${start}); it is read as ${standard}, the standard spelling: strings are single-quoted, with a quote inside doubled ('it''s').`,
    });
    env.node = { type: 'Literal', value, raw: text.slice(start, this.index) } as jsep.Literal;
  }
}

/** A double-quoted string (the dialect): backslash escapes as in JSON; an unknown escape keeps its character. */
function readDoubleQuotedString(scope: jsep.HookScope): string {
  const text = scope.expr;
  let i = scope.index + 1;
  let out = '';
  const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  for (;;) {
    if (i >= text.length) scope.throwError(`Unclosed string literal (strings are single-quoted: 'text')`);
    const ch = text[i]!;
    if (ch === '"') {
      scope.index = i + 1;
      return out;
    }
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      out += escapes[next] ?? next;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
}

const hooked = new WeakSet<object>();

/** jsep, from the loaded `jsep` engine, with the Arazzo operand hook added once. */
function jsepLib(): typeof jsep {
  const lib = engine('jsep');
  if (!hooked.has(lib)) {
    lib.hooks.add('gobble-token', gobbleToken, true);
    hooked.add(lib);
  }
  return lib;
}

const BINARY = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);

// ---- semantics ----

const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

function norm(v: unknown): unknown {
  return v === undefined ? null : v;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Structural equality (strings ignore case), walked with an explicit stack: data from outside may be deeply nested. */
function deepEqual(left: unknown, right: unknown): boolean {
  const pairs: Array<[unknown, unknown]> = [[left, right]];
  while (pairs.length > 0) {
    const [a, b] = pairs.pop()!;
    if (a === b) continue;
    if (typeof a === 'string' && typeof b === 'string') {
      if (a.toLowerCase() !== b.toLowerCase()) return false;
      continue;
    }
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
      const bb = b as unknown[];
      if (a.length !== bb.length) return false;
      for (let i = 0; i < a.length; i++) pairs.push([a[i], bb[i]]);
      continue;
    }
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (!Object.hasOwn(b, k)) return false;
      pairs.push([propertyOf(a, k), propertyOf(b, k)]);
    }
  }
  return true;
}

/** `==` per P8: null equals only null, strings case-insensitively, numbers with numeric strings. */
export function conditionEquals(left: unknown, right: unknown): boolean {
  const a = norm(left);
  const b = norm(right);
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' || typeof b === 'number') {
    const na = asNumber(a);
    const nb = asNumber(b);
    return na !== undefined && nb !== undefined && na === nb;
  }
  // Scalars (the common case) without deepEqual's work list.
  if (typeof a !== 'object' || typeof b !== 'object') {
    return a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());
  }
  return deepEqual(a, b);
}

/** `< <= > >=` per P8. */
export function conditionCompare(op: string, left: unknown, right: unknown): boolean {
  const a = norm(left);
  const b = norm(right);
  if (a === null || b === null) return false;
  const na = asNumber(a);
  const nb = asNumber(b);
  let cmp: number;
  if (na !== undefined && nb !== undefined) {
    cmp = na < nb ? -1 : na > nb ? 1 : 0;
    if (Number.isNaN(na) || Number.isNaN(nb)) return false;
  } else if (typeof a === 'string' && typeof b === 'string') {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    cmp = la < lb ? -1 : la > lb ? 1 : 0;
  } else {
    throw new ConditionEvaluationError(`cannot compare ${typeName(a)} ${quoteForMessage(a)} with ${typeName(b)} ${quoteForMessage(b)} using "${op}"`);
  }
  switch (op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

function member(value: unknown, key: unknown): unknown {
  const v = norm(value);
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) {
    if (typeof key === 'number') return Number.isInteger(key) && key >= 0 && key < v.length ? norm(v[key]) : null;
    if (key === 'length') return v.length;
    if (typeof key === 'string' && /^(?:0|[1-9]\d*)$/.test(key)) return member(v, Number(key));
    return null;
  }
  const k = typeof key === 'number' ? String(key) : key;
  if (typeof k !== 'string') return null;
  return Object.hasOwn(v, k) ? norm(propertyOf(v, k)) : null;
}

// ---- compilation of the jsep tree ----

function syntax(message: string, text: string, offset?: number, code: ErrorCode = 'CRITERION_SYNTAX', cause?: unknown): ArazzoError {
  const where = offset !== undefined ? ` at offset ${offset}` : '';
  return new ArazzoError(
    code,
    `Invalid condition "${text}"${where}: ${message}`,
    offset !== undefined ? { offset } : {},
    cause === undefined ? undefined : { cause },
  );
}

function compileNode(node: jsep.Expression, p: ActiveParse, text: string): Evaluator {
  switch (node.type) {
    case 'ArazzoOperand': {
      const fn = p.operands[(node as unknown as OperandNode).index]!;
      return (ctx, data) => norm(fn(ctx, data));
    }
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw syntax(`unsupported literal ${String((node as jsep.Literal).raw)}`, text);
      }
      return () => value;
    }
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      throw syntax(
        `unknown name "${name}": operands are runtime expressions ($statusCode, $response.body#/x, …), numbers, true, false, null or 'single-quoted strings'`,
        text,
        text.indexOf(name),
      );
    }
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      const object = compileNode(m.object, p, text);
      if (!m.computed) {
        if (m.property.type !== 'Identifier') throw syntax('expected a property name after "."', text);
        const key = (m.property as jsep.Identifier).name;
        return (ctx, data) => member(object(ctx, data), key);
      }
      const prop = compileNode(m.property, p, text);
      return (ctx, data) => member(object(ctx, data), prop(ctx, data));
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      if (u.operator === '-' && u.argument.type === 'Literal' && typeof (u.argument as jsep.Literal).value === 'number') {
        const value = -((u.argument as jsep.Literal).value as number);
        return () => value;
      }
      if (u.operator !== '!')
        throw syntax(
          `the operator "${u.operator}" is not part of the condition language (use !, ==, !=, <, <=, >, >=, &&, ||)`,
          text,
          text.indexOf(u.operator),
        );
      const arg = compileNode(u.argument, p, text);
      return (ctx, data) => arg(ctx, data) !== true;
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      if (!BINARY.has(b.operator)) {
        const hint =
          b.operator === '===' ? ' (use ==)' : b.operator === '!==' ? ' (use !=)' : b.operator === '&' ? ' (use &&)' : b.operator === '|' ? ' (use ||)' : '';
        throw syntax(`the operator "${b.operator}" is not part of the condition language${hint}`, text, text.indexOf(b.operator));
      }
      const left = compileNode(b.left, p, text);
      const right = compileNode(b.right, p, text);
      switch (b.operator) {
        case '&&':
          return (ctx, data) => left(ctx, data) === true && right(ctx, data) === true;
        case '||':
          return (ctx, data) => left(ctx, data) === true || right(ctx, data) === true;
        case '==':
          return (ctx, data) => conditionEquals(left(ctx, data), right(ctx, data));
        case '!=':
          return (ctx, data) => !conditionEquals(left(ctx, data), right(ctx, data));
        default: {
          const op = b.operator;
          return (ctx, data) => conditionCompare(op, left(ctx, data), right(ctx, data));
        }
      }
    }
    case 'Compound':
      throw syntax('expected an operator between two operands (or a single expression)', text);
    case 'ConditionalExpression':
      throw syntax('"? :" is not part of the condition language', text, text.indexOf('?'));
    case 'CallExpression':
      throw syntax('function calls are not part of the condition language', text, text.indexOf('('));
    case 'ArrayExpression':
      throw syntax('array literals are not part of the condition language', text, text.indexOf('['));
    default:
      throw syntax(`"${node.type}" is not part of the condition language`, text);
  }
}

/**
 * Parses a condition once. Throws `ArazzoError('CRITERION_SYNTAX', message, { offset })` (or
 * `EXPRESSION_UNSUPPORTED` for `$message…`) with the 0-based offset into `text` when known.
 */
export function parseCondition(text: string, options: ParseConditionOptions): CompiledCondition {
  const trimmed = text.trim();
  if (trimmed === '') throw syntax('the condition is empty', text, 0);
  if (trimmed.startsWith('{') && trimmed.endsWith('}') && trimmed.indexOf('}') === trimmed.length - 1) {
    const inner = trimmed.slice(1, -1);
    if (!inner.startsWith('$') || !tryParseRuntimeExpression(inner, options.version).ok) {
      throw syntax('a condition is never wrapped in "{…}"; drop the braces (write "$statusCode == 401", not "{$statusCode == 401}")', text, text.indexOf('{'));
    }
  }
  const parse = jsepLib();
  const p: ActiveParse = { text, options, operands: [], expressions: [], warnings: [], jsonPathOperands: [] };
  let tree: jsep.Expression;
  const previous = active;
  active = p;
  try {
    tree = parse(text);
  } catch (err) {
    const e = err as { index?: number; description?: string; message?: string; code?: string };
    const code = e.code === 'EXPRESSION_UNSUPPORTED' ? e.code : 'CRITERION_SYNTAX';
    throw syntax((e.description ?? e.message ?? String(err)).replace(/ at character \d+$/, ''), text, e.index, code, err);
  } finally {
    active = previous;
  }
  const evaluate = compileNode(tree, p, text);
  return {
    expressions: p.expressions,
    ...(p.warnings.length > 0 ? { warnings: p.warnings } : {}),
    jsonPathOperands: p.jsonPathOperands,
    evaluate: (ctx, data) => evaluate(ctx, data),
  };
}
