/** Entry point used by the loader (src/load.ts): compile every workflow of a document at load. */
export { compileWorkflows, type CompileWorkflowsInput, type CompileWorkflowsResult } from './compile.js';
