/**
 * Frames: one per workflow invocation, on an explicit stack (a workflow step, a `dependsOn`
 * prerequisite, a retry with `workflowId`; a goto to a workflow replaces the frame). Starting one
 * validates its inputs (P19); finishing one evaluates the workflow's outputs and publishes them as
 * `$workflows.<id>`; a finished child hands its result to the frame below (P15, P16).
 */
import type { StepPlan, WorkflowRef } from '../../compile/plan-types.js';
import { newFrame, withEntry, type Frame, type FrameRole, type Writable } from '../state.js';
import type { RunErrorInfo } from '../types.js';
import type { Draft } from './draft.js';
import { criteriaPass, describeFailed, evaluateOutputs, frameContext, type FailedCriterion } from './evaluation.js';
import { childDocKey } from './machine.js';
import { applyOutcome } from './outcome.js';
import { failRun, outputWarnings } from './finish.js';
import { listForMessage, NESTED_MESSAGE_MAX, truncateForMessage } from '../../util/truncate.js';

/** Enter a step afresh (sequential flow or goto): retry counters reset (P26). */
export function enterStep(frame: Writable<Frame>, index: number): void {
  frame.index = index;
  frame.attempt = 1;
  frame.retry = false;
  frame.prepared = false;
  frame.retries = EMPTY_COUNTERS;
  frame.waitUntil = undefined;
  frame.retryAfter = undefined;
  frame.returnTo = undefined;
}

const EMPTY_COUNTERS: Readonly<Record<string, number>> = Object.freeze({});

/** The clock time at which a frame started on top of `parent` is stopped by an enclosing workflow step's timeout. */
export function stopAtAbove(parent: Frame): number | undefined {
  const a = parent.stopAt;
  const b = parent.deadline;
  if (a === undefined) return b;
  return b === undefined || a < b ? a : b;
}

/**
 * A frame for a workflow, its inputs validated and defaulted (P19). Invalid inputs come back as an
 * INPUT_INVALID error, to be handled as the caller's role requires.
 */
export function startFrame(
  d: Draft,
  ref: WorkflowRef,
  parentDoc: string,
  role: FrameRole,
  rawInputs: Readonly<Record<string, unknown>>,
  stopAt: number | undefined,
): { frame: Frame } | { error: RunErrorInfo } {
  const doc = childDocKey(parentDoc, ref);
  const plan = d.machine.plan(doc, ref.workflowId);
  const check = plan.validateInputs(rawInputs);
  if (!check.ok) {
    return {
      error: {
        code: 'INPUT_INVALID',
        message: `Inputs of workflow "${ref.workflowId}" are invalid: ${listForMessage(check.errors)}.`,
        workflowId: ref.workflowId,
        ...(check.limit !== undefined ? { limit: check.limit } : {}),
      },
    };
  }
  return { frame: newFrame(ref.workflowId, doc, role, check.value, stopAt) };
}

/**
 * Push a started frame above the running one, announcing it. The nesting depth is a guard: past
 * `maxDepth` the run fails at once (a workflow that calls itself without end).
 */
export function pushFrame(d: Draft, frame: Frame, stepId?: string): boolean {
  const depth = d.depth;
  if (depth >= d.machine.maxDepth) {
    const parent = d.top() as Frame;
    failRun(d, {
      code: 'WORKFLOW_DEPTH_EXCEEDED',
      message:
        `Workflow "${frame.wf}" would run nested ${depth + 1} levels deep (called from workflow "${parent.wf}"${stepId ? `, step "${stepId}"` : ''}), ` +
        `past the limit of ${d.machine.maxDepth}; a workflow that calls itself must stop before that. To repeat work, use a goto (it does not nest), or raise limits.maxDepth.`,
      workflowId: parent.wf,
      ...(stepId ? { stepId } : {}),
      limit: d.machine.maxDepth,
    });
    return false;
  }
  d.push(frame);
  d.emit({ type: 'workflow.started', workflowId: frame.wf, depth, inputs: frame.inputs });
  return true;
}

/** End the running frame: its outputs are evaluated (also when it failed) and published as `$workflows.<id>`. */
export function finishFrame(d: Draft, status: 'succeeded' | 'failed', error?: RunErrorInfo): void {
  const frame = d.editTop();
  const plan = d.machine.plan(frame.doc, frame.wf);
  const ctx = frameContext(d.machine, d.current, frame);
  frame.outputs = evaluateOutputs(plan.outputs, ctx, outputWarnings(d, frame.wf, status, ctx));
  frame.status = status;
  if (error) frame.error = error;
  const root = d.root();
  root.workflows = withEntry(root.workflows, frame.wf, { inputs: frame.inputs, outputs: frame.outputs });
}

/** A child frame is over (it was just popped): hand its result to the frame below it. */
export function deliver(d: Draft, child: Frame): void {
  const depth = d.depth;
  d.emit({
    type: 'workflow.finished',
    workflowId: child.wf,
    depth,
    status: child.status ?? 'failed',
    outputs: child.outputs ?? {},
    ...(child.error ? { error: child.error } : {}),
  });
  if (depth === 0) {
    const root = d.root();
    root.status = child.status ?? 'failed';
    root.outputs = child.outputs ?? {};
    if (child.error) root.error = child.error;
    return;
  }
  switch (child.role) {
    case 'depends':
      if (child.status === 'succeeded') {
        const root = d.root();
        root.done = [...root.done, `${child.doc}|${child.wf}`];
      } else {
        const parent = d.top() as Frame;
        finishFrame(d, 'failed', {
          code: 'DEPENDENCY_FAILED',
          message: `Workflow "${parent.wf}" depends on "${child.wf}", which failed: ${truncateForMessage(child.error?.message ?? 'no detail', NESTED_MESSAGE_MAX)}`,
          workflowId: parent.wf,
        });
      }
      return;
    case 'retry':
    case 'root':
      return;
    case 'step':
      workflowStepDone(d, child);
      return;
  }
}

/** A workflow step's child workflow finished: apply the step's criteria and actions (P16). */
function workflowStepDone(d: Draft, child: Frame): void {
  const parent = d.editTop();
  parent.deadline = undefined;
  const step = d.machine.plan(parent.doc, parent.wf).steps[parent.index] as StepPlan;
  // P16: inside the workflow step's criteria and outputs, $outputs are the child's.
  const ctx = frameContext(d.machine, d.current, parent, child.outputs ?? {});
  let success = child.status === 'succeeded';
  let error: RunErrorInfo | undefined = child.error;
  if (success && step.successCriteria.length > 0) {
    const failed: FailedCriterion[] = [];
    success = criteriaPass(step.successCriteria, ctx, failed);
    if (!success) {
      error = {
        code: 'CRITERION_FAILED',
        message: `Step "${step.stepId}" of workflow "${parent.wf}" failed: success criteria not met: ${describeFailed(failed)}.`,
        workflowId: parent.wf,
        stepId: step.stepId,
        failedCriteria: failed,
      };
    }
  }
  const startedAt = parent.first[step.stepId] ?? d.now;
  applyOutcome(d, step, success, ctx, { startedAt, durationMs: d.now - startedAt, ...(error ? { error } : {}) });
}
