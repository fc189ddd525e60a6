/**
 * What the compile walk knows at each point: the document (ids, declared sources, loaded sources,
 * components), the workflow (its steps, their outputs, its inputs) and the step being compiled.
 * Checks read these scopes; nothing is looked up twice.
 */
import type { InputsShape } from '../document/inputs.js';
import type { ArazzoVersion } from '../document/types.js';
import type { LoadedSource, ResolveOptions } from '../sources/index.js';
import type { CompiledCriterion } from '../criteria/types.js';
import type { CompiledValue } from '../expressions/types.js';
import type { Reporter } from './report.js';
import type { SchemaCheck } from './inputs.js';
import type { WorkflowRef } from './plan-types.js';

export type Obj = Record<string, unknown>;

export const isObj = (value: unknown): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);
export const isStr = (value: unknown): value is string => typeof value === 'string';
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const quoteList = (names: Iterable<string>): string => {
  const all = [...names];
  return all.length === 0 ? '(none)' : all.map((n) => `'${n}'`).join(', ');
};

/** A component parameter, compiled once at its own path. */
export interface ComponentParameter {
  readonly parameter: Obj;
  readonly value: CompiledValue;
}

/** What an action is, wherever it is used: checked and compiled once where it is written. */
export interface ActionBody {
  readonly action: Obj;
  readonly criteria: CompiledCriterion[];
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly value: CompiledValue; readonly path: string }>;
  /** The resolved workflowId target, when the action has one that resolves. */
  readonly workflow?: WorkflowRef;
}

export interface DocumentScope {
  readonly doc: Obj;
  readonly version: ArazzoVersion;
  readonly reporter: Reporter;
  /** Source descriptions as written, by name (the first of duplicates). */
  readonly declared: ReadonlyMap<string, Obj>;
  /** The loaded sources; undefined when the document is checked alone (no target is resolved). */
  readonly sources: ReadonlyMap<string, LoadedSource> | undefined;
  /** Options for the sources module's `find…` functions. */
  readonly resolveOptions: ResolveOptions;
  /** How many sources are not `arazzo` ones (OPERATION_ID_UNQUALIFIED). */
  readonly nonArazzoSources: number;
  /** workflowId → index of its workflow (the first of duplicates). */
  readonly workflowIds: ReadonlyMap<string, number>;
  readonly components: Obj;
  /** Component parameters by key, and component actions by kind and key (`successActions\u0000<key>`), compiled once. */
  readonly componentParameters: ReadonlyMap<string, ComponentParameter>;
  readonly componentActions: ReadonlyMap<string, ActionBody>;
  /** Local workflow dependsOn edges, for the cycle check at the end of the walk. */
  readonly dependsOnEdges: Map<string, Array<{ readonly target: string; readonly path: string }>>;
  /**
   * Whether the JSON Schema check reported an error at `path` or inside it. Such a part is not
   * compiled: the schema problem already says what to fix there.
   */
  shapeInvalid(path: string): boolean;
  /** Checks inputs JSON Schemas at load (meta-schema, compilation); undefined when they need no check. */
  readonly schemas?: SchemaCheck;
}

export interface WorkflowScope {
  readonly path: string;
  readonly workflowId: string | undefined;
  /** stepId → step index (the first of duplicates). */
  readonly stepIds: ReadonlyMap<string, number>;
  /** stepId → the names of the outputs the step declares. */
  readonly stepOutputs: ReadonlyMap<string, ReadonlySet<string>>;
  /** stepId → the workflowId a workflow step runs, as written (for hints about its outputs). */
  readonly stepWorkflows: ReadonlyMap<string, string>;
  /** The inputs the workflow's inputs schema declares, and whether it accepts others. */
  readonly inputs: InputsShape;
}

export interface StepScope {
  readonly index: number;
  readonly stepId: string | undefined;
  /** What the step runs; undefined when its target is missing or ambiguous. */
  readonly kind: 'operation' | 'workflow' | undefined;
  /** Steps this step lists in dependsOn (1.1): it may read their outputs even when they come later. */
  readonly dependsOn: ReadonlySet<string>;
}

/**
 * Where a value or criterion is compiled, which decides what its expressions may refer to. No
 * site: a component, checked where it is written and compiled once for every use.
 */
export interface Site {
  readonly workflow: WorkflowScope;
  /** Undefined for workflow-level parameters, actions and outputs. */
  readonly step?: StepScope;
  /** Evaluated after the step ran (its outputs and actions): it may read the step's own outputs. */
  readonly afterRun?: boolean;
}
