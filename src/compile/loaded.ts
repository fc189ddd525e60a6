/**
 * The result of loading: an immutable document, its resolved sources and what embedders need to
 * know about its workflows (inputs, outputs, steps), reusable across any number of concurrent runs.
 *
 * The compiled workflow plans ride along under a symbol that only the engine reads (`workflowPlan`):
 * they are not public API.
 */
import type { Problem } from '../errors.js';
import type { WorkflowInput } from '../document/inputs.js';
import type { JsonSchema } from '../document/types.js';
import type { ArazzoSource as SourceOf, OpenApiSource, SourceDocument } from '../sources/types.js';
import type { WorkflowPlan } from './plan-types.js';

/** An `arazzo`-type source description, loaded recursively (cross-document workflows). */
export type ArazzoSource = SourceOf<LoadedDocument>;

export type LoadedSource = OpenApiSource | ArazzoSource;

/** The OpenAPI operation an operation step calls. */
export interface StepOperation {
  /** The name of the source description that defines it. */
  readonly source: string;
  readonly operationId?: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The path template, e.g. `/pets/{petId}`. */
  readonly path: string;
}

/** A workflow a step calls (or a workflow depends on): in this document, or in an `arazzo` source. */
export interface WorkflowTarget {
  readonly workflowId: string;
  /** The `arazzo` source the workflow lives in; undefined for this document. */
  readonly source?: string;
}

export interface LoadedStep {
  readonly stepId: string;
  readonly description?: string;
  readonly kind: 'operation' | 'workflow';
  /** Operation steps: the operation, resolved in the sources. */
  readonly operation?: StepOperation;
  /** Workflow steps: the workflow it runs. */
  readonly workflow?: WorkflowTarget;
  /** Steps written with Redocly's `x-operation` (a dialect): the method and the URL as written, with no OpenAPI operation. */
  readonly request?: { readonly method: string; readonly url: string };
  /** The names of the step's outputs. */
  readonly outputs: readonly string[];
}

export interface LoadedWorkflow {
  readonly workflowId: string;
  readonly summary?: string;
  readonly description?: string;
  /** The inputs JSON Schema as written (a `$ref` into components is kept). */
  readonly inputsSchema?: JsonSchema;
  /** The inputs that schema declares: name, type, required, default, secret (as `arazzo list` shows them). */
  readonly inputs: readonly WorkflowInput[];
  /** The names of the workflow's outputs. */
  readonly outputs: readonly string[];
  readonly dependsOn: readonly WorkflowTarget[];
  readonly steps: readonly LoadedStep[];
}

export interface LoadedDocument extends SourceDocument {
  /** Warnings found at load (errors make loading throw DocumentError). */
  readonly warnings: readonly Problem[];
  readonly sources: ReadonlyMap<string, LoadedSource>;
  /** The workflows by workflowId. */
  readonly workflows: ReadonlyMap<string, LoadedWorkflow>;
  /** 1-based line/column of a JSON path (`$.workflows[0].steps[1]`), when loaded from text. */
  locate(path: string): { line: number; column: number } | undefined;
}

/** Where a loaded document keeps its compiled plans (internal to the loader and the engine). */
export const PLANS: unique symbol = Symbol('arazzo-engine.plans');

/** A LoadedDocument as the loader builds it: with its compiled plans. */
export interface CompiledDocument extends LoadedDocument {
  readonly [PLANS]: ReadonlyMap<string, WorkflowPlan>;
}

/** The compiled plan of a workflow, or undefined when the document has no such workflow (or was not built by the loader). */
export function workflowPlan(doc: LoadedDocument, workflowId: string): WorkflowPlan | undefined {
  return (doc as Partial<CompiledDocument>)[PLANS]?.get(workflowId);
}
