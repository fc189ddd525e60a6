/**
 * Compiling the values and criteria of a document, reporting as it goes: syntax problems, P28 bare
 * expressions, warnings the compilers attach, and (through ReferenceChecks) what each expression
 * refers to. Every problem is reported at the JSON path of the string that holds it.
 */
import { compileCriterion } from '../criteria/index.js';
import type { CompiledCriterion } from '../criteria/types.js';
import type { Criterion } from '../document/types.js';
import { appendPath } from '../document/json-path.js';
import type { ErrorCode } from '../error-codes.js';
import { ArazzoError } from '../errors.js';
import { compileValue } from '../expressions/compile-value.js';
import { unescapePointerToken } from '../selection/json-pointer.js';
import type { CompiledValue, CompileWarning, ExpressionSyntaxIssue, RuntimeExpression } from '../expressions/types.js';
import { type ExpressionUse, ReferenceChecks } from './references.js';
import { type DocumentScope, isObj, isStr, list, type Site } from './scope.js';

const STATIC_UNDEFINED: CompiledValue = { isStatic: true, expressions: [], evaluate: () => undefined };
const CONTEXT_TYPES = new Set(['regex', 'jsonpath', 'xpath']);
const BRACED_CONDITION = /^\s*\{\$[^{}]*(==|!=|<|>|&&|\|\|)[^{}]*\}\s*$/;
const MESSAGE_UNSUPPORTED = "'$message' expressions read AsyncAPI messages, which this engine does not support.";

/** The JSON path of the part of `value` (at `path`) that `pointer` points at: `[i]` for array items, keys otherwise. */
function pathAt(value: unknown, path: string, pointer: string | undefined): string {
  if (!pointer) return path;
  let at = path;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapePointerToken(raw);
    if (Array.isArray(current)) {
      at = appendPath(at, Number(token));
      current = current[Number(token)];
    } else {
      at = appendPath(at, token);
      current = isObj(current) ? current[token] : undefined;
    }
  }
  return at;
}

/** The string at `pointer` inside `value`. */
function textAt(value: unknown, pointer: string | undefined): unknown {
  let current = value;
  for (const raw of (pointer ?? '').split('/').slice(1)) {
    const token = unescapePointerToken(raw);
    current = Array.isArray(current) ? current[Number(token)] : isObj(current) ? current[token] : undefined;
  }
  return current;
}

/** Warnings a compiled value or criterion carries (`DIALECT_…`, see CompileWarning), as problems. */
function reportWarnings(scope: DocumentScope, warnings: readonly CompileWarning[] | undefined, at: (w: CompileWarning) => string): void {
  for (const w of warnings ?? []) scope.reporter.warn(w.code, at(w), w.message);
}

/**
 * A bare `$root…` text that does not parse stays literal (P28), except for mistakes that cannot be
 * meant as text: a near miss of an expression (`$respnse.body#/id`, `$input.x`), and AsyncAPI's
 * `$message`.
 */
function literalIssue(scope: DocumentScope, issue: ExpressionSyntaxIssue, path: string): void {
  if (issue.code === 'STEP_REFERENCE_INVALID' || issue.code === 'EXPRESSION_NEAR_MISS') scope.reporter.error(issue.code, path, issue.message);
  else if (issue.code === 'EXPRESSION_UNSUPPORTED') scope.reporter.error('ASYNCAPI_UNSUPPORTED', path, MESSAGE_UNSUPPORTED);
}

/**
 * What the site of an expression says about it (ReferenceChecks), and the dialect it is written
 * in. A `$steps.<id>.<name>` in a component cannot be checked against a step: it stays an error.
 */
function checkExpression(
  scope: DocumentScope,
  expression: RuntimeExpression,
  path: string,
  site: Site | undefined,
  references: ReferenceChecks | undefined,
  use: ExpressionUse,
): void {
  const dialect = expression.dialect;
  if (dialect?.kind === 'body-dot-path') {
    scope.reporter.warn(
      'DIALECT_BODY_DOT_PATH',
      path,
      `"${expression.text}" walks into the body with dots; it is read as "${dialect.standard}", the standard spelling (a JSON Pointer after #). Write that.`,
    );
  } else if (dialect?.kind === 'step-outputs' && !site) {
    scope.reporter.error('STEP_REFERENCE_INVALID', path, `"${expression.text}" is not a step expression: write "${dialect.standard}".`);
  }
  if (site && references) references.check(expression, path, use);
}

/**
 * A `$steps.<id>…` that does not parse because the step id has characters an expression cannot
 * hold (a space): say so, rather than "expected .outputs.".
 */
function unreferenceableStep(text: unknown, site: Site | undefined): string | undefined {
  if (typeof text !== 'string' || !site) return undefined;
  const at = text.indexOf('$steps.');
  if (at < 0) return undefined;
  const rest = text.slice(at + '$steps.'.length);
  const id = [...site.workflow.stepIds.keys()].filter((s) => !/^[A-Za-z0-9_-]+$/.test(s) && rest.startsWith(s)).sort((a, b) => b.length - a.length)[0];
  if (id === undefined) return undefined;
  return `"${text}" refers to step '${id}', but a runtime expression cannot name a step whose id has characters other than A-Z, a-z, 0-9, "_" and "-". Rename the step (e.g. '${id.replace(/[^A-Za-z0-9_-]+/g, '_')}') and refer to it by the new id.`;
}

/** Compile a value (parameter value, payload, output, extension) at `path`; undefined on a syntax error (reported). */
export function compileValueAt(scope: DocumentScope, value: unknown, path: string, site: Site | undefined): CompiledValue {
  let references: ReferenceChecks | undefined;
  let issues: Set<string> | undefined;
  let broken = false;
  const compiled = compileValue(value, {
    version: scope.version,
    onExpression: (expression, pointer, bare) => {
      const at = pathAt(value, path, pointer);
      if (bare) {
        const braced = expression.dialect?.standard ?? expression.text;
        scope.reporter.warn(
          'EXPRESSION_BARE',
          at,
          `"${expression.text}" is a runtime expression inside a longer string; it is interpolated (P28), but write it as {${braced}} to be explicit.`,
        );
      }
      if (site) references ??= new ReferenceChecks(scope, site);
      checkExpression(scope, expression, at, site, references, 'value');
    },
    onLiteralIssue: (issue, pointer) => {
      const at = pathAt(value, path, pointer);
      const key = `${issue.code}\u0000${at}`;
      issues ??= new Set();
      if (issues.has(key)) return;
      issues.add(key);
      literalIssue(scope, issue, at);
    },
    // Every string that does not compile is reported, each at its own path.
    onError: (err) => {
      broken = true;
      const pointer = typeof err.details?.pointer === 'string' ? err.details.pointer : undefined;
      const at = pathAt(value, path, pointer);
      if (err.code === 'EXPRESSION_UNSUPPORTED') scope.reporter.error('ASYNCAPI_UNSUPPORTED', at, MESSAGE_UNSUPPORTED);
      else scope.reporter.error(err.code, at, (err.code === 'EXPRESSION_SYNTAX' && unreferenceableStep(textAt(value, pointer), site)) || err.message);
    },
  });
  reportWarnings(scope, compiled.warnings, (w) => pathAt(value, path, w.pointer));
  return broken ? STATIC_UNDEFINED : compiled;
}

/** The code, message and details of what a compiler threw (an ArazzoError, or anything else under `fallback`). */
function described(err: unknown, fallback: ErrorCode): { code: ErrorCode; message: string; details: Record<string, unknown> } {
  if (err instanceof ArazzoError) return { code: err.code, message: err.message, details: err.details ?? {} };
  return { code: fallback, message: err instanceof Error ? err.message : String(err), details: {} };
}

function invalidCriterion(criterion: Criterion, error: string): CompiledCriterion {
  return { criterion, kind: 'invalid', evaluate: () => ({ passed: false, error }) };
}

/** Compile a criteria list at `path` (`…successCriteria`, `…criteria`). */
export function compileCriteriaAt(scope: DocumentScope, criteria: unknown, path: string, site: Site | undefined): CompiledCriterion[] {
  const out: CompiledCriterion[] = [];
  list(criteria).forEach((entry, index) => {
    if (!isObj(entry)) return; // the schema reports it
    const at = `${path}[${index}]`;
    const criterion = entry as unknown as Criterion;
    const type = isObj(entry.type) ? entry.type.type : entry.type;
    if (isStr(type) && CONTEXT_TYPES.has(type) && entry.context === undefined) {
      const message = `A ${type} criterion needs a 'context' (e.g. $response.body) to run against.`;
      scope.reporter.error('CRITERION_CONTEXT_REQUIRED', at, message);
      out.push(invalidCriterion(criterion, message));
      return;
    }
    if ((type === undefined || type === 'simple') && isStr(entry.condition) && BRACED_CONDITION.test(entry.condition)) {
      // #362: the spec's own examples brace conditions; braced, a condition is not one.
      const message = `Write the condition without surrounding braces: '${entry.condition.trim().slice(1, -1)}'.`;
      scope.reporter.error('CRITERION_CONDITION_BRACED', `${at}.condition`, message);
      out.push(invalidCriterion(criterion, message));
      return;
    }
    if (scope.shapeInvalid(at)) return; // the schema check reports what is wrong with it
    let compiled: CompiledCriterion & { readonly warnings?: readonly CompileWarning[] };
    try {
      compiled = compileCriterion(criterion, { version: scope.version });
    } catch (err) {
      const { code, message, details } = described(err, 'CRITERION_SYNTAX');
      if (code === 'EXPRESSION_UNSUPPORTED') {
        scope.reporter.error('ASYNCAPI_UNSUPPORTED', `${at}.${details.field === 'context' ? 'context' : 'condition'}`, MESSAGE_UNSUPPORTED);
      } else {
        scope.reporter.error(code, at, message);
      }
      out.push(invalidCriterion(criterion, message));
      return;
    }
    if (compiled.expressions && compiled.expressions.length > 0) {
      const references = site ? new ReferenceChecks(scope, site) : undefined;
      for (const expression of compiled.expressions ?? []) {
        checkExpression(scope, expression, expression.text === entry.context ? `${at}.context` : `${at}.condition`, site, references, 'criterion');
      }
    }
    reportWarnings(scope, compiled.warnings, (w) => (w.field ? `${at}.${w.field}` : at));
    out.push(compiled);
  });
  return out;
}
