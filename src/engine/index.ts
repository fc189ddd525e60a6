/** The execution engine: plan compilation, the run loop, transports, clock and masking. */
export { compileWorkflows, type CompileWorkflowsInput, type CompileWorkflowsResult } from './compile.js';
export { runWorkflow, transportFor, DEFAULT_MAX_STEPS, DEFAULT_REQUEST_TIMEOUT_MS } from './run.js';
export { next, abortRun, type Runtime, type Effect, type Input, type Executed } from './next.js';
export { newRunState, isRunState, type RunState, type Frame } from './state.js';
export { systemClock, ManualClock } from './clock.js';
export { Masker, isSecretName, isSecretHeader, secretForms, createMasker, maskValue, MASK, type MaskFn } from './mask.js';
export { UndiciHttpClient, FetchHttpClient, defaultAgent, DEFAULT_MAX_BODY_BYTES } from './transport.js';
export type * from './types.js';
export type * from './plan-types.js';
