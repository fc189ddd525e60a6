/**
 * Turning fetched text into data and sniffing what kind of description it is (P2).
 * YAML is read by the `yaml` package with the same safety as documents. JSON text is read by
 * `JSON.parse`: a 13 MB JSON description takes ~0.1 s and its own size in memory that way, where
 * building a YAML document of it takes seconds and ~50x the memory. When `JSON.parse` fails,
 * yaml reads the text, so YAML flow style still loads and a real syntax error gets its line.
 */
import { ArazzoError } from '../errors.js';
import { firstTooDeep, MAX_DEPTH } from '../reader/limits.js';
import { isRecord } from '../util/guards.js';

/** The YAML reader, which loads the `yaml` package: only for YAML texts (and a JSON error's position). */
const yamlReader = () => import('../reader/yaml.js');

export type SniffedType = 'openapi' | 'arazzo' | 'asyncapi';

/**
 * Parse JSON or YAML text. Throws ArazzoError with the position of the problem:
 * SOURCE_INVALID for a syntax error, YAML_ALIAS_LIMIT or DOCUMENT_TOO_DEEP for a hostile text.
 */
export async function parseDescriptionText(text: string, location: string): Promise<unknown> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let data: unknown;
    let parsed = false;
    try {
      data = JSON.parse(text);
      parsed = true;
    } catch {
      // Not strict JSON (or nested too deep for JSON.parse): yaml reads it and locates any error.
    }
    if (parsed) {
      const path = firstTooDeep(data, MAX_DEPTH);
      if (path) {
        const pos = (await yamlReader()).locateYaml(text, path);
        throw new ArazzoError(
          'DOCUMENT_TOO_DEEP',
          `${location}${pos ? `:${pos.line}:${pos.column}` : ''} nests mappings and lists more than ${MAX_DEPTH} levels deep; no real description needs that`,
          { url: location },
        );
      }
      return data;
    }
  }
  const { parseYaml, YamlError } = await yamlReader();
  try {
    return parseYaml(text);
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    const first = err.problems[0]!;
    const code = first.code === 'YAML_ALIAS_LIMIT' || first.code === 'DOCUMENT_TOO_DEEP' ? first.code : 'SOURCE_INVALID';
    const message = first.message.replace(/^YAML\/JSON syntax error: /, '');
    throw new ArazzoError(code, `${location}:${first.line}:${first.column} is not valid JSON or YAML: ${message}`, { url: location }, { cause: err });
  }
}

/** P2: `openapi`/`swagger` root key → openapi, `arazzo` → arazzo, `asyncapi` → asyncapi. */
export function sniffType(data: unknown): SniffedType | undefined {
  if (!isRecord(data)) return undefined;
  const root = data;
  if ('openapi' in root || 'swagger' in root) return 'openapi';
  if ('arazzo' in root) return 'arazzo';
  if ('asyncapi' in root) return 'asyncapi';
  return undefined;
}
