/**
 * Payload replacement targets (P17): read once at load (`compileReplacementTarget`: the selector
 * kind, the JSONPath dialect, and a malformed target reported) and applied at run time by
 * engine/body.ts, which shares the JSON Pointer reading and the error below.
 */
import { resolveExpressionType } from '../expressions/expression-type.js';
import type { ArazzoVersion, PayloadReplacement } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { EngineNotLoadedError } from '../selection/engines.js';
import { parseJsonPointer } from '../selection/json-pointer.js';
import { compileJsonPath, type JsonPathDialect } from '../selection/jsonpath.js';
import { checkXPath } from '../selection/xpath.js';
import type { SelectorKind } from './plan-types.js';

/** A replacement target that cannot be read or applied (REPLACEMENT_TARGET_INVALID), with the cause. */
export function replacementTargetError(target: string, err: unknown): ArazzoError {
  const detail = err instanceof Error ? err.message : String(err);
  return new ArazzoError('REPLACEMENT_TARGET_INVALID', `Replacement target "${target}": ${detail}`, { target }, { cause: err });
}

/** A JSON Pointer target's tokens; `#/…` (a URI fragment) is percent-decoded first. */
export function replacementPointerTokens(target: string): string[] {
  return parseJsonPointer(target, { fragment: target.startsWith('#') });
}

/**
 * The selector kind and JSONPath dialect of a Payload Replacement Object, for the plan, and the
 * target checked at load: a malformed JSON Pointer, JSONPath or XPath target comes back as
 * `error` (REPLACEMENT_TARGET_INVALID). JSONPath and XPath targets are checked when their engine
 * is loaded (the loader loads what the document names); otherwise they are checked when applied.
 */
export function compileReplacementTarget(
  r: PayloadReplacement,
  options: { readonly xml: boolean; readonly version: ArazzoVersion },
): { readonly target: string; readonly selector: SelectorKind; readonly dialect?: JsonPathDialect; readonly error?: ArazzoError } {
  const t = r.targetSelectorType;
  const named = typeof t === 'string' ? t : t?.type;
  const selector: SelectorKind = named === 'jsonpath' || named === 'xpath' || named === 'jsonpointer' ? named : options.xml ? 'xpath' : 'jsonpointer';
  let dialect: JsonPathDialect | undefined;
  if (selector === 'jsonpath' && t !== undefined) {
    const resolved = resolveExpressionType(t, options.version, ['jsonpointer', 'jsonpath', 'xpath']);
    // An invalid type or version is reported by the schema check.
    if (!('error' in resolved) && resolved.kind === 'jsonpath') dialect = resolved.dialect;
  }
  const plan = { target: r.target, selector, ...(dialect ? { dialect } : {}) };
  if (typeof r.target !== 'string') return plan;
  try {
    if (selector === 'xpath' || (options.xml && selector !== 'jsonpath')) checkXPath(r.target);
    else if (selector === 'jsonpath') compileJsonPath(r.target, dialect);
    else replacementPointerTokens(r.target);
  } catch (err) {
    if (!(err instanceof EngineNotLoadedError)) return { ...plan, error: replacementTargetError(r.target, err) };
  }
  return plan;
}
