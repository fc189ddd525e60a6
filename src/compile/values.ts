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
import type { CompiledValue, CompileWarning, ExpressionSyntaxIssue } from '../expressions/types.js';
import { ReferenceChecks } from './references.js';
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

/** Warnings a compiled value or criterion carries (`DIALECT_…`, see CompileWarning), as problems. */
function reportWarnings(scope: DocumentScope, warnings: readonly CompileWarning[] | undefined, at: (w: CompileWarning) => string): void {
  for (const w of warnings ?? []) scope.reporter.warn(w.code, at(w), w.message);
}

/**
 * A bare `$root…` text that does not parse stays literal (P28), except for mistakes that cannot be
 * meant as text: `$steps.<id>.<name>` without `.outputs.`, and AsyncAPI's `$message`.
 */
function literalIssue(scope: DocumentScope, issue: ExpressionSyntaxIssue, path: string): void {
  if (issue.code === 'STEP_REFERENCE_INVALID') scope.reporter.error(issue.code, path, issue.message);
  else if (issue.code === 'EXPRESSION_UNSUPPORTED') scope.reporter.error('ASYNCAPI_UNSUPPORTED', path, MESSAGE_UNSUPPORTED);
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
        scope.reporter.warn(
          'EXPRESSION_BARE',
          at,
          `"${expression.text}" is a runtime expression inside a longer string; it is interpolated (P28), but write it as {${expression.text}} to be explicit.`,
        );
      }
      if (site) (references ??= new ReferenceChecks(scope, site)).check(expression, at);
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
      const at = pathAt(value, path, typeof err.details?.pointer === 'string' ? err.details.pointer : undefined);
      if (err.code === 'EXPRESSION_UNSUPPORTED') scope.reporter.error('ASYNCAPI_UNSUPPORTED', at, MESSAGE_UNSUPPORTED);
      else scope.reporter.error(err.code, at, err.message);
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
    if (site && compiled.expressions && compiled.expressions.length > 0) {
      const references = new ReferenceChecks(scope, site);
      for (const expression of compiled.expressions ?? []) {
        references.check(expression, expression.text === entry.context ? `${at}.context` : `${at}.condition`);
      }
    }
    reportWarnings(scope, compiled.warnings, (w) => (w.field ? `${at}.${w.field}` : at));
    out.push(compiled);
  });
  return out;
}
