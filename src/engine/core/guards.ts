/**
 * Guards (P20) and timeouts: the run's step cap (`limits.maxSteps`) and timeout (`limits.timeoutMs`),
 * the step extensions `x-max-executions`, `x-max-duration` and `x-delay`, a `Retry-After` longer
 * than the run has left, and the 1.1 `timeout` of a workflow step, which stops its child workflow.
 * A guard fails the whole run at once; failure actions do not apply to it. (The nesting depth
 * guard is applied where frames are pushed, in frames.ts.)
 */
import type { EvalContext } from '../../expressions/types.js';
import type { StepPlan } from '../../compile/plan-types.js';
import type { Frame } from '../state.js';
import type { RunErrorInfo } from '../types.js';
import type { EventInput } from './types.js';
import type { Draft } from './draft.js';
import { evalNumber, frameContext } from './evaluation.js';
import { applyOutcome } from './outcome.js';

export function runTimeoutError(timeoutMs: number, workflowId?: string, stepId?: string): RunErrorInfo {
  return {
    code: 'RUN_TIMEOUT',
    message: `The run exceeded its timeout of ${timeoutMs} ms${stepId ? ` at step "${stepId}"` : ''}; raise limits.timeoutMs (--timeout) if the workflow needs longer.`,
    ...(workflowId ? { workflowId } : {}),
    ...(stepId ? { stepId } : {}),
    limit: timeoutMs,
  };
}

/** The run-wide guards, checked before each step execution: the step cap and the run timeout. */
export function runGuard(d: Draft, frame: Frame, step: StepPlan): RunErrorInfo | undefined {
  const { maxSteps, timeoutMs } = d.machine;
  const state = d.current;
  if (state.stepExecutions >= maxSteps) {
    return {
      code: 'MAX_STEPS_EXCEEDED',
      message: `The run reached its limit of ${maxSteps} step executions at step "${step.stepId}" of workflow "${frame.wf}"; raise limits.maxSteps (--max-steps) or fix the loop.`,
      workflowId: frame.wf,
      stepId: step.stepId,
      limit: maxSteps,
    };
  }
  if (timeoutMs !== undefined && d.now - state.startedAt >= timeoutMs) return runTimeoutError(timeoutMs, frame.wf, step.stepId);
  return undefined;
}

/** `x-max-executions` (per run, retries included) and `x-max-duration` (since the step's first execution in this invocation). */
export function stepGuard(d: Draft, frame: Frame, step: StepPlan, ctx: EvalContext, count: number): RunErrorInfo | undefined {
  const ext = step.extensions;
  if (ext.maxExecutions) {
    const max = evalNumber(ext.maxExecutions, ctx, 'x-max-executions', step.stepId) as number;
    if (count >= max) {
      return {
        code: 'STEP_LIMIT_EXCEEDED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" reached its limit of ${max} executions (x-max-executions).`,
        workflowId: frame.wf,
        stepId: step.stepId,
        limit: max,
      };
    }
  }
  const first = frame.first[step.stepId];
  if (ext.maxDuration) {
    const max = evalNumber(ext.maxDuration, ctx, 'x-max-duration', step.stepId) as number;
    if (first !== undefined && d.now - first >= max * 1000) {
      return {
        code: 'STEP_DEADLINE_EXCEEDED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" kept running for more than ${max} s (x-max-duration) since its first execution.`,
        workflowId: frame.wf,
        stepId: step.stepId,
        limit: max,
      };
    }
  }
  return undefined;
}

/**
 * The `delay.started` event of the wait a frame is about to take: a retry's (from the response's
 * `Retry-After` header when the frame recorded one, else the action's `retryAfter`) or `x-delay`.
 */
export function delayStarted(frame: Frame, stepId: string, ms: number): EventInput {
  if (!frame.retry) return { type: 'delay.started', workflowId: frame.wf, stepId, ms, reason: 'step-delay', source: 'x-delay' };
  return frame.retryAfter !== undefined
    ? { type: 'delay.started', workflowId: frame.wf, stepId, ms, reason: 'retry', source: 'retry-after', retryAfter: frame.retryAfter }
    : { type: 'delay.started', workflowId: frame.wf, stepId, ms, reason: 'retry', source: 'retryAfter' };
}

/** `x-delay`, ms: waited before every execution of a step but its first in this invocation, and never before a retry. */
export function stepDelay(frame: Frame, step: StepPlan, ctx: EvalContext): number {
  if (frame.retry || !step.extensions.delay || frame.first[step.stepId] === undefined) return 0;
  const seconds = evalNumber(step.extensions.delay, ctx, 'x-delay', step.stepId) ?? 0;
  return Math.round(seconds * 1000);
}

/**
 * A `Retry-After` header that asks for a wait past the run's timeout ends the run now: waiting
 * would only end in RUN_TIMEOUT, after holding the run for nothing.
 */
export function retryAfterTooLong(d: Draft, workflowId: string, stepId: string, waitMs: number, header: string): RunErrorInfo | undefined {
  const { timeoutMs } = d.machine;
  if (timeoutMs === undefined) return undefined;
  const left = d.current.startedAt + timeoutMs - d.now;
  if (waitMs <= left) return undefined;
  return {
    code: 'RETRY_AFTER_EXCEEDS_TIMEOUT',
    message:
      `Step "${stepId}" of workflow "${workflowId}" got the response header "Retry-After: ${header.trim()}", a wait of ${waitMs} ms, ` +
      `but the run has only ${Math.max(0, left)} ms left of its timeout of ${timeoutMs} ms; the run stops now instead of waiting. ` +
      'Raise limits.timeoutMs (--timeout) if the API really needs that long.',
    workflowId,
    stepId,
    limit: timeoutMs,
  };
}

/** Whether an enclosing workflow step of the running frame has timed out (1.1 `timeout`). */
export function stopped(d: Draft): boolean {
  const top = d.top();
  return top !== undefined && top.stopAt !== undefined && d.now >= top.stopAt;
}

/**
 * An enclosing workflow step exceeded its `timeout`: stop its child workflow (and anything that
 * runs) and fail the step. Its failure actions apply, as for any failure.
 */
export function timeOutWorkflowStep(d: Draft): void {
  const depth = d.depth;
  let index = 0;
  while (index < depth - 1) {
    const deadline = (d.frame(index) as Frame).deadline;
    if (deadline !== undefined && d.now >= deadline) break;
    index++;
  }
  const frame = d.frame(index) as Frame;
  const step = d.machine.plan(frame.doc, frame.wf).steps[frame.index] as StepPlan;
  const limit = step.timeoutMs ?? 0;
  const child = d.frame(index + 1);
  const error: RunErrorInfo = {
    code: 'STEP_TIMEOUT',
    message: `Step "${step.stepId}" of workflow "${frame.wf}" exceeded its timeout of ${limit} ms; its workflow "${child?.wf ?? step.workflow?.workflowId ?? '?'}" was stopped.`,
    workflowId: frame.wf,
    stepId: step.stepId,
    limit,
  };
  while (d.depth > index + 1) {
    const popped = d.pop();
    d.emit({ type: 'workflow.finished', workflowId: popped.wf, depth: d.depth, status: 'failed', outputs: {}, error });
  }
  const parent = d.editTop();
  parent.deadline = undefined;
  const ctx = frameContext(d.machine, d.current, parent, {});
  const startedAt = parent.first[step.stepId] ?? d.now;
  applyOutcome(d, step, false, ctx, { startedAt, durationMs: d.now - startedAt, error });
}
