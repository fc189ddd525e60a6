/**
 * Public API of the Arazzo engine.
 *
 * ```ts
 * import { loadArazzo, runWorkflow } from 'arazzo-engine';
 * const doc = await loadArazzo('workflows/deploy.arazzo.yaml');
 * const result = await runWorkflow(doc, 'deployEndpoint', { name: 'demo' });
 * ```
 */

// Loading
export { loadArazzo } from './load.js';
export type { LoadOptions } from './load.js';

// Running
export { runWorkflow, DEFAULT_MAX_STEPS, DEFAULT_REQUEST_TIMEOUT_MS } from './engine/run.js';
export { systemClock, ManualClock } from './engine/clock.js';
export { UndiciHttpClient, FetchHttpClient } from './engine/transport.js';

// Contract checks against the OpenAPI descriptions (RunOptions.checks)
export { createContractChecks } from './contract/checker.js';
export type { ContractChecks, ContractCheckOptions } from './contract/checker.js';
export { CHECK_NAMES, CHECK_LEVELS } from './contract/types.js';
export type { CheckFinding, CheckName, CheckLevel, CheckLevels } from './contract/types.js';
export type { LevelOverrides } from './document/checks-extension.js';

// Masking secrets (P21) in an embedder's own output, as the engine and the CLI do
export { createMasker, maskValue, MASK, isSecretName } from './engine/mask.js';
export type { MaskFn } from './engine/mask.js';

// Errors
export { ArazzoError, DocumentError, formatProblem } from './errors.js';
export type { Problem, Severity } from './errors.js';
export { ERROR_CODES, isErrorCode } from './error-codes.js';
export type { ErrorCode } from './error-codes.js';

// Validation without loading sources (editors, linters)
export { validateDocument } from './compile/validate.js';
export type { ValidateOptions } from './compile/validate.js';

// The workflows of a document and their inputs, without loading it (as `arazzo list` shows them)
export { describeWorkflows, describeInputs } from './document/inputs.js';
export type { WorkflowSummary, WorkflowInput, InputsShape } from './document/inputs.js';

// Source resolution helpers (tools that inspect a loaded document)
export { resolveOperation, resolveWorkflowRef } from './sources/resolve.js';
export type { ResolveOptions, OperationResolution, WorkflowResolution } from './sources/resolve.js';

// Types
export type { LoadedDocument, LoadedSource, ArazzoSource, LoadedWorkflow, LoadedStep, StepOperation, WorkflowTarget } from './compile/loaded.js';
export type {
  ArazzoDocument,
  ArazzoVersion,
  Info,
  SourceDescription,
  SourceType,
  Workflow,
  Step,
  Parameter,
  ParameterLocation,
  ReusableObject,
  SuccessAction,
  FailureAction,
  ActionType,
  Criterion,
  CriterionTypeName,
  ExpressionType,
  RequestBody,
  PayloadReplacement,
  Selector,
  Components,
  JsonSchema,
} from './document/types.js';
export type {
  OpenApiSource,
  OperationInfo,
  ParameterInfo,
  ServerInfo,
  ServerVariableInfo,
  SecuritySchemeInfo,
  SecurityRequirement,
} from './sources/types.js';
export type {
  HttpClient,
  HttpRequest,
  HttpResponse,
  SendOptions,
  Clock,
  RunEvent,
  RunEventListener,
  RunOptions,
  RunLimits,
  RunResult,
  RunErrorInfo,
  RunWarning,
  StepRecord,
  StepOutcome,
  ActionSummary,
  RequestSummary,
  ResponseSummary,
  StepChecks,
  CheckedStep,
  DelaySource,
} from './engine/types.js';
export type { RunState } from './engine/state.js';
export type { AuthCredentials, Credential, TokenCredential, ApiKeyCredential, BasicCredential, ClientCredential } from './auth/types.js';
export type { TlsOptions, TlsSettings } from './engine/tls.js';
