/** Criteria: simple conditions, regex, JSONPath (RFC 9535 / Goessner / comparison form), XPath. */
export type { CompiledCriterion, CriterionResult, CriterionWarning } from './types.js';
export { compileCriterion, type CompileCriterionOptions } from './compile.js';
export { criteriaNeeds, prepareCriteria } from './prepare.js';
export {
  parseCondition,
  conditionEquals,
  conditionCompare,
  ConditionEvaluationError,
  type CompiledCondition,
  type ConditionWarning,
  type ParseConditionOptions,
} from './condition.js';
export { compileRegex, inlineFlagsWarning, regexInput, splitInlineFlags, REGEX_MAX_INPUT } from './regex.js';
export { resolveExpressionType, type ResolvedExpressionType } from '../expressions/expression-type.js';
export { preview, PREVIEW_MAX } from './preview.js';
