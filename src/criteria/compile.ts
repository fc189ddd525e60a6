/**
 * `compileCriterion`: a Criterion Object compiled once at load into a closure. Evaluation never
 * throws: a criterion that cannot be evaluated fails with `error` saying why (P8, 1.1 §Condition
 * Evaluation).
 *
 * - simple (default): condition.ts; `context` is optional (P9) and unused.
 * - regex: regex.ts (P11), on a linear-time engine.
 * - jsonpath (P10): a condition that is one RFC 9535 (or Goessner) query passes on a non-empty
 *   nodelist; otherwise it is read as a comparison of queries (`$.a == 'x' || $.b > 1`), each query
 *   giving its first node's value. 1.1 `{$…}` parts are substituted into a single query before it runs.
 *   P10b: on a context that is not an array, a filter at the root of a query (`$[?…]`) tests the
 *   context itself; on an array it filters the items (RFC 9535). A failure explains what the
 *   queries selected.
 * - xpath (P12): src/selection/xpath.ts; the effective boolean value decides.
 *
 * The engines a criterion needs (jsep, json-p3, jsonpath-plus, fontoxpath, re2js) must be loaded
 * first: `prepareCriteria` (prepare.ts) does it for a document, `loadSelectionEngines` for a list.
 */
import { structuredContext } from '../expressions/structured.js';
import type { ArazzoVersion, Criterion } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { tryParseRuntimeExpression } from '../expressions/runtime-expression.js';
import { parseTemplate, renderTemplate, type Template } from '../expressions/template.js';
import type { EvalContext, RuntimeExpression } from '../expressions/types.js';
import { EngineNotLoadedError } from '../selection/engines.js';
import {
  checkJsonPathRfc9535,
  compileJsonPath,
  isSimpleJsonPath,
  JsonPathSyntaxError,
  type CompiledJsonPath,
  type JsonPathDialect,
} from '../selection/jsonpath.js';
import { checkXPath, evaluateXPathBoolean, XPathSyntaxError } from '../selection/xpath.js';
import { parseCondition, scanJsonPathOperand, type CompiledCondition, type JsonPathOperand } from './condition.js';
import { resolveExpressionType } from '../expressions/expression-type.js';
import { preview } from './preview.js';
import { compileRegex, inlineFlagsWarning, regexInput } from './regex.js';
import type { CompiledCriterion, CriterionResult } from './types.js';
import type { ErrorCode } from '../error-codes.js';

export interface CompileCriterionOptions {
  readonly version: ArazzoVersion;
}

/** What compileCriterion returns: the expressions it reads are always listed. */
type CompiledWithExpressions = CompiledCriterion & { readonly expressions: readonly RuntimeExpression[] };

const PASS: CriterionResult = Object.freeze({ passed: true });
const FAIL: CriterionResult = Object.freeze({ passed: false });

function failWith(error: string): CriterionResult {
  return { passed: false, error };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function criterionError(message: string, offset?: number, code: ErrorCode = 'CRITERION_SYNTAX', field = 'condition', cause?: unknown): ArazzoError {
  return new ArazzoError(code, message, { ...(offset !== undefined ? { offset } : {}), field }, cause === undefined ? undefined : { cause });
}

function compileContext(criterion: Criterion, version: ArazzoVersion, kind: string, required: boolean): RuntimeExpression | undefined {
  const text = criterion.context;
  if (text === undefined) {
    if (required)
      throw criterionError(
        `A ${kind} criterion needs a "context" runtime expression (e.g. "$response.body") to run the condition against.`,
        undefined,
        'CRITERION_SYNTAX',
        'context',
      );
    return undefined;
  }
  if (typeof text !== 'string') throw criterionError('"context" must be a runtime expression string.', undefined, 'CRITERION_SYNTAX', 'context');
  const parsed = tryParseRuntimeExpression(text, version);
  if (!parsed.ok) {
    const hint = /^\$(response|request)\.body\.[A-Za-z]/.test(text)
      ? ` (address body members with a JSON Pointer: "${text.replace(/\.body\.(.*)$/, (_m, rest: string) => `.body#/${rest.replace(/\./g, '/')}`)}")`
      : '';
    throw criterionError(
      `Criterion "context" "${text}" is not a valid runtime expression: ${parsed.message}${hint}`,
      parsed.offset,
      parsed.code === 'EXPRESSION_UNSUPPORTED' ? parsed.code : 'CRITERION_SYNTAX',
      'context',
    );
  }
  return parsed.expression;
}

function describeContext(criterion: Criterion): string {
  return `the context "${criterion.context ?? ''}"`;
}

/** The failure of a jsonpath or xpath criterion whose context resolved to null or nothing; undefined when there is data. */
function noData(criterion: Criterion, value: unknown): CriterionResult | undefined {
  return value === undefined || value === null ? failWith(`${describeContext(criterion)} resolved to nothing (null or missing)`) : undefined;
}

/** `text` with each 1.1 `{$…}` part replaced by a placeholder operand, for checking its syntax at load. */
function withPlaceholders(text: string): string {
  return text.includes('{$') ? text.replace(/\{\$[^}]*\}/g, '0') : text;
}

function wrapCondition(e: unknown, condition: string): never {
  if (e instanceof ArazzoError || e instanceof EngineNotLoadedError) throw e;
  throw criterionError(`Invalid condition "${condition}": ${errorText(e)}`, undefined, 'CRITERION_SYNTAX', 'condition', e);
}

function compileSimple(criterion: Criterion, version: ArazzoVersion): CompiledWithExpressions {
  const context = compileContext(criterion, version, 'simple', false);
  let condition: CompiledCondition;
  try {
    condition = parseCondition(criterion.condition, { version, mode: 'simple' });
  } catch (e) {
    wrapCondition(e, criterion.condition);
  }
  return {
    criterion,
    kind: 'simple',
    expressions: context ? [context, ...condition.expressions] : condition.expressions,
    ...(condition.warnings ? { warnings: condition.warnings } : {}),
    evaluate(ctx) {
      try {
        return condition.evaluate(ctx) === true ? PASS : FAIL;
      } catch (err) {
        return failWith(errorText(err));
      }
    },
  };
}

/** A compiled pattern or query that may contain 1.1 `{$…}` parts, compiled per substituted text. */
function templated<T>(
  text: string,
  version: ArazzoVersion,
  compile: (text: string) => T,
): { expressions: readonly RuntimeExpression[]; get(ctx: EvalContext): T } {
  let template: Template | undefined;
  if (text.includes('{$')) {
    try {
      template = parseTemplate(text, version, { bare: false });
    } catch (err) {
      const offset = err instanceof ArazzoError ? (err.details?.['offset'] as number | undefined) : undefined;
      throw criterionError(
        `Invalid embedded expression in condition "${text}": ${errorText(err)}`,
        offset,
        err instanceof ArazzoError && err.code === 'EXPRESSION_UNSUPPORTED' ? err.code : 'CRITERION_SYNTAX',
        'condition',
        err,
      );
    }
  }
  if (!template || template.expressions.length === 0) {
    const compiled = compile(text);
    return { expressions: [], get: () => compiled };
  }
  const t = template;
  const cache = new Map<string, T>();
  return {
    expressions: t.expressions,
    get(ctx) {
      const concrete = renderTemplate(t, ctx);
      let hit = cache.get(concrete);
      if (hit === undefined) {
        hit = compile(concrete);
        if (cache.size >= 256) cache.clear();
        cache.set(concrete, hit);
      }
      return hit;
    },
  };
}

function compileRegexCriterion(criterion: Criterion, version: ArazzoVersion): CompiledWithExpressions {
  const context = compileContext(criterion, version, 'regex', true)!;
  const pattern = templated(criterion.condition, version, compileRegex);
  const warning = inlineFlagsWarning(criterion.condition);
  return {
    criterion,
    kind: 'regex',
    expressions: [context, ...pattern.expressions],
    ...(warning ? { warnings: [warning] } : {}),
    evaluate(ctx) {
      const input = regexInput(context.evaluate(ctx));
      if ('error' in input) return failWith(`${describeContext(criterion)}: ${input.error}`);
      try {
        const re = pattern.get(ctx);
        return re.test(input.text) ? PASS : FAIL;
      } catch (err) {
        return failWith(errorText(err));
      }
    },
  };
}

function compileJsonPathCriterion(criterion: Criterion, version: ArazzoVersion, dialect: JsonPathDialect): CompiledWithExpressions {
  const context = compileContext(criterion, version, 'jsonpath', true)!;
  const text = criterion.condition.trim();
  const probe = withPlaceholders(text);

  // 1. A single query (possibly with {$…} parts): non-empty nodelist passes.
  let singleError: unknown;
  const isSingleQuery = (() => {
    try {
      if (dialect === 'rfc9535') {
        // Decided without the parser where the grammar settles it: a simple path is one query; a
        // query followed by an operator outside brackets (`$.a == 1`) is not (no segment starts with one).
        if (isSimpleJsonPath(probe)) return true;
        if (probe.startsWith('$') && /^\s*[=!<>&|]/.test(probe.slice(scanJsonPathOperand(probe, 0)))) return false;
        checkJsonPathRfc9535(probe);
      } else if (!probe.startsWith('$') || scanJsonPathOperand(probe, 0) !== probe.length) return false;
      else compileJsonPath(probe, dialect);
      return true;
    } catch (err) {
      singleError = err;
      return false;
    }
  })();
  if (isSingleQuery) {
    const query = templated(text, version, (q) => compileJsonPath(q, dialect, { rootFilterTestsContext: true }));
    return {
      criterion,
      kind: 'jsonpath',
      expressions: [context, ...query.expressions],
      evaluate(ctx) {
        const value = context.evaluate(ctx);
        const bad = noData(criterion, value);
        if (bad) return bad;
        try {
          const run: CompiledJsonPath = query.get(ctx);
          return run(structuredContext(value)).length > 0 ? PASS : FAIL;
        } catch (err) {
          return failWith(errorText(err));
        }
      },
      explain(ctx) {
        const data = structuredContext(context.evaluate(ctx));
        try {
          const selected = query.get(ctx)(data);
          return `the query selected ${describeNodes(selected)} from ${describeContext(criterion)}, which was ${preview(data)}`;
        } catch {
          return undefined;
        }
      },
    };
  }

  // 2. The comparison form: operands are queries against the context. 1.1 `{$…}` parts are
  //    substituted into the text first (as for a single query); the text is checked at load with
  //    each part replaced by a placeholder, and parsed once per distinct substituted text.
  const options = { version, mode: 'jsonpath' as const, dialect };
  let checked: CompiledCondition;
  try {
    checked = parseCondition(probe, options);
  } catch (err) {
    const single = singleError instanceof JsonPathSyntaxError ? singleError : undefined;
    const usesOperators = /==|!=|<|>|&&|\|\|/.test(text);
    if (!usesOperators && single) {
      throw criterionError(single.message, single.offset, 'CRITERION_SYNTAX', 'condition', single);
    }
    if (err instanceof ArazzoError || err instanceof EngineNotLoadedError) throw err;
    throw criterionError(`Invalid jsonpath condition "${text}": ${errorText(err)}`, undefined, 'CRITERION_SYNTAX', 'condition', err);
  }
  const condition = templated(text, version, (t) => parseCondition(t, options));
  return {
    criterion,
    kind: 'jsonpath',
    expressions: [context, ...condition.expressions],
    ...(checked.warnings ? { warnings: checked.warnings } : {}),
    evaluate(ctx) {
      const value = context.evaluate(ctx);
      const bad = noData(criterion, value);
      if (bad) return bad;
      try {
        return condition.get(ctx).evaluate(ctx, structuredContext(value)) === true ? PASS : FAIL;
      } catch (err) {
        return failWith(errorText(err));
      }
    },
    explain(ctx) {
      const data = structuredContext(context.evaluate(ctx));
      try {
        return explainOperands(condition.get(ctx).jsonPathOperands, data);
      } catch {
        return undefined;
      }
    },
  };
}

/** What a nodelist holds, for a failure message: `nothing`, or its values (bounded). */
function describeNodes(nodes: readonly unknown[]): string {
  if (nodes.length === 0) return 'nothing';
  return nodes.length === 1 ? preview(nodes[0]) : `${nodes.length} nodes ${preview(nodes)}`;
}

/** `$.status.state selected "running"; $.count selected nothing`: each JSONPath operand and its nodelist. */
function explainOperands(operands: readonly JsonPathOperand[], data: unknown): string | undefined {
  if (operands.length === 0) return undefined;
  return operands.map((o) => `${o.text} selected ${describeNodes(o.select(data))}`).join('; ');
}

function compileXPathCriterion(criterion: Criterion, version: ArazzoVersion): CompiledWithExpressions {
  const context = compileContext(criterion, version, 'xpath', true)!;
  const expression = templated(criterion.condition, version, (x) => {
    checkXPath(x);
    return x;
  });
  return {
    criterion,
    kind: 'xpath',
    expressions: [context, ...expression.expressions],
    evaluate(ctx) {
      const value = context.evaluate(ctx);
      const bad = noData(criterion, value);
      if (bad) return bad;
      try {
        return evaluateXPathBoolean(value, expression.get(ctx)) ? PASS : FAIL;
      } catch (err) {
        return failWith(errorText(err));
      }
    },
  };
}

/**
 * Compiles a Criterion Object. Throws `ArazzoError('CRITERION_SYNTAX', message, { offset?, field })`
 * (`field` is `condition`, `context` or `type`; `offset` indexes that field's text), or
 * `EXPRESSION_UNSUPPORTED` for `$message…`. The returned object also lists the runtime expressions
 * it reads (`expressions`) for forward-reference checks.
 */
export function compileCriterion(criterion: Criterion, options: CompileCriterionOptions): CompiledWithExpressions {
  const version = options.version;
  if (typeof criterion.condition !== 'string') {
    throw criterionError('A criterion needs a "condition" string.');
  }
  const type = criterion.type ?? 'simple';
  if (type === 'simple') return compileSimple(criterion, version);
  if (type === 'regex') return compileRegexCriterion(criterion, version);
  const resolved = resolveExpressionType(type, version, typeof type === 'string' ? ['simple', 'regex', 'jsonpath', 'xpath'] : ['jsonpath', 'xpath']);
  if ('error' in resolved) throw criterionError(resolved.error, undefined, 'CRITERION_SYNTAX', 'type');
  try {
    if (resolved.kind === 'jsonpath') return compileJsonPathCriterion(criterion, version, resolved.dialect);
    if (resolved.kind === 'xpath') return compileXPathCriterion(criterion, version);
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) throw criterionError(err.message, err.offset, 'CRITERION_SYNTAX', 'condition', err);
    if (err instanceof XPathSyntaxError) throw criterionError(err.message, undefined, 'CRITERION_SYNTAX', 'condition', err);
    throw err;
  }
  throw criterionError(`"type" ${JSON.stringify(type)} cannot be used for a criterion.`, undefined, 'CRITERION_SYNTAX', 'type');
}
