/** Runtime expressions, `{$…}` templates and compiled values (JSON Pointer lives in src/selection/). */
export type {
  EvalContext,
  MessageView,
  SourceDescriptionView,
  RuntimeExpression,
  CompiledValue,
  CompileWarning,
  ExpressionSyntaxIssue,
  ExpressionDialect,
} from './types.js';
export {
  parseRuntimeExpression,
  tryParseRuntimeExpression,
  matchRuntimeExpression,
  startsRuntimeExpression,
  RUNTIME_EXPRESSION_ROOTS,
  type ScanMode,
  type ScanResult,
  type ExpressionMatch,
} from './runtime-expression.js';
export { parseTemplate, renderTemplate, interpolationText, type Template, type TemplatePart } from './template.js';
export { compileValue, type CompileValueOptions } from './compile-value.js';
export { resolveExpressionType, type ResolvedExpressionType } from './expression-type.js';
