/**
 * What `arazzo test` found, as one value every reporter renders: per file, per workflow, its
 * status, why it failed or was skipped, and its failed checks; plus the summary.
 */
import type { CheckFinding, CheckName } from '../contract/types.js';
import { CHECK_NAMES } from '../contract/types.js';
import type { RunErrorInfo } from '../engine/types.js';
import type { ReportStep } from './report.js';

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface SkipReason {
  /** `inputs`: required inputs missing; `dependency`: a workflow it depends on failed or was skipped; `bail`: --bail after a failure; `cancelled`: interrupted. */
  readonly kind: 'inputs' | 'dependency' | 'bail' | 'cancelled';
  readonly message: string;
  /** For `inputs`: the missing names. */
  readonly missing?: readonly string[];
}

export interface WorkflowResult {
  readonly workflowId: string;
  readonly status: TestStatus;
  readonly durationMs: number;
  readonly skipped?: SkipReason;
  /** Why the run failed (its error), when it did. */
  readonly error?: RunErrorInfo;
  /** Every failed check (error and warn), in order. */
  readonly checks: readonly CheckFinding[];
  /** Every step execution, as in `arazzo run --json`. */
  readonly steps: readonly ReportStep[];
}

export interface FileResult {
  readonly file: string;
  readonly workflows: readonly WorkflowResult[];
  /** What the checks of this document cannot check (warnings). */
  readonly unchecked: readonly string[];
}

export interface TestSummary {
  readonly workflows: { readonly total: number; readonly passed: number; readonly failed: number; readonly skipped: number };
  /** Failed checks by kind: at level error, and at level warn. */
  readonly checks: { readonly failed: Partial<Record<CheckName, number>>; readonly warned: Partial<Record<CheckName, number>> };
  readonly durationMs: number;
}

export interface TestReport {
  readonly files: readonly FileResult[];
  readonly summary: TestSummary;
}

/** A workflow passes when its run succeeded and no check at level error failed (a step may recover from one). */
export function statusOf(runSucceeded: boolean, checks: readonly CheckFinding[]): TestStatus {
  return runSucceeded && !checks.some((c) => c.level === 'error') ? 'passed' : 'failed';
}

export function summarize(files: readonly FileResult[], durationMs: number): TestSummary {
  const workflows = { total: 0, passed: 0, failed: 0, skipped: 0 };
  const failed: Partial<Record<CheckName, number>> = {};
  const warned: Partial<Record<CheckName, number>> = {};
  for (const f of files) {
    for (const w of f.workflows) {
      workflows.total++;
      workflows[w.status]++;
      for (const c of w.checks) {
        const into = c.level === 'error' ? failed : warned;
        into[c.check] = (into[c.check] ?? 0) + 1;
      }
    }
  }
  return { workflows, checks: { failed: ordered(failed), warned: ordered(warned) }, durationMs };
}

/** Counts in the order the checks are listed (status, content-type, schema, headers, request). */
function ordered(counts: Partial<Record<CheckName, number>>): Partial<Record<CheckName, number>> {
  const out: Partial<Record<CheckName, number>> = {};
  for (const n of CHECK_NAMES) if (counts[n] !== undefined) out[n] = counts[n];
  return out;
}

/** `schema 2, headers 1`, or undefined when there are none. */
export function countsText(counts: Partial<Record<CheckName, number>>): string | undefined {
  const parts = Object.entries(counts).map(([k, n]) => `${k} ${n}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The JSON reporter: the report as one object. */
export function renderJson(report: TestReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
