/** The compile pass: one walk that validates, resolves step targets and compiles workflow plans. */
export { compileDocument, type CompileInput, type CompileResult } from './compile.js';
export { validateDocument, type ValidateOptions } from './validate.js';
export { prepareInputValidation } from './inputs.js';
export { workflowPlan, PLANS, type CompiledDocument } from './loaded.js';
export type { LoadedDocument, LoadedSource, ArazzoSource, LoadedWorkflow, LoadedStep, StepOperation, WorkflowTarget } from './loaded.js';
export type { Finding, ReporterOptions } from './report.js';
