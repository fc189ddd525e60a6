/** The document module: reading, JSON paths/positions, schemas and validation of Arazzo documents. */
export { readDocument, readText, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, MEMORY_LOCATION } from './read.js';
export { parseText } from './parse-text.js';
export type { ReadOptions, ReadResult, Position } from './read.js';
export { validateDocument } from './validate.js';
export type { ValidateOptions } from './validate.js';
export { detectArazzoVersion, versionOf, SUPPORTED_VERSIONS } from './version.js';
export { jsonPath, appendPath, parseJsonPath, pointerToJsonPath } from './json-path.js';
export type { PathSegment } from './json-path.js';
export { arazzoSchema10 } from './schema-1.0.js';
export { arazzoSchema11 } from './schema-1.1.js';
export { schemaProblems } from './schema-validation.js';
export { DOCUMENT_PROBLEM_CODES } from '../error-codes.js';
export type { DocumentProblemCode } from '../error-codes.js';
