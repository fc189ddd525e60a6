/** The sources module: reading source descriptions, the operation index and target resolution. */
export type {
  OpenApiSource,
  OperationInfo,
  ParameterInfo,
  ServerInfo,
  ServerVariableInfo,
  SecuritySchemeInfo,
  ArazzoSource,
  LoadedSource,
  SourceDocument,
} from './types.js';
export { loadSources, createSourceSession, readResourceOnce, type LoadSourcesOptions, type LoadSourcesResult, type SourceSession } from './load-sources.js';
export {
  readResource,
  isHostAllowed,
  displayLocation,
  ReadError,
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ReaderOptions,
  type Resource,
} from '../reader/resource.js';
export { indexOpenApi, PATH_ITEM_METHODS } from './operation-index.js';
export { escapePointerToken } from '../selection/json-pointer.js';
export { dereferenceOpenApi } from './openapi.js';
export { parseDescriptionText, sniffType, type SniffedType } from './parse.js';
export {
  resolveOperation,
  resolveWorkflowRef,
  parseSourceQualified,
  splitOperationPath,
  findOperationById,
  findOperationAtPath,
  findWorkflowIn,
  sourceDefiningWorkflow,
  type ResolveOptions,
  type OperationResolution,
  type WorkflowResolution,
  type SourceQualified,
  type OperationPathParts,
} from './resolve.js';

/** Problem codes this module reports (stable); the table lives with every other code. */
export { SOURCE_PROBLEM_CODES } from '../error-codes.js';
