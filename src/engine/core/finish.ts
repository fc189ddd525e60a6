/**
 * How a run ends: its final status, outputs and error, and the `run.finished` event. A run fails
 * at once, whatever the failure actions say, on a guard (limits, timeouts), on cancellation and on
 * an internal error; its outputs are then what the entry workflow's outputs evaluate to so far.
 */
import type { EvalContext } from '../../expressions/types.js';
import type { RunErrorInfo } from '../types.js';
import type { Draft } from './draft.js';
import { evaluateOutputs, frameContext, type MissingOutput } from './evaluation.js';

/** Fail the whole run now. */
export function failRun(d: Draft, error: RunErrorInfo): void {
  const rootFrame = d.frame(0);
  const root = d.root();
  if (rootFrame && rootFrame.status === undefined) {
    try {
      const plan = d.machine.plan(rootFrame.doc, rootFrame.wf);
      const ctx = frameContext(d.machine, d.current, rootFrame);
      root.outputs = evaluateOutputs(plan.outputs, ctx, outputWarnings(d, rootFrame.wf, 'stopped', ctx));
    } catch {
      root.outputs = {};
    }
  }
  root.status = 'failed';
  root.error = error;
  d.clear();
  announceEnd(d);
}

/**
 * What to say of the outputs a workflow that has just ended left out (P6): every one is left out
 * and said with a `warning` event (OUTPUT_UNRESOLVED), listed in RunResult.warnings. The ones that
 * may be a mistake to fix are plain warnings:
 * - an output whose expression failed with an error, always;
 * - when the workflow failed (by its own steps and actions), an output that found nothing where a
 *   step (or workflow) that ran should have given it a value.
 * The others are `expected`: an output that found nothing on a workflow that succeeded (an output
 * meant for failures, such as an error message read from a failed response, is empty on a success
 * by design) or that was `stopped` (cancelled, timed out, a guard: its outputs are those of a run
 * cut short), and an output whose every empty expression names a step or workflow that did not run
 * in this run (a path not taken: a probe skipped, a failure before it).
 */
export function outputWarnings(d: Draft, workflowId: string, status: 'succeeded' | 'failed' | 'stopped', ctx: EvalContext): MissingOutput {
  return (output, why, empty) => {
    const expected = empty !== undefined && (status !== 'failed' || empty.every((text) => namesWhatDidNotRun(text, ctx)));
    warnOutput(d, workflowId, output, why, expected);
  };
}

/** Whether an expression reads `$steps.<id>…` or `$workflows.<id>…` of a step or workflow that has not run. */
function namesWhatDidNotRun(text: string, ctx: EvalContext): boolean {
  const m = /^\$(steps|workflows)\.([^.#]+)/.exec(text);
  if (!m) return false;
  const id = m[2] as string;
  return m[1] === 'steps' ? ctx.steps[id] === undefined : ctx.workflows?.[id] === undefined;
}

/** A workflow output that resolved to nothing: left out of the outputs (P6), and said so (the `warning` event). */
function warnOutput(d: Draft, workflowId: string, output: string, why: string, expected: boolean): void {
  d.emit({
    type: 'warning',
    code: 'OUTPUT_UNRESOLVED',
    workflowId,
    output,
    message: `Output "${output}" of workflow "${workflowId}" resolved to nothing and is left out (${why}).`,
    ...(expected ? { expected: true as const } : {}),
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
