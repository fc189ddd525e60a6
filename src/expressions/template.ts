/**
 * Strings that mix literal text and runtime expressions (P7, P28).
 *
 * - `{$…}` parts: the text up to the next `}` must be one expression (1.1 rule, applied to 1.0).
 *   Only `{$` opens an expression, so `{2}` or `{"a":1}` stay literal.
 * - Bare parts (P28): a complete expression with a known root standing inside a longer string
 *   (`Bearer $inputs.hfToken`) is interpolated too; JSONPath text (`$.a`, `$[0]`) never is.
 *
 * Interpolation: strings go in as they are, other scalars as their string form, objects and
 * arrays JSON-serialised, and nothing (`undefined`) as the empty string.
 */
import type { ArazzoVersion } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { matchRuntimeExpression, nearMissRoot, startsRuntimeExpression, tryParseRuntimeExpression } from './runtime-expression.js';
import type { EvalContext, ExpressionSyntaxIssue, RuntimeExpression } from './types.js';
import type { ErrorCode } from '../error-codes.js';

export type TemplatePart = string | { readonly expression: RuntimeExpression; readonly bare: boolean; readonly offset: number };

export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly expressions: readonly RuntimeExpression[];
  /** Texts of the P28 bare expressions. */
  readonly bare: readonly string[];
  /**
   * Bare `$root…` texts that start like an expression but do not parse (`Bearer $steps.a.token`).
   * They stay literal text; the loader decides which of them are mistakes worth reporting.
   * Offsets index the template text.
   */
  readonly issues?: readonly ExpressionSyntaxIssue[];
}

/** Error thrown for a malformed `{$…}` part; `offset` indexes the template text. */
function templateError(code: ErrorCode, message: string, offset: number, text: string): ArazzoError {
  return new ArazzoError(code, `${message} (in "${text}" at offset ${offset})`, { offset });
}

const BEFORE_BARE = /[A-Za-z0-9_$]/;
const ROOT_WORD = /^[A-Za-z_]+/;
const OPERAND_STOP = /[\s(){}'"=<>!&|,;]/;

/**
 * A bare `$word…` at `start` whose word is a near miss of a root (`$respnse.body#/id`, `$input.x`,
 * `$body.x`, `$statuscode`), followed by `.`, `#` or the end of the text: the issue, with the
 * spelling meant. Undefined for anything else (`$5`, `$HOME/bin`, `$id`).
 */
function nearMissIssue(text: string, start: number, version: ArazzoVersion): ExpressionSyntaxIssue | undefined {
  const word = ROOT_WORD.exec(text.slice(start + 1))?.[0] ?? '';
  const after = start + 1 + word.length;
  const next = text[after];
  if (next !== undefined && next !== '.' && next !== '#') return undefined;
  const root = nearMissRoot(word);
  if (root === undefined) return undefined;
  let end = after;
  while (end < text.length && !OPERAND_STOP.test(text[end]!)) end++;
  while (end > after && text[end - 1] === '.') end--;
  const written = text.slice(start, end);
  const meant = `${root}${text.slice(after, end)}`;
  const parsed = tryParseRuntimeExpression(meant, version);
  const suggestion = parsed.ok ? (parsed.expression.dialect?.standard ?? meant) : meant;
  return {
    code: 'EXPRESSION_NEAR_MISS',
    message: `"${written}" is not a runtime expression ("$${word}" is no root; did you mean "${suggestion}"?), so it would be sent as this literal text. Fix the spelling, or write {${suggestion}}.`,
    offset: start,
  };
}

/** Splits a string into literal text and expressions. Throws `ArazzoError('EXPRESSION_SYNTAX', …, { offset })`. */
export function parseTemplate(text: string, version: ArazzoVersion, options: { bare?: boolean } = {}): Template {
  const allowBare = options.bare ?? true;
  const parts: TemplatePart[] = [];
  const expressions: RuntimeExpression[] = [];
  const bare: string[] = [];
  const issues: ExpressionSyntaxIssue[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{' && text[i + 1] === '$') {
      const close = text.indexOf('}', i + 2);
      if (close < 0) throw templateError('EXPRESSION_SYNTAX', 'An embedded expression "{$" is never closed with "}".', i, text);
      const inner = text.slice(i + 1, close);
      const result = tryParseRuntimeExpression(inner, version);
      if (!result.ok) throw templateError(result.code, result.message, i + 1 + result.offset, text);
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ expression: result.expression, bare: false, offset: i + 1 });
      expressions.push(result.expression);
      i = close + 1;
      continue;
    }
    if (allowBare && ch === '$' && (i === 0 || !BEFORE_BARE.test(text[i - 1]!)) && startsRuntimeExpression(text, i)) {
      const result = matchRuntimeExpression(text, i, version, 'embedded', { dotPaths: true });
      if (result.ok) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ expression: result.expression, bare: true, offset: i });
        expressions.push(result.expression);
        bare.push(result.expression.text);
        i = result.end;
        continue;
      }
      issues.push({ code: result.code, message: result.message, offset: result.offset });
    } else if (allowBare && ch === '$' && (i === 0 || !BEFORE_BARE.test(text[i - 1]!))) {
      const issue = nearMissIssue(text, i, version);
      if (issue) issues.push(issue);
    }
    literal += ch;
    i++;
  }
  if (literal) parts.push(literal);
  return issues.length > 0 ? { parts, expressions, bare, issues } : { parts, expressions, bare };
}

/** The string form of a value placed inside a string. */
export function interpolationText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/** Evaluates a parsed template to a string; calls `onMissing` for each expression that resolved to nothing. */
export function renderTemplate(template: Template, ctx: EvalContext, onMissing?: (expressionText: string) => void): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = part.expression.evaluate(ctx);
    if (value === undefined) onMissing?.(part.expression.text);
    out += interpolationText(value);
  }
  return out;
}
