/**
 * Which selection engines a document needs, and loading them before it is compiled.
 *
 * Criteria, selectors and replacement targets are compiled synchronously at load, with engines
 * that are imported lazily (src/selection/engines.ts). The loader therefore awaits
 * `prepareCriteria(document)` first: it walks the document once (iteratively) and imports exactly
 * what it uses:
 * - `jsep` for simple conditions and jsonpath conditions (which may be comparisons);
 * - `jsonpath` (json-p3) or `goessner` (jsonpath-plus) for jsonpath criteria, JSONPath selectors and
 *   JSONPath replacement targets, by dialect; RFC 9535 queries that are simple paths (`$.a.b[0]`)
 *   are walked without a library, so a condition made only of those (the seed workflow's
 *   `$.status.state == 'pending'`) does not load json-p3;
 * - `xpath` (fontoxpath, slimdom) for xpath criteria, XPath selectors and replacement targets, and
 *   replacements into XML payloads;
 * - `regex` (re2js) for regex criteria and for JSON Schemas with `pattern` or `patternProperties`.
 */
import { startsRuntimeExpression } from '../expressions/runtime-expression.js';
import { loadSelectionEngines, type SelectionNeeds } from '../selection/engines.js';
import { isSimpleJsonPath } from '../selection/jsonpath.js';
import { scanJsonPathOperand } from './condition.js';
import { isRecord } from '../util/guards.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const GOESSNER = 'draft-goessner-dispatch-jsonpath-00';

/**
 * Whether an RFC 9535 condition or selector has a query that is not a simple path: each `$` that
 * starts no runtime expression starts a query (as the condition parser reads it). Conservative:
 * `{$…}` parts, whose substituted text is unknown, and text that does not start with `$` (which
 * the library then reports on) count as needing the library.
 */
function needsRfcLibrary(text: string): boolean {
  if (!text.startsWith('$') || text.includes('{$')) return true;
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    if (startsRuntimeExpression(text, i)) continue;
    const end = scanJsonPathOperand(text, i);
    if (!isSimpleJsonPath(text.slice(i, end))) return true;
    i = end - 1;
  }
  return false;
}

/** Records the engine for a selection `type` (a name or an Expression Type Object) and its query text. */
function addSelection(needs: Mutable<SelectionNeeds>, type: unknown, text: unknown): void {
  const name = isRecord(type) ? type['type'] : type;
  if (name === 'jsonpath') {
    if (isRecord(type) && type['version'] === GOESSNER) needs.goessner = true;
    else if (typeof text !== 'string' || needsRfcLibrary(text.trim())) needs.jsonpath = true;
  } else if (name === 'xpath') {
    needs.xpath = true;
  }
}

/** The engines the criteria, selectors, replacements and schemas of `document` use. */
export function criteriaNeeds(document: unknown): SelectionNeeds {
  const needs: Mutable<SelectionNeeds> = {};
  const seen = new Set<object>();
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    if (!isRecord(value)) continue;
    const o = value;
    if (typeof o['condition'] === 'string') {
      const type = o['type'];
      if (type === undefined || type === 'simple') needs.jsep = true;
      else if (type === 'regex') needs.regex = true;
      else {
        addSelection(needs, type, o['condition']);
        if ((isRecord(type) ? type['type'] : type) === 'jsonpath') needs.jsep = true;
      }
    }
    if (typeof o['selector'] === 'string' && 'context' in o) addSelection(needs, o['type'], o['selector']);
    if ('targetSelectorType' in o) addSelection(needs, o['targetSelectorType'], o['target']);
    if (Array.isArray(o['replacements']) && o['replacements'].length > 0 && typeof o['contentType'] === 'string' && /xml/i.test(o['contentType'])) {
      needs.xpath = true;
    }
    if (typeof o['pattern'] === 'string' || isRecord(o['patternProperties'])) needs.regex = true;
    for (const key of Object.keys(o)) stack.push(o[key]);
  }
  return needs;
}

/** Loads the engines `document` needs (see criteriaNeeds); each package is imported once per process. */
export function prepareCriteria(document: unknown): Promise<void> {
  return loadSelectionEngines(criteriaNeeds(document));
}
