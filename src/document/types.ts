/**
 * The Arazzo document as written (after YAML/JSON parsing), typed from the spec text of 1.0.1
 * and 1.1.0. Names follow the spec. Extensions (`x-…`) are allowed on every object.
 */

export type ArazzoVersion = '1.0' | '1.1';

export type Extensions = { [key: `x-${string}`]: unknown };

export interface ArazzoDocument extends Extensions {
  arazzo: string;
  $self?: string;
  info: Info;
  sourceDescriptions: SourceDescription[];
  workflows: Workflow[];
  components?: Components;
}

export interface Info extends Extensions {
  title: string;
  summary?: string;
  description?: string;
  version: string;
}

export type SourceType = 'openapi' | 'arazzo' | 'asyncapi';

export interface SourceDescription extends Extensions {
  name: string;
  url: string;
  type?: SourceType;
}

export interface Workflow extends Extensions {
  workflowId: string;
  summary?: string;
  description?: string;
  inputs?: JsonSchema;
  dependsOn?: string[];
  steps: Step[];
  successActions?: Array<SuccessAction | ReusableObject>;
  failureActions?: Array<FailureAction | ReusableObject>;
  outputs?: Record<string, string | Selector>;
  parameters?: Array<Parameter | ReusableObject>;
}

export interface Step extends Extensions {
  stepId: string;
  description?: string;
  operationId?: string;
  operationPath?: string;
  workflowId?: string;
  parameters?: Array<Parameter | ReusableObject>;
  requestBody?: RequestBody;
  successCriteria?: Criterion[];
  onSuccess?: Array<SuccessAction | ReusableObject>;
  onFailure?: Array<FailureAction | ReusableObject>;
  outputs?: Record<string, string | Selector>;
  /** 1.1: milliseconds. */
  timeout?: number;
  /** 1.1: step ids (or `$workflows.<wf>.steps.<id>`) that must have run first. */
  dependsOn?: string[];
}

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie' | 'querystring';

export interface Parameter extends Extensions {
  name: string;
  in?: ParameterLocation;
  value: unknown;
}

export interface ReusableObject {
  reference: string;
  value?: unknown;
}

export type ActionType = 'end' | 'goto' | 'retry';

export interface SuccessAction extends Extensions {
  name: string;
  type: 'end' | 'goto';
  workflowId?: string;
  stepId?: string;
  criteria?: Criterion[];
  /** 1.1 (accepted in 1.0 documents too, P14). */
  parameters?: Array<Parameter | ReusableObject>;
}

export interface FailureAction extends Extensions {
  name: string;
  type: 'end' | 'goto' | 'retry';
  workflowId?: string;
  stepId?: string;
  /** Seconds, decimals allowed. */
  retryAfter?: number;
  retryLimit?: number;
  criteria?: Criterion[];
  parameters?: Array<Parameter | ReusableObject>;
}

export type CriterionTypeName = 'simple' | 'regex' | 'jsonpath' | 'xpath';

export interface ExpressionType extends Extensions {
  type: 'jsonpath' | 'xpath' | 'jsonpointer';
  version: string;
}

export interface Criterion extends Extensions {
  context?: string;
  condition: string;
  type?: CriterionTypeName | ExpressionType;
}

export interface RequestBody extends Extensions {
  contentType?: string;
  payload?: unknown;
  replacements?: PayloadReplacement[];
}

export interface PayloadReplacement extends Extensions {
  target: string;
  /** 1.1 */
  targetSelectorType?: 'jsonpointer' | 'jsonpath' | 'xpath' | ExpressionType;
  value: unknown;
}

/** 1.1 Selector Object. */
export interface Selector extends Extensions {
  context: string;
  selector: string;
  type: 'jsonpath' | 'xpath' | 'jsonpointer' | ExpressionType;
}

export interface Components extends Extensions {
  inputs?: Record<string, JsonSchema>;
  parameters?: Record<string, Parameter>;
  successActions?: Record<string, SuccessAction>;
  failureActions?: Record<string, FailureAction>;
}

export type JsonSchema = Record<string, unknown> | boolean;
