/**
 * Parsing a document's text with the YAML reader, synchronously. Importing this module loads the
 * `yaml` package: readDocument/readText import it only when the read cache has no entry for a text.
 */
import { DocumentError, type Problem } from '../errors.js';
import { writeCached } from '../reader/cache.js';
import { parseYamlWithPositions, YamlError } from '../reader/yaml.js';
import { MEMORY_LOCATION, type ReadResult, readResult } from './read.js';

/**
 * Parse document text (YAML or JSON). `location` names it in problems; `retrievalUri` is the
 * base URI unless `$self` says otherwise. Throws DocumentError with every problem, located.
 */
export function parseText(text: string, location: string = MEMORY_LOCATION, retrievalUri: string = location): ReadResult {
  let parsed: ReturnType<typeof parseYamlWithPositions>;
  try {
    parsed = parseYamlWithPositions(text);
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    const problems = err.problems.map((p): Problem => ({ ...p, severity: 'error', path: '$', file: location }));
    throw new DocumentError(problems, location, 'DOCUMENT_INVALID', { cause: err });
  }
  writeCached('document', text, parsed);
  return readResult(parsed, text, location, retrievalUri);
}
