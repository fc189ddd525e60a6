/**
 * Turning fetched text into data (JSON or YAML 1.2, core schema) and sniffing what kind of
 * description it is (P2).
 */
import { fastParseYaml } from '../document/fast-yaml.js';
import { yamlLib } from '../document/read.js';
import { ArazzoError } from '../errors.js';

export type SniffedType = 'openapi' | 'arazzo' | 'asyncapi';

/** Parse JSON or YAML text. Throws ArazzoError('SOURCE_INVALID') with the line of the syntax error. */
export function parseDescriptionText(text: string, location: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      // Fall through: YAML is a superset of JSON and gives a line number.
    }
  }
  const fast = fastParseYaml(text);
  if (fast) return fast.data;
  // Outside fast-yaml's subset (or invalid): the yaml package, loaded now, parses it and reports errors.
  const { parse: parseYaml, YAMLParseError } = yamlLib();
  try {
    return parseYaml(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 1000, prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos ? `:${pos.line}:${pos.col}` : '';
      const firstLine = err.message.split('\n')[0];
      throw new ArazzoError('SOURCE_INVALID', `${location}${where} is not valid JSON or YAML: ${firstLine}`, { url: location });
    }
    throw new ArazzoError('SOURCE_INVALID', `${location} is not valid JSON or YAML: ${(err as Error).message}`, { url: location });
  }
}

/** P2: `openapi`/`swagger` root key → openapi, `arazzo` → arazzo, `asyncapi` → asyncapi. */
export function sniffType(data: unknown): SniffedType | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const root = data as Record<string, unknown>;
  if ('openapi' in root || 'swagger' in root) return 'openapi';
  if ('arazzo' in root) return 'arazzo';
  if ('asyncapi' in root) return 'asyncapi';
  return undefined;
}
