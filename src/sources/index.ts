/** The sources module: reading source descriptions, the operation index and target resolution. */
export type { OpenApiSource, OperationInfo, ParameterInfo, ServerInfo, ServerVariableInfo, SecuritySchemeInfo } from './types.js';
export { loadSources, createSourceSession, readResourceOnce, type LoadSourcesOptions, type LoadSourcesResult, type SourceSession } from './load-sources.js';
export {
  fetchResource,
  isHostAllowed,
  displayLocation,
  SourceFetchError,
  DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_SOURCE_TIMEOUT_MS,
  type FetchOptions,
  type FetchedResource,
} from './fetch.js';
export { indexOpenApi, PATH_ITEM_METHODS } from './operation-index.js';
export { escapePointerToken } from '../expressions/json-pointer.js';
export { dereferenceOpenApi } from './openapi.js';
export { parseDescriptionText, sniffType, type SniffedType } from './parse.js';
export { resolveOperation, resolveWorkflowRef, type ResolveOptions, type OperationResolution, type WorkflowResolution } from './resolve.js';
export { checkStepTargets, type CheckTargetsOptions } from './check-targets.js';

/** Problem codes this module reports (stable). */
export const SOURCE_PROBLEM_CODES = {
  SOURCE_NOT_FOUND: 'A source description file does not exist, or its URL answered 404/410.',
  SOURCE_FETCH_FAILED: 'A source could not be read (network error, non-2xx status, unsupported scheme, failing Arazzo loader).',
  SOURCE_TOO_LARGE: 'A source (or a file it $refs) exceeds the size cap (maxSourceBytes).',
  SOURCE_TIMEOUT: 'A remote source did not answer completely within timeoutMs.',
  SOURCE_HOST_NOT_ALLOWED: 'A remote source (or a $ref) is on a host not listed in allowHosts.',
  SOURCE_URL_INVALID: 'A source url is not a valid URI reference.',
  SOURCE_INVALID: 'A source is not valid JSON/YAML, not a usable OpenAPI description, or an Arazzo document with problems.',
  SOURCE_TYPE_UNKNOWN: 'A source has no type and its root has no openapi/swagger/arazzo key (P2), or an unknown type.',
  SOURCE_TYPE_MISMATCH: 'A source declared openapi is an Arazzo document (or the reverse).',
  ASYNCAPI_UNSUPPORTED: 'An asyncapi source or an operation in one (P1).',
  ARAZZO_LOADER_MISSING: 'loadSources was called without an Arazzo loader for an arazzo-type source (library misuse; loadArazzo always passes one).',
  SOURCE_UNKNOWN: 'A $sourceDescriptions.<name> reference names no source description.',
  SOURCE_NOT_LOADED: 'A reference into a source that failed to load (a consequence; dropped by the loader).',
  SOURCE_NOT_ARAZZO: 'A workflowId points into an OpenAPI source.',
  STEP_TARGET_INVALID: 'An operationId/operationPath points into an Arazzo source.',
  OPERATION_NOT_FOUND: 'No operation has that operationId (with a "did you mean" suggestion).',
  OPERATION_ID_UNQUALIFIED:
    'Warning: a bare operationId in a document with several non-arazzo sources, where the spec requires the qualified form (P3 runs it when only one source defines it).',
  OPERATION_AMBIGUOUS: 'A bare operationId is defined by several OpenAPI sources (P3); qualify it.',
  OPERATION_ID_INVALID: 'An operationId starting with $sourceDescriptions. is not <name>.<operationId>.',
  OPERATION_PATH_INVALID: 'operationPath has no #pointer or does not start with the source url expression.',
  OPERATION_PATH_NOT_OPERATION: 'operationPath ends at a Path Item, not an Operation (P4).',
  OPERATION_PATH_NOT_FOUND: 'operationPath points at nothing in the source.',
  WORKFLOW_NOT_FOUND: 'A workflowId names no workflow (locally or in the named arazzo source).',
} as const;
