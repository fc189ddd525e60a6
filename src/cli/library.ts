/**
 * The engine and loader, imported only when a command needs them (they pull in ajv,
 * swagger-parser and undici), so `arazzo --help`, `list` and `graph` start fast.
 */
import type { loadArazzo } from '../load.js';
import type { prepareFirstRequest, runWorkflow } from '../engine/run.js';

export interface Library {
  readonly loadArazzo: typeof loadArazzo;
  readonly runWorkflow: typeof runWorkflow;
  /** `--dry-run`: the first request of a run, not sent. */
  readonly prepareFirstRequest: typeof prepareFirstRequest;
}

export async function loadLibrary(): Promise<Library> {
  const [load, run] = await Promise.all([import('../load.js'), import('../engine/run.js')]);
  return { loadArazzo: load.loadArazzo, runWorkflow: run.runWorkflow, prepareFirstRequest: run.prepareFirstRequest };
}

/** Only the loader (for `validate`), without the run loop and transports. */
export async function loadLoader(): Promise<Pick<Library, 'loadArazzo'>> {
  const load = await import('../load.js');
  return { loadArazzo: load.loadArazzo };
}
