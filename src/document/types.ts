/**
 * The Arazzo document as written (after YAML/JSON parsing). The interfaces are generated from the
 * JSON Schemas of `schemas.ts` (see `generated/types.ts`), so the types and what validation
 * accepts cannot drift apart; the names follow the spec. Extensions (`x-…`) are allowed on every
 * object. The aliases below name parts of those interfaces the engine refers to on their own.
 */
import type { Criterion, FailureAction, Parameter, SourceDescription, Workflow } from './generated/types.js';

export type {
  ArazzoDocument,
  Components,
  Criterion,
  ExpressionType,
  Extensions,
  FailureAction,
  Info,
  Parameter,
  PayloadReplacement,
  RequestBody,
  ReusableObject,
  Selector,
  SourceDescription,
  Step,
  SuccessAction,
  Workflow,
} from './generated/types.js';
export type { ArazzoVersion } from './schemas.js';

export type SourceType = NonNullable<SourceDescription['type']>;

/**
 * Where a parameter of a loaded document goes. The schema also accepts `channel` (AsyncAPI), so
 * that validation can refuse it with `ASYNCAPI_UNSUPPORTED` (P1); no loaded document has it.
 */
export type ParameterLocation = Exclude<NonNullable<Parameter['in']>, 'channel'>;

export type ActionType = FailureAction['type'];

export type CriterionTypeName = Extract<NonNullable<Criterion['type']>, string>;

/** A workflow's `inputs`: a JSON Schema (an object, or a boolean schema). */
export type JsonSchema = NonNullable<Workflow['inputs']>;
