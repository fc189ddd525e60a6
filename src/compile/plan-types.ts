/**
 * The compiled workflow plan: everything a run needs, parsed once at load. Running a step reads
 * these objects and evaluates their closures; it never parses text.
 */
import type { XSecurityPlan } from '../auth/x-security.js';
import type { CompiledCriterion } from '../criteria/types.js';
import type { JsonPathDialect } from '../selection/jsonpath.js';
import type { JsonSchema, ParameterLocation } from '../document/types.js';
import type { CompiledValue } from '../expressions/types.js';
import type { OperationInfo, ParameterInfo } from '../sources/types.js';

/** A workflow reference: `source` is the name of an `arazzo` source, undefined for the same document. */
export interface WorkflowRef {
  readonly source?: string;
  readonly workflowId: string;
}

export interface ParameterPlan {
  readonly name: string;
  readonly in?: ParameterLocation;
  readonly value: CompiledValue;
  /** The matching OpenAPI parameter, when the operation defines one with this (name, in). */
  readonly spec?: ParameterInfo;
  /** The OpenAPI parameter is required (P25: an unresolved value then fails the step). */
  readonly required: boolean;
  /** The operation's security schemes supply it (apiKey, Authorization): its value is a secret (P21). */
  readonly credential?: true;
  /** Where it came from, for messages. */
  readonly path: string;
}

export type SelectorKind = 'jsonpointer' | 'jsonpath' | 'xpath';

export interface ReplacementPlan {
  readonly target: string;
  readonly selector: SelectorKind;
  /** JSONPath targets: the dialect (RFC 9535 unless the Expression Type Object names Goessner). */
  readonly dialect?: JsonPathDialect;
  readonly value: CompiledValue;
}

export interface BodyPlan {
  /** Effective media type: the step's, else the operation's first, else application/json. */
  readonly contentType: string;
  readonly payload?: CompiledValue;
  readonly replacements: readonly ReplacementPlan[];
}

export interface ActionPlan {
  readonly name: string;
  readonly type: 'end' | 'goto' | 'retry';
  readonly kind: 'success' | 'failure';
  readonly stepId?: string;
  /** Index of `stepId` in the current workflow. */
  readonly stepIndex?: number;
  readonly workflow?: WorkflowRef;
  /** Seconds. */
  readonly retryAfter?: number;
  /** Default 1 (P13). */
  readonly retryLimit: number;
  readonly criteria: readonly CompiledCriterion[];
  /** Inputs for a `workflowId` target (P14). */
  readonly parameters: readonly ParameterPlan[];
  /** Declared on the step, or inherited from the workflow (P13). */
  readonly origin: 'step' | 'workflow';
  /** JSON path of the action where the list holds it (a Reusable Object: the reference), for messages. */
  readonly path?: string;
}

export interface OutputPlan {
  readonly name: string;
  readonly value: CompiledValue;
}

/** Engine step extensions (P20), compiled. */
export interface StepExtensions {
  /** `x-delay`: seconds. */
  readonly delay?: CompiledValue;
  /** `x-max-executions`. */
  readonly maxExecutions?: CompiledValue;
  /** `x-max-duration`: seconds. */
  readonly maxDuration?: CompiledValue;
  /** `x-server-url`: base URL replacing the OpenAPI server. */
  readonly serverUrl?: CompiledValue;
  /** Redocly's `x-operation` url: the whole URL of a step with no OpenAPI operation (a dialect). */
  readonly operationUrl?: CompiledValue;
}

export interface StepPlan {
  readonly stepId: string;
  readonly index: number;
  readonly kind: 'operation' | 'workflow';
  readonly operation?: OperationInfo;
  readonly workflow?: WorkflowRef;
  /** Effective parameters (workflow + step merge, reusable objects resolved, P27). */
  readonly parameters: readonly ParameterPlan[];
  readonly body?: BodyPlan;
  readonly successCriteria: readonly CompiledCriterion[];
  /** Candidates in selection order: the step's actions, then the workflow's not overridden by name. */
  readonly onSuccess: readonly ActionPlan[];
  readonly onFailure: readonly ActionPlan[];
  readonly outputs: readonly OutputPlan[];
  /** 1.1 step `timeout`, milliseconds. */
  readonly timeoutMs?: number;
  readonly extensions: StepExtensions;
  /** Respect's `x-security` entries of an operation step (the workflow's merged in); absent when none. */
  readonly security?: readonly XSecurityPlan[];
  /** JSON path of the step in its document. */
  readonly path: string;
}

export interface InputValidation {
  readonly ok: boolean;
  /** Inputs with schema defaults applied. */
  readonly value: Record<string, unknown>;
  readonly errors: readonly string[];
  /** Set when the inputs broke a limit (MAX_INPUT_DEPTH): the error's `limit`. */
  readonly limit?: number;
}

export interface WorkflowPlan {
  readonly workflowId: string;
  readonly path: string;
  readonly inputsSchema?: JsonSchema;
  /** Validates and defaults inputs against the inputs schema (P19). */
  validateInputs(inputs: Record<string, unknown>): InputValidation;
  /** Input names whose values are secret (P21): `format: password` or a secret-looking name. */
  readonly secretInputs: readonly string[];
  readonly dependsOn: readonly WorkflowRef[];
  readonly steps: readonly StepPlan[];
  readonly stepIndex: ReadonlyMap<string, number>;
  readonly outputs: readonly OutputPlan[];
}
