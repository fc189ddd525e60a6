/**
 * Selection: picking values out of data (JSON Pointer, JSONPath, XPath) and linear-time regular
 * expressions. A leaf module: it imports nothing from the rest of the project but the error type.
 * Expressions, criteria and request bodies use it.
 */
export {
  loadSelectionEngines,
  isEngineLoaded,
  EngineNotLoadedError,
  SELECTION_ENGINES,
  type SelectionNeeds,
  type SelectionEngine,
} from './engines.js';
export {
  parseJsonPointer,
  unescapePointerToken,
  escapePointerToken,
  formatJsonPointer,
  getByTokens,
  getByPointer,
  setByPointer,
  type ParseJsonPointerOptions,
} from './json-pointer.js';
export {
  compileJsonPath,
  queryJsonPath,
  jsonPathLocations,
  checkJsonPathRfc9535,
  hasRootFilter,
  isSimpleJsonPath,
  JsonPathSyntaxError,
  type JsonPathDialect,
  type JsonPathOptions,
  type CompiledJsonPath,
} from './jsonpath.js';
export { checkXPath, evaluateXPath, evaluateXPathBoolean, replaceXPathNodes, toXmlNode, XPathSyntaxError, type XPathModules } from './xpath.js';
export { compileLinearRegex, translateToRe2, re2RegExp, RegexSyntaxError, type LinearRegex, type AjvRegExpEngine } from './regex.js';
