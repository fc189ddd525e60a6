/**
 * What the interpreter does with the findings of `RunOptions.checks`: every finding becomes a
 * `check.failed` event and a line of `RunResult.checks`; a finding at level `error` becomes the
 * step's error.
 */
import type { LoadedDocument } from '../compile/loaded.js';
import type { StepPlan } from '../compile/plan-types.js';
import type { ErrorCode } from '../error-codes.js';
import type { CheckedStep, CheckFinding } from './types.js';

const checkedSteps = new WeakMap<StepPlan, CheckedStep>();

/**
 * What the checks are told of an operation step: one object per step of a loaded document, made
 * on its first request, so a `StepChecks` can keep what it resolved for the step (its contract,
 * its levels) by that object. Undefined for a step that calls no operation.
 */
export function checkedStep(step: StepPlan, workflowId: string, document: LoadedDocument): CheckedStep | undefined {
  let checked = checkedSteps.get(step);
  if (checked === undefined && step.operation) {
    checked = { workflowId, stepId: step.stepId, operation: step.operation, document };
    checkedSteps.set(step, checked);
  }
  return checked;
}

/** The step's error for findings at level `error`; undefined when there are none. */
export function checkError(
  kind: 'request' | 'response',
  step: CheckedStep,
  findings: readonly CheckFinding[],
): { code: ErrorCode; message: string } | undefined {
  let first: CheckFinding | undefined;
  let count = 0;
  for (const f of findings) {
    if (f.level !== 'error') continue;
    first ??= f;
    count++;
  }
  if (!first) return undefined;
  const more = count > 1 ? ` (and ${count - 1} more failed check${count > 2 ? 's' : ''})` : '';
  return kind === 'request'
    ? {
        code: 'CONTRACT_REQUEST_INVALID',
        message: `Step "${step.stepId}" was not sent: its request breaks the OpenAPI description of ${first.operation}: ${first.message}${more}`,
      }
    : {
        code: 'CONTRACT_RESPONSE_INVALID',
        message: `Step "${step.stepId}" failed the ${first.check} check against the OpenAPI description of ${first.operation}: ${first.message}${more}`,
      };
}
