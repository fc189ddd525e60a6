/**
 * The result of loading: an immutable document, its resolved sources and its compiled workflow
 * plans, reusable across any number of concurrent runs.
 */
import type { Problem } from '../errors.js';
import type { OpenApiSource } from '../sources/types.js';
import type { ArazzoDocument, ArazzoVersion } from './types.js';
import type { WorkflowPlan } from '../engine/plan-types.js';

/** An `arazzo`-type source description, loaded recursively (cross-document workflows). */
export interface ArazzoSource {
  readonly kind: 'arazzo';
  readonly name: string;
  readonly location: string;
  readonly document: LoadedDocument;
}

export type LoadedSource = OpenApiSource | ArazzoSource;

export interface LoadedDocument {
  /** Absolute file path, URL, or `<memory>` for an in-memory object. */
  readonly location: string;
  /** `$self` resolved, else the retrieval URI. */
  readonly baseUri: string;
  readonly version: ArazzoVersion;
  readonly document: ArazzoDocument;
  /** Warnings found at load (errors make loading throw DocumentError). */
  readonly warnings: readonly Problem[];
  readonly sources: ReadonlyMap<string, LoadedSource>;
  /** Compiled workflows by workflowId. */
  readonly workflows: ReadonlyMap<string, WorkflowPlan>;
  /** 1-based line/column of a JSON path (`$.workflows[0].steps[1]`), when loaded from text. */
  locate(path: string): { line: number; column: number } | undefined;
}
