/**
 * The pure core of a run. `next(machine, state, event)` applies what happened (a request's
 * outcome, a wait that ended, …) to the state and runs the workflow forward until it has to wait
 * for the outside world again. It returns the new state and the effects to carry out: events to
 * emit, a checkpoint, and last the request to send or the sleep to take (nothing once the run is
 * over). It performs no I/O, reads no clock (time comes with the event), and never changes the
 * state it is given. Control flow is a loop over an explicit frame stack: a goto loop of any
 * length runs in flat stack and memory.
 */
import { ArazzoError } from '../../errors.js';
import { listForMessage, MESSAGE_MAX, NESTED_MESSAGE_MAX, truncateForMessage } from '../../util/truncate.js';
import type { StepPlan } from '../../compile/plan-types.js';
import { withEntry, type Frame, type RunState } from '../state.js';
import type { RunErrorInfo } from '../types.js';
import { Draft } from './draft.js';
import { evaluateInputs, frameContext } from './evaluation.js';
import { announceEnd, failRun } from './finish.js';
import { deliver, enterStep, finishFrame, pushFrame, startFrame, stopAtAbove } from './frames.js';
import { delayStarted, runGuard, stepDelay, stepGuard, stopped, timeOutWorkflowStep } from './guards.js';
import { childDocKey, type Machine } from './machine.js';
import { applyExecuted, applyOutcome } from './outcome.js';
import type { CoreEvent, Effect, SendEffect, SleepEffect, Transition } from './types.js';

export function next(machine: Machine, state: RunState, event: CoreEvent): Transition {
  const d = new Draft(machine, state, event.now);
  if (state.status !== 'running') return d.done();
  let wait: Effect | undefined;
  try {
    switch (event.type) {
      case 'start':
        if (begin(d)) wait = advance(d);
        break;
      case 'resume':
        wait = advance(d);
        if (wait?.type === 'sleep') announceWait(d, wait);
        break;
      case 'executed':
        // A step execution ends here: the new state is a checkpoint.
        d.checkpointAtEnd();
        // A request cut short because an enclosing workflow step timed out belongs to a child that is over.
        if (!stopped(d)) applyExecuted(d, event.result);
        wait = advance(d);
        break;
      case 'woke':
        if (d.top()?.waitUntil !== undefined) d.editTop().waitUntil = undefined;
        wait = advance(d);
        break;
      case 'stop':
        failRun(d, withPlace(d, event.error));
        break;
    }
  } catch (err) {
    const e =
      err instanceof ArazzoError
        ? err
        : new ArazzoError('INTERNAL_ERROR', `Internal engine error: ${truncateForMessage(String((err as Error)?.message ?? err))}`, undefined, { cause: err });
    const top = d.top();
    const stepId = e.details?.stepId as string | undefined;
    const message = truncateForMessage(e.message, MESSAGE_MAX);
    const info: RunErrorInfo = { code: e.code, message, ...(top ? { workflowId: top.wf } : {}), ...(stepId ? { stepId } : {}) };
    if (d.current.status === 'running') failRun(d, info);
    wait = undefined;
  }
  return d.done(wait);
}

/** A fresh state: validate the entry workflow's inputs (P19) and announce the run. */
function begin(d: Draft): boolean {
  const frame = d.top() as Frame;
  const plan = d.machine.plan(frame.doc, frame.wf);
  const check = plan.validateInputs(frame.inputs);
  if (!check.ok) {
    const root = d.root();
    root.status = 'failed';
    root.error = {
      code: 'INPUT_INVALID',
      message: `Inputs of workflow "${frame.wf}" are invalid: ${listForMessage(check.errors)}. No request was sent.`,
      workflowId: frame.wf,
      ...(check.limit !== undefined ? { limit: check.limit } : {}),
    };
    root.outputs = {};
    d.clear();
    d.emit({ type: 'run.finished', workflowId: frame.wf, status: 'failed', outputs: {}, error: root.error, durationMs: 0 });
    return false;
  }
  d.editTop().inputs = check.value;
  const inputs = check.value;
  d.emit({ type: 'run.started', workflowId: frame.wf, inputs });
  d.emit({ type: 'workflow.started', workflowId: frame.wf, depth: 0, inputs });
  return true;
}

/** A resumed run that goes straight back to a wait: say so, with what is left of it. */
function announceWait(d: Draft, wait: SleepEffect): void {
  const top = d.top();
  if (top) d.emit(delayStarted(top, wait.stepId, wait.ms));
}

/** An error from outside (cancellation, run timeout) placed at the running step. */
function withPlace(d: Draft, error: RunErrorInfo): RunErrorInfo {
  const top = d.top();
  if (!top || error.workflowId !== undefined) return error;
  const step = top.index >= 0 ? d.machine.plan(top.doc, top.wf).steps[top.index] : undefined;
  return { ...error, workflowId: top.wf, ...(step ? { stepId: step.stepId } : {}) };
}

/** Run the workflow forward until it must send a request or sleep; undefined when the run is over. */
function advance(d: Draft): Effect | undefined {
  const m = d.machine;
  for (;;) {
    if (d.current.status !== 'running') return undefined;
    const frame = d.top();
    if (!frame) {
      d.root().status = 'failed';
      announceEnd(d);
      return undefined;
    }
    if (frame.stopAt !== undefined && d.now >= frame.stopAt) {
      timeOutWorkflowStep(d);
      continue;
    }
    if (frame.status !== undefined) {
      deliver(d, d.pop());
      if (d.current.status !== 'running') announceEnd(d);
      continue;
    }
    const plan = m.plan(frame.doc, frame.wf);

    // Prerequisites (P15): each runs once per run, before the workflow's first step.
    if (frame.index === -1) {
      const done = d.current.done;
      const pending = plan.dependsOn.find((ref) => !done.includes(`${childDocKey(frame.doc, ref)}|${ref.workflowId}`));
      if (pending) {
        const started = startFrame(d, pending, frame.doc, 'depends', {}, stopAtAbove(frame));
        if ('error' in started) {
          // The dependent workflow failed: the error is placed there, not in the prerequisite.
          finishFrame(d, 'failed', {
            code: 'DEPENDENCY_FAILED',
            message: `Workflow "${frame.wf}" depends on "${pending.workflowId}", which could not start: ${truncateForMessage(started.error.message, NESTED_MESSAGE_MAX)}`,
            workflowId: frame.wf,
          });
        } else pushFrame(d, started.frame);
        continue;
      }
      enterStep(d.editTop(), 0);
      if (plan.steps.length === 0) finishFrame(d, 'succeeded');
      continue;
    }

    if (frame.waitUntil !== undefined) {
      if (d.now < frame.waitUntil) {
        // Wake up early if an enclosing workflow step times out during the wait.
        const until = frame.stopAt !== undefined && frame.stopAt < frame.waitUntil ? frame.stopAt : frame.waitUntil;
        return { type: 'sleep', ms: until - d.now, until, workflowId: frame.wf, stepId: plan.steps[frame.index]?.stepId ?? '' };
      }
      d.editTop().waitUntil = undefined;
    }

    if (frame.call) {
      const call = frame.call;
      d.editTop().call = undefined;
      const started = startFrame(d, call, frame.doc, 'retry', call.inputs, stopAtAbove(frame));
      if (!('error' in started)) pushFrame(d, started.frame);
      else {
        // The referenced workflow could not start (invalid inputs): it counts as a failed run of it
        // (the retry goes on), but say so instead of skipping it silently.
        d.emit({ type: 'workflow.finished', workflowId: call.workflowId, depth: d.depth, status: 'failed', outputs: {}, error: started.error });
      }
      continue;
    }

    if (frame.index >= plan.steps.length) {
      finishFrame(d, 'succeeded');
      continue;
    }
    const step = plan.steps[frame.index] as StepPlan;
    const countKey = m.countKey(frame.doc, frame.wf, step);

    if (frame.sending) {
      // Resumed from a checkpoint taken while this request was in flight: it was counted already.
      if (m.listening) {
        const execution = d.current.counts[countKey] ?? 1;
        d.emit({ type: 'step.started', workflowId: frame.wf, stepId: step.stepId, execution, attempt: frame.attempt });
      }
      return send(d, frame, step);
    }

    const guard = runGuard(d, frame, step);
    if (guard) {
      failRun(d, guard);
      return undefined;
    }

    const ctx = frameContext(m, d.current, frame);
    if (!frame.prepared) {
      d.editTop().prepared = true;
      const delay = stepDelay(frame, step, ctx);
      if (delay > 0) {
        d.editTop().waitUntil = d.now + delay;
        d.emit(delayStarted(frame, step.stepId, delay));
        continue;
      }
    }

    const count = d.current.counts[countKey] ?? 0;
    const limit = stepGuard(d, frame, step, ctx, count);
    if (limit) {
      failRun(d, limit);
      return undefined;
    }

    const root = d.root();
    root.stepExecutions += 1;
    root.counts = withEntry(root.counts, countKey, count + 1);
    const running = d.editTop();
    if (running.first[step.stepId] === undefined) running.first = withEntry(running.first, step.stepId, d.now);
    if (m.listening) d.emit({ type: 'step.started', workflowId: frame.wf, stepId: step.stepId, execution: count + 1, attempt: frame.attempt });

    if (step.kind === 'workflow' && step.workflow) {
      const inputs = evaluateInputs(step.parameters, ctx);
      if (step.timeoutMs !== undefined) running.deadline = d.now + step.timeoutMs;
      const started = startFrame(d, step.workflow, frame.doc, 'step', inputs, stopAtAbove(running));
      if ('error' in started) {
        // The child never ran: this step of this workflow failed (a stepId always belongs to the workflowId beside it).
        running.deadline = undefined;
        const error = {
          code: started.error.code,
          message: `Step "${step.stepId}" of workflow "${frame.wf}" could not call workflow "${step.workflow.workflowId}": ${truncateForMessage(started.error.message, NESTED_MESSAGE_MAX)}`,
          workflowId: frame.wf,
          stepId: step.stepId,
        };
        applyOutcome(d, step, false, ctx, { startedAt: d.now, durationMs: 0, error });
      } else pushFrame(d, started.frame, step.stepId);
      continue;
    }
    running.sending = true;
    return send(d, running, step);
  }
}

function send(d: Draft, frame: Frame, step: StepPlan): SendEffect {
  const context = frameContext(d.machine, d.current, frame);
  const document = d.machine.scope(frame.doc).doc;
  return frame.stopAt === undefined
    ? { type: 'send', workflowId: frame.wf, step, document, context }
    : { type: 'send', workflowId: frame.wf, step, document, context, deadline: frame.stopAt };
}
