/** Criteria: simple conditions, regex, JSONPath (RFC 9535 / Goessner / comparison form), XPath. */
export type { CompiledCriterion, CriterionResult } from './types.js';
export { compileCriterion, type CompileCriterionOptions } from './compile.js';
export {
  parseCondition,
  conditionEquals,
  conditionCompare,
  ConditionEvaluationError,
  type CompiledCondition,
  type ParseConditionOptions,
} from './condition.js';
export { compileRegex, findNestedQuantifier, regexInput, REGEX_MAX_INPUT } from './regex.js';
export {
  queryJsonPath,
  compileJsonPath,
  isJsonPathPrecompiled,
  parseJsonPathRfc9535,
  JsonPathSyntaxError,
  type JsonPathDialect,
  type CompiledJsonPath,
} from './jsonpath.js';
export { evaluateXPath, evaluateXPathBoolean, checkXPath, loadXPath, isXPathLoaded, toXmlNode, XPathSyntaxError, type XPathModules } from './xpath.js';
export { resolveExpressionType, type ResolvedExpressionType } from './expression-type.js';
