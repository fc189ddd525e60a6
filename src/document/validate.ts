/**
 * The shape of a document: a mapping, a supported `arazzo` version, and the project JSON Schema of
 * that version (precompiled, see schema-validation.ts). The first step of loading and of
 * `validateDocument`; the semantic checks follow in the compile pass (src/compile/).
 */
import type { Problem } from '../errors.js';
import { schemaProblems } from './schema-validation.js';
import type { ArazzoVersion } from './types.js';
import { unsupportedVersionMessage, versionOf } from './version.js';
import { isRecord } from '../util/guards.js';

export interface ShapeResult {
  /** Problems without file, line or column. */
  readonly problems: Problem[];
  /** The version the document selects; undefined when it is not a mapping or the version is not supported. */
  readonly version?: ArazzoVersion;
}

/** Check the document's shape. `version` forces a version instead of reading the root `arazzo` field. */
export function checkDocumentShape(data: unknown, version?: ArazzoVersion): ShapeResult {
  if (!isRecord(data)) {
    return {
      problems: [
        {
          code: 'DOCUMENT_NOT_OBJECT',
          message: 'The document must be a mapping with arazzo, info, sourceDescriptions and workflows.',
          severity: 'error',
          path: '$',
        },
      ],
    };
  }
  const arazzo = data.arazzo;
  const selected = version ?? versionOf(arazzo);
  if (!selected) {
    return { problems: [{ code: 'ARAZZO_VERSION_UNSUPPORTED', message: unsupportedVersionMessage(arazzo), severity: 'error', path: '$.arazzo' }] };
  }
  return { problems: schemaProblems(data, selected), version: selected };
}
