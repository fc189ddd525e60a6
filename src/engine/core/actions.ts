/**
 * Success and failure actions: choosing one (P13: the step's, then the workflow's; the first whose
 * criteria pass; a retry only while its `retryLimit` lasts, P26) and applying it: `end`, `goto` a
 * step or a workflow (P14), `retry` after a wait (`Retry-After`, else `retryAfter`), optionally
 * running a step or a workflow first.
 */
import type { EvalContext } from '../../expressions/types.js';
import type { ActionPlan, StepPlan } from '../../compile/plan-types.js';
import { newFrame, withEntry, type Frame, type Writable } from '../state.js';
import type { RunErrorInfo } from '../types.js';
import type { Draft } from './draft.js';
import { criteriaPass, evaluateInputs } from './evaluation.js';
import { failRun } from './finish.js';
import { enterStep, finishFrame, startFrame } from './frames.js';
import { delayStarted, retryAfterTooLong } from './guards.js';
import { childDocKey } from './machine.js';

/**
 * The action to take after a step execution, or undefined for the default (next step on success,
 * fail the workflow on failure). A chosen retry uses up one of its tries.
 */
export function chooseAction(frame: Writable<Frame>, step: StepPlan, success: boolean, ctx: EvalContext): ActionPlan | undefined {
  for (const a of success ? step.onSuccess : step.onFailure) {
    if (a.criteria.length > 0 && !criteriaPass(a.criteria, ctx)) continue;
    if (a.type === 'retry') {
      const used = frame.retries[a.name] ?? 0;
      if (used >= a.retryLimit) continue;
      frame.retries = withEntry(frame.retries, a.name, used + 1);
    }
    return a;
  }
  return undefined;
}

/** What a chosen action needs to know about the execution it follows. */
export interface ActionInput {
  readonly success: boolean;
  readonly ctx: EvalContext;
  /** Why the step failed (for `end` after a failure, and a goto away from a failure). */
  readonly stepError: () => RunErrorInfo;
  /** The wait a `Retry-After` response header asks for, ms. */
  readonly retryAfterMs?: number;
  /** The `Retry-After` header as received, for messages. */
  readonly retryAfterHeader?: string;
}

/** Apply the chosen action to the running frame (the top of the stack). */
export function applyAction(d: Draft, step: StepPlan, action: ActionPlan, input: ActionInput): void {
  const frame = d.editTop();
  switch (action.type) {
    case 'end':
      // P23: an onFailure end ends the workflow as failed.
      if (input.success) finishFrame(d, 'succeeded');
      else {
        const e = input.stepError();
        finishFrame(d, 'failed', { ...e, message: `${e.message} The onFailure action "${action.name}" ended the workflow.` });
      }
      return;
    case 'goto':
      if (action.stepIndex !== undefined) enterStep(frame, action.stepIndex);
      else if (action.workflow) gotoWorkflow(d, action, input);
      return;
    case 'retry': {
      const wait = input.retryAfterMs ?? (action.retryAfter !== undefined ? Math.round(action.retryAfter * 1000) : 0);
      if (input.retryAfterMs !== undefined) {
        const tooLong = retryAfterTooLong(d, frame.wf, step.stepId, input.retryAfterMs, input.retryAfterHeader ?? '');
        if (tooLong) {
          failRun(d, tooLong);
          return;
        }
      }
      frame.attempt += 1;
      frame.retry = true;
      frame.prepared = true;
      frame.waitUntil = wait > 0 ? d.now + wait : undefined;
      frame.retryAfter = input.retryAfterMs !== undefined ? input.retryAfterHeader : undefined;
      if (wait > 0) d.emit(delayStarted(frame, step.stepId, wait));
      if (action.stepIndex !== undefined && action.stepIndex !== frame.index) {
        frame.returnTo = frame.index;
        frame.index = action.stepIndex;
      } else if (action.workflow) {
        frame.call = { ...action.workflow, inputs: evaluateInputs(action.parameters, input.ctx) };
      }
      return;
    }
  }
}

/**
 * P14: a goto to a workflow is a one-way transfer; the target's result becomes this invocation's
 * result. The workflow left behind ends as the step did: a transfer from onFailure leaves it failed.
 */
function gotoWorkflow(d: Draft, action: ActionPlan, input: ActionInput): void {
  const depth = d.depth - 1;
  const ref = action.workflow as NonNullable<ActionPlan['workflow']>;
  const inputs = evaluateInputs(action.parameters, input.ctx);
  const leftError = input.success ? undefined : input.stepError();
  finishFrame(d, input.success ? 'succeeded' : 'failed', leftError);
  const left = d.top() as Frame;
  d.emit({
    type: 'workflow.finished',
    workflowId: left.wf,
    depth,
    status: input.success ? 'succeeded' : 'failed',
    outputs: left.outputs ?? {},
    ...(leftError ? { error: leftError } : {}),
  });
  const started = startFrame(d, ref, left.doc, left.role, inputs, left.stopAt);
  if ('error' in started) {
    const failed: Writable<Frame> = newFrame(ref.workflowId, childDocKey(left.doc, ref), left.role, inputs, left.stopAt);
    failed.status = 'failed';
    failed.error = started.error;
    failed.outputs = {};
    d.replaceTop(failed);
  } else {
    d.replaceTop(started.frame);
    d.emit({ type: 'workflow.started', workflowId: started.frame.wf, depth, inputs: started.frame.inputs });
  }
}
