/**
 * The engine and loader, imported only when a command needs them (they pull in ajv,
 * swagger-parser and undici), so `arazzo --help`, `list` and `graph` start fast.
 */
import type { LoadedDocument } from '../document/loaded.js';
import type { RunOptions, RunResult } from '../engine/types.js';

export interface Library {
  loadArazzo(input: string, options?: Record<string, unknown>): Promise<LoadedDocument>;
  runWorkflow(doc: LoadedDocument, workflowId: string, inputs: Record<string, unknown>, options?: RunOptions): Promise<RunResult>;
}

export async function loadLibrary(): Promise<Library> {
  // The public entry point re-exports both; a variable specifier keeps this file independent of
  // the module layout behind it.
  const specifier = '../index.js';
  const mod = (await import(specifier)) as Partial<Library>;
  if (typeof mod.loadArazzo !== 'function' || typeof mod.runWorkflow !== 'function') {
    throw new Error('the engine build is incomplete: dist/index.js does not export loadArazzo and runWorkflow');
  }
  return mod as Library;
}
