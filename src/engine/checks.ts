/**
 * What the interpreter does with the findings of `RunOptions.checks`: every finding becomes a
 * `check.failed` event and a line of `RunResult.checks`; a finding at level `error` becomes the
 * step's error.
 */
import type { ErrorCode } from '../error-codes.js';
import type { CheckedStep, CheckFinding } from './types.js';

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
