/** The document module: reading, JSON paths/positions, schemas and the shape check of Arazzo documents, and what its workflows ask for. */
export { readDocument, readText, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, MEMORY_LOCATION } from './read.js';
export { parseText } from './parse-text.js';
export type { ReadOptions, ReadResult, Position } from './read.js';
export { checkDocumentShape, type ShapeResult } from './validate.js';
export { describeInputs, describeWorkflows, type WorkflowInput, type InputsShape, type WorkflowSummary } from './inputs.js';
export { detectArazzoVersion, versionOf, SUPPORTED_VERSIONS } from './version.js';
export { jsonPath, appendPath, parseJsonPath, pointerToJsonPath } from './json-path.js';
export type { PathSegment } from './json-path.js';
export { arazzoSchema10 } from './schema-1.0.js';
export { arazzoSchema11 } from './schema-1.1.js';
export { schemaProblems } from './schema-validation.js';
export { DOCUMENT_PROBLEM_CODES } from '../error-codes.js';
export type { DocumentProblemCode } from '../error-codes.js';
