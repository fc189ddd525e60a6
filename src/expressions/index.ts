/** Runtime expressions, `{$…}` templates, JSON Pointer and compiled values. */
export type { EvalContext, MessageView, SourceDescriptionView, RuntimeExpression, CompiledValue, ExpressionSyntaxIssue } from './types.js';
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
export {
  parseJsonPointer,
  getByPointer,
  getByTokens,
  setByPointer,
  escapePointerToken,
  formatJsonPointer,
  type ParseJsonPointerOptions,
} from './json-pointer.js';
