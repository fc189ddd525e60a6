/**
 * Expression Type Objects (1.0.1 "Criterion Expression Type Object", 1.1.0 "Expression Type Object"):
 * `{ type, version }` naming the dialect of a jsonpath / xpath / jsonpointer expression.
 *
 * | type        | 1.0.x versions                        | 1.1 adds    | default           |
 * |-------------|---------------------------------------|-------------|-------------------|
 * | jsonpath    | draft-goessner-dispatch-jsonpath-00   | rfc9535     | RFC 9535          |
 * | xpath       | xpath-30, xpath-20, xpath-10          | xpath-31    | XPath 3.1         |
 * | jsonpointer | –                                     | rfc6901     | RFC 6901          |
 *
 * fontoxpath implements XPath 3.1, so every xpath version runs with 3.1 semantics.
 */
import type { ArazzoVersion } from '../document/types.js';
import type { JsonPathDialect } from '../selection/jsonpath.js';
import { isRecord } from '../util/guards.js';

export type ResolvedExpressionType =
  | { readonly kind: 'jsonpath'; readonly dialect: JsonPathDialect }
  | { readonly kind: 'xpath'; readonly xpathVersion: string }
  | { readonly kind: 'jsonpointer' };

const VERSIONS: Record<string, Record<ArazzoVersion, readonly string[]>> = {
  jsonpath: { '1.0': ['draft-goessner-dispatch-jsonpath-00'], '1.1': ['rfc9535', 'draft-goessner-dispatch-jsonpath-00'] },
  xpath: { '1.0': ['xpath-30', 'xpath-20', 'xpath-10'], '1.1': ['xpath-31', 'xpath-30', 'xpath-20', 'xpath-10'] },
  jsonpointer: { '1.0': [], '1.1': ['rfc6901'] },
};

/**
 * Resolves a type given as a name (`'jsonpath'`) or an Expression Type Object. Returns an error
 * message instead when the type or version is not valid for the document's Arazzo version.
 */
export function resolveExpressionType(type: unknown, version: ArazzoVersion, allowed: readonly string[]): ResolvedExpressionType | { readonly error: string } {
  let name: unknown = type;
  let dialectVersion: unknown;
  if (isRecord(type)) {
    name = type['type'];
    dialectVersion = type['version'];
    if (typeof name !== 'string' || !allowed.includes(name)) {
      return { error: `An Expression Type Object's "type" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(name)}.` };
    }
    const known = VERSIONS[name]?.[version] ?? [];
    if (typeof dialectVersion !== 'string' || !known.includes(dialectVersion)) {
      const hint = known.length > 0 ? `one of ${known.map((k) => `"${k}"`).join(', ')}` : `none in Arazzo ${version} (use the plain type name "${name}")`;
      return { error: `Expression Type Object { type: "${name}" } needs "version" ${hint}, got ${JSON.stringify(dialectVersion)}.` };
    }
  } else if (typeof name !== 'string' || !allowed.includes(name)) {
    return { error: `"type" must be one of ${allowed.map((a) => `"${a}"`).join(', ')} or an Expression Type Object, got ${JSON.stringify(type)}.` };
  }
  switch (name) {
    case 'jsonpath':
      return { kind: 'jsonpath', dialect: dialectVersion === 'draft-goessner-dispatch-jsonpath-00' ? 'goessner' : 'rfc9535' };
    case 'xpath':
      return { kind: 'xpath', xpathVersion: typeof dialectVersion === 'string' ? dialectVersion : 'xpath-31' };
    default:
      return { kind: 'jsonpointer' };
  }
}
