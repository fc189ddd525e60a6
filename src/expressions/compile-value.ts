/**
 * `compileValue`: turns a JSON value from the document (a parameter value, payload, output, action
 * parameter) into a CompiledValue, once, at load.
 *
 * - A string that is wholly one runtime expression evaluates to that expression's value, keeping
 *   its JSON type (P7): `$inputs.count` stays a number.
 * - Other strings interpolate `{$…}` parts and P28 bare expressions (see template.ts); a string with
 *   no expression is static. A string that starts with a known root (`$steps.`, `$inputs.`, …) but is
 *   not a valid expression is an error, so typos such as `$steps.a.token` (missing `.outputs.`) are
 *   caught at load rather than sent as text.
 * - Objects and arrays are walked; fully static subtrees are returned as the same object (no copy).
 * - 1.1: an object with exactly `context`, `selector` and `type` (plus `x-` extensions) is a
 *   Selector Object; its result is the first node (JSONPath, XPath) or the pointed value.
 */
import { structuredContext } from './structured.js';
import type { ArazzoVersion } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { resolveExpressionType } from './expression-type.js';
import { compileJsonPath, JsonPathSyntaxError } from '../selection/jsonpath.js';
import { checkXPath, evaluateXPath, XPathSyntaxError } from '../selection/xpath.js';
import { escapePointerToken, getByTokens, parseJsonPointer } from '../selection/json-pointer.js';
import { matchRuntimeExpression, startsRuntimeExpression, tryParseRuntimeExpression } from './runtime-expression.js';
import { parseTemplate, renderTemplate } from './template.js';
import type { CompiledValue, EvalContext, ExpressionSyntaxIssue, RuntimeExpression } from './types.js';
import type { ErrorCode } from '../error-codes.js';
import { isRecord } from '../util/guards.js';

export interface CompileValueOptions {
  readonly version: ArazzoVersion;
  /** Recognise 1.1 Selector Objects (default: true for 1.1 documents, false for 1.0). */
  readonly selectors?: boolean;
  /**
   * Called for every runtime expression found, in document order, with the JSON Pointer of the
   * string that holds it inside the value and whether it stands bare in a longer string (P28).
   * The loader checks what each expression refers to here.
   */
  readonly onExpression?: (expression: RuntimeExpression, pointer: string, bare: boolean) => void;
  /** Called for each bare `$root…` text that does not parse and so stays literal text (see `Template.issues`). */
  readonly onLiteralIssue?: (issue: ExpressionSyntaxIssue, pointer: string) => void;
  /**
   * Called with the error of each string (or Selector Object) that does not compile; compilation
   * goes on with the rest, so every bad part is found. Without it, the first error is thrown.
   */
  readonly onError?: (error: ArazzoError) => void;
}

type Missing = ((expressionText: string) => void) | undefined;

interface Node {
  readonly isStatic: boolean;
  evaluate(ctx: EvalContext, onMissing: Missing): unknown;
}

interface Collect {
  readonly expressions: RuntimeExpression[];
  readonly bare: string[];
  readonly version: ArazzoVersion;
  readonly selectors: boolean;
  readonly onExpression: CompileValueOptions['onExpression'];
  readonly onLiteralIssue: CompileValueOptions['onLiteralIssue'];
  readonly onError: CompileValueOptions['onError'];
}

function syntaxError(
  message: string,
  pointer: string,
  extra: Record<string, unknown> = {},
  code: ErrorCode = 'EXPRESSION_SYNTAX',
  cause?: unknown,
): ArazzoError {
  return new ArazzoError(code, `${message}${pointer ? ` (at ${pointer})` : ''}`, { pointer, ...extra }, cause === undefined ? undefined : { cause });
}

function staticNode(value: unknown): Node {
  return { isStatic: true, evaluate: () => value };
}

function compileString(text: string, pointer: string, c: Collect): Node {
  if (!text.includes('$')) return staticNode(text);
  const whole = tryParseRuntimeExpression(text, c.version);
  if (whole.ok) {
    const expr = whole.expression;
    c.expressions.push(expr);
    c.onExpression?.(expr, pointer, false);
    return {
      isStatic: false,
      evaluate(ctx, onMissing) {
        const value = expr.evaluate(ctx);
        if (value === undefined) onMissing?.(expr.text);
        return value;
      },
    };
  }
  if (startsRuntimeExpression(text, 0)) {
    const prefix = matchRuntimeExpression(text, 0, c.version, 'embedded', { dotPaths: true });
    if (!prefix.ok) throw syntaxError(`${prefix.message} (in "${text}" at offset ${prefix.offset})`, pointer, { offset: prefix.offset }, prefix.code);
  }
  let template: ReturnType<typeof parseTemplate>;
  try {
    template = parseTemplate(text, c.version);
  } catch (err) {
    if (err instanceof ArazzoError) throw syntaxError(err.message, pointer, { offset: err.details?.['offset'] }, err.code, err);
    throw err;
  }
  for (const issue of template.issues ?? []) c.onLiteralIssue?.(issue, pointer);
  if (template.expressions.length === 0) return staticNode(text);
  c.expressions.push(...template.expressions);
  c.bare.push(...template.bare);
  if (c.onExpression) for (const part of template.parts) if (typeof part !== 'string') c.onExpression(part.expression, pointer, part.bare);
  return { isStatic: false, evaluate: (ctx, onMissing) => renderTemplate(template, ctx, onMissing) };
}

function isSelectorObject(value: Record<string, unknown>): boolean {
  let core = 0;
  for (const key of Object.keys(value)) {
    if (key === 'context' || key === 'selector' || key === 'type') core++;
    else if (!key.startsWith('x-')) return false;
  }
  return core === 3 && typeof value['context'] === 'string' && typeof value['selector'] === 'string';
}

function compileSelector(sel: Record<string, unknown>, pointer: string, c: Collect): Node {
  const contextText = sel['context'] as string;
  const selector = sel['selector'] as string;
  const parsed = tryParseRuntimeExpression(contextText, c.version);
  if (!parsed.ok) {
    throw syntaxError(`Selector "context" must be a runtime expression: ${parsed.message}`, `${pointer}/context`, { offset: parsed.offset }, parsed.code);
  }
  const contextExpr = parsed.expression;
  c.expressions.push(contextExpr);
  c.onExpression?.(contextExpr, `${pointer}/context`, false);
  const type = resolveExpressionType(sel['type'], c.version, ['jsonpath', 'xpath', 'jsonpointer']);
  if ('error' in type) throw syntaxError(type.error, `${pointer}/type`);
  const label = `${contextText} (${type.kind} ${selector})`;
  let pick: (value: unknown) => unknown;
  try {
    if (type.kind === 'jsonpath') {
      const query = compileJsonPath(selector, type.dialect);
      pick = (value) => query(structuredContext(value))[0];
    } else if (type.kind === 'jsonpointer') {
      const tokens = parseJsonPointer(selector, { fragment: selector.startsWith('#') });
      pick = (value) => getByTokens(structuredContext(value), tokens);
    } else {
      checkXPath(selector);
      pick = (value) => {
        try {
          return evaluateXPath(value, selector);
        } catch {
          return undefined;
        }
      };
    }
  } catch (err) {
    if (err instanceof JsonPathSyntaxError || err instanceof XPathSyntaxError || err instanceof ArazzoError) {
      throw syntaxError(`Invalid selector: ${err.message}`, `${pointer}/selector`, {}, 'EXPRESSION_SYNTAX', err);
    }
    throw err;
  }
  return {
    isStatic: false,
    evaluate(ctx, onMissing) {
      const base = contextExpr.evaluate(ctx);
      if (base === undefined || base === null) {
        onMissing?.(label);
        return undefined;
      }
      const value = pick(base);
      if (value === undefined) onMissing?.(label);
      return value;
    },
  };
}

/** A string or Selector Object that does not compile: reported to `onError` (and left as it is), else thrown. */
function failed(err: unknown, value: unknown, c: Collect): Node {
  if (!c.onError || !(err instanceof ArazzoError)) throw err;
  c.onError(err);
  return staticNode(value);
}

function compileNode(value: unknown, pointer: string, c: Collect): Node {
  if (typeof value === 'string') {
    try {
      return compileString(value, pointer, c);
    } catch (err) {
      return failed(err, value, c);
    }
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileNode(item, `${pointer}/${i}`, c));
    if (items.every((n) => n.isStatic)) return staticNode(value);
    return {
      isStatic: false,
      evaluate(ctx, onMissing) {
        const out = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) out[i] = items[i]!.evaluate(ctx, onMissing);
        return out;
      },
    };
  }
  if (!isRecord(value)) return staticNode(value);
  const record = value;
  if (c.selectors && isSelectorObject(record)) {
    try {
      return compileSelector(record, pointer, c);
    } catch (err) {
      return failed(err, value, c);
    }
  }
  const keys = Object.keys(record);
  const members = keys.map((key) => compileNode(record[key], `${pointer}/${escapePointerToken(key)}`, c));
  if (members.every((n) => n.isStatic)) return staticNode(value);
  return {
    isStatic: false,
    evaluate(ctx, onMissing) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const v = members[i]!.evaluate(ctx, onMissing);
        if (v === undefined) continue;
        const key = keys[i]!;
        if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        else out[key] = v;
      }
      return out;
    },
  };
}

/**
 * Compiles a JSON value whose leaves may be runtime expressions. Throws
 * `ArazzoError('EXPRESSION_SYNTAX' | 'EXPRESSION_UNSUPPORTED', message, { pointer, offset? })` where
 * `pointer` is the JSON Pointer of the bad part inside `value` and `offset` the index in that string.
 */
export function compileValue(value: unknown, options: CompileValueOptions): CompiledValue {
  const c: Collect = {
    expressions: [],
    bare: [],
    version: options.version,
    selectors: options.selectors ?? options.version === '1.1',
    onExpression: options.onExpression,
    onLiteralIssue: options.onLiteralIssue,
    onError: options.onError,
  };
  const node = compileNode(value, '', c);
  return {
    isStatic: node.isStatic,
    expressions: c.expressions,
    ...(c.bare.length > 0 ? { bareExpressions: c.bare } : {}),
    evaluate: (ctx, onMissing) => node.evaluate(ctx, onMissing),
  };
}
