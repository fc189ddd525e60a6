/**
 * A step execution's outcome: whether it succeeded (success criteria, else a 2xx, P5), why not (the
 * error with the response excerpt and message), its outputs (evaluated after every execution,
 * failed ones included, P6), the step record, and then the action that moves the frame on.
 */
import type { EvalContext } from '../../expressions/types.js';
import type { StepPlan } from '../../compile/plan-types.js';
import { responseMessage } from '../response-message.js';
import { withEntry, type Frame } from '../state.js';
import type { ActionSummary, RunErrorInfo, StepRecord } from '../types.js';
import { applyAction, chooseAction } from './actions.js';
import type { Draft } from './draft.js';
import { criteriaPass, describeFailed, evaluateOutputs, responseContext, type FailedCriterion } from './evaluation.js';
import { enterStep, finishFrame } from './frames.js';
import type { Executed } from './types.js';

/** What is known of a finished step execution besides its success. */
export interface OutcomeInfo {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly statusCode?: number;
  readonly method?: string;
  readonly url?: string;
  readonly error?: RunErrorInfo;
  readonly retryAfterMs?: number;
  readonly retryAfterHeader?: string;
}

const NEXT: ActionSummary = Object.freeze({ name: 'next', type: 'next' });
const FAIL: ActionSummary = Object.freeze({ name: 'fail', type: 'fail' });
const EXCERPT = 500;

/** Apply the result of the running operation step's request. */
export function applyExecuted(d: Draft, result: Executed): void {
  if (!d.top()) return;
  const frame = d.editTop();
  frame.sending = undefined;
  const step = d.machine.plan(frame.doc, frame.wf).steps[frame.index] as StepPlan;
  const ctx = responseContext(d.machine, d.current, frame, result);
  const response = result.response;
  let success: boolean;
  let error: RunErrorInfo | undefined;
  if (result.error || !response) {
    success = false;
    error = {
      code: result.error?.code ?? 'HTTP_CONNECTION',
      message: result.error?.message ?? `Step "${step.stepId}" got no response.`,
      workflowId: frame.wf,
      stepId: step.stepId,
      // A response that came and failed a check (CONTRACT_RESPONSE_INVALID): its status, like any failed response.
      ...(response !== undefined ? { statusCode: response.statusCode } : {}),
      ...(result.error?.limit !== undefined ? { limit: result.error.limit } : {}),
    };
  } else if (step.successCriteria.length > 0) {
    const failed: FailedCriterion[] = [];
    success = criteriaPass(step.successCriteria, ctx, failed);
    if (!success) {
      error = {
        code: 'CRITERION_FAILED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" failed: HTTP ${response.statusCode}, success criteria not met: ${describeFailed(failed)}.`,
        workflowId: frame.wf,
        stepId: step.stepId,
        statusCode: response.statusCode,
        failedCriteria: failed,
        ...excerptOf(response.bodyText, response.statusCode),
      };
    }
  } else {
    const sc = response.statusCode;
    success = sc >= 200 && sc < 300;
    if (!success) {
      error = {
        code: 'STEP_FAILED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" failed: HTTP ${sc} is not a 2xx status (no successCriteria given).`,
        workflowId: frame.wf,
        stepId: step.stepId,
        statusCode: sc,
        ...excerptOf(response.bodyText, sc),
      };
    }
  }
  let retryAfter: number | undefined;
  const header = response?.headers['retry-after'];
  if (header !== undefined) retryAfter = retryAfterMs(header, d.now);
  applyOutcome(d, step, success, ctx, {
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    statusCode: response?.statusCode,
    method: result.method,
    url: result.url,
    error,
    retryAfterMs: retryAfter,
    retryAfterHeader: retryAfter !== undefined ? header : undefined,
  });
}

/**
 * A step execution of the running frame is over (an operation's response, or a child workflow
 * finished): keep its outputs, record it, pick the action (P13) and move the frame. `ctx` is the
 * transition's own context object for this execution; its `$steps` is updated in place.
 */
export function applyOutcome(d: Draft, step: StepPlan, success: boolean, ctx: EvalContext, info: OutcomeInfo): void {
  const frame = d.editTop();
  const outputs = evaluateOutputs(step.outputs, ctx);
  frame.steps = withEntry(frame.steps, step.stepId, outputs);
  // The actions' criteria and parameters see the step's new outputs in $steps. (The context was
  // built by this transition for this execution and nothing else holds it.)
  (ctx as { steps: EvalContext['steps'] }).steps = frame.steps;

  // Recorded for a listener or the history, and always when an output is a secret (the driver
  // learns it from the record).
  const recording = d.machine.recording || d.machine.hasSecretOutputs(step);

  // A side trip of a retry with stepId: go back and retry the step that asked for it.
  if (frame.returnTo !== undefined && frame.returnTo !== frame.index) {
    if (recording) record(d, frame, step, success, outputs, info, undefined);
    frame.index = frame.returnTo;
    frame.returnTo = undefined;
    frame.prepared = true;
    return;
  }

  const chosen = chooseAction(frame, step, success, ctx);
  if (recording) {
    const summary = chosen ? d.machine.summary(chosen) : success ? NEXT : FAIL;
    record(d, frame, step, success, outputs, info, summary);
    if (chosen && d.machine.listening) {
      d.emit({ type: 'action.taken', workflowId: frame.wf, stepId: step.stepId, kind: success ? 'success' : 'failure', action: summary });
    }
  }

  const stepError = (): RunErrorInfo =>
    info.error ?? {
      code: 'STEP_FAILED',
      message: `Step "${step.stepId}" of workflow "${frame.wf}" failed.`,
      workflowId: frame.wf,
      stepId: step.stepId,
    };

  if (chosen) {
    applyAction(d, step, chosen, { success, ctx, stepError, retryAfterMs: info.retryAfterMs, retryAfterHeader: info.retryAfterHeader });
  } else if (success) {
    enterStep(frame, frame.index + 1);
    if (frame.index >= d.machine.plan(frame.doc, frame.wf).steps.length) finishFrame(d, 'succeeded');
  } else {
    finishFrame(d, 'failed', stepError());
  }
}

function record(
  d: Draft,
  frame: Frame,
  step: StepPlan,
  success: boolean,
  outputs: Record<string, unknown>,
  info: OutcomeInfo,
  action: ActionSummary | undefined,
): void {
  const rec: { -readonly [K in keyof StepRecord]: StepRecord[K] } = {
    workflowId: frame.wf,
    stepId: step.stepId,
    outcome: success ? 'succeeded' : 'failed',
    startedAt: info.startedAt,
    durationMs: info.durationMs,
    outputs,
  };
  if (info.statusCode !== undefined) rec.statusCode = info.statusCode;
  if (info.method !== undefined) rec.method = info.method;
  if (info.url !== undefined) rec.url = info.url;
  if (action) rec.action = action;
  if (!success && info.error) rec.error = info.error;
  d.emit({ type: 'step.finished', workflowId: frame.wf, stepId: step.stepId, record: rec });
}

/** The start of a failed response's body and, read from the whole body, the message it carried. */
function excerptOf(bodyText: string, statusCode: number): { responseExcerpt: string; responseMessage?: string } {
  const message = responseMessage(bodyText, undefined, statusCode);
  return message === undefined ? { responseExcerpt: bodyText.slice(0, EXCERPT) } : { responseExcerpt: bodyText.slice(0, EXCERPT), responseMessage: message };
}

/**
 * `Retry-After`: delta-seconds or an HTTP-date, in ms from `now`. Undefined when the header is
 * neither, or names a wait too large to represent.
 */
export function retryAfterMs(value: string, now: number): number | undefined {
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Math.round(Number(text) * 1000);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}
