/**
 * How a run ends: its final status, outputs and error, and the `run.finished` event. A run fails
 * at once, whatever the failure actions say, on a guard (limits, timeouts), on cancellation and on
 * an internal error; its outputs are then what the entry workflow's outputs evaluate to so far.
 */
import type { RunErrorInfo } from '../types.js';
import type { Draft } from './draft.js';
import { evaluateOutputs, frameContext } from './evaluation.js';

/** Fail the whole run now. */
export function failRun(d: Draft, error: RunErrorInfo): void {
  const rootFrame = d.frame(0);
  const root = d.root();
  if (rootFrame && rootFrame.status === undefined) {
    try {
      const plan = d.machine.plan(rootFrame.doc, rootFrame.wf);
      root.outputs = evaluateOutputs(plan.outputs, frameContext(d.machine, d.current, rootFrame), (name, why) => warnOutput(d, rootFrame.wf, name, why));
    } catch {
      root.outputs = {};
    }
  }
  root.status = 'failed';
  root.error = error;
  d.clear();
  announceEnd(d);
}

/** A workflow output that resolved to nothing: left out of the outputs (P6), and said so (the `warning` event). */
export function warnOutput(d: Draft, workflowId: string, output: string, why: string): void {
  d.emit({
    type: 'warning',
    code: 'OUTPUT_UNRESOLVED',
    workflowId,
    output,
    message: `Output "${output}" of workflow "${workflowId}" resolved to nothing and is left out (${why}).`,
  });
}

/** Emit `run.finished` for a state that has just stopped running. */
export function announceEnd(d: Draft): void {
  const s = d.current;
  d.emit({
    type: 'run.finished',
    workflowId: s.workflowId,
    status: s.status === 'succeeded' ? 'succeeded' : 'failed',
    outputs: s.outputs ?? {},
    ...(s.error ? { error: s.error } : {}),
    durationMs: d.now - s.startedAt,
  });
}
