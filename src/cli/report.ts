/**
 * The `--json` report (contract in DESIGN.md): exactly one JSON object on stdout. `steps` is
 * built from `step.finished` events, so the engine keeps no history in memory.
 */
import type { ActionSummary, RunErrorInfo, RunEvent, RunResult, StepOutcome } from '../engine/types.js';
import type { ArazzoError } from '../errors.js';
import { exitCodeFor } from './errors.js';
import type { CliIo } from './io.js';

export interface ReportStep {
  stepId: string;
  outcome: StepOutcome;
  statusCode?: number;
  workflowId: string;
  method?: string;
  url?: string;
  durationMs: number;
  action?: ActionSummary;
}

export interface RunReport {
  workflowId: string | null;
  status: StepOutcome;
  outputs: Record<string, unknown>;
  steps: ReportStep[];
  error?: Record<string, unknown> & { code: string; message: string };
}

export class ReportBuilder {
  readonly steps: ReportStep[] = [];

  onEvent(event: RunEvent): void {
    if (event.type !== 'step.finished') return;
    const r = event.record;
    // Keys in the order the contract lists them.
    const step: ReportStep = {
      stepId: r.stepId,
      outcome: r.outcome,
      ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}),
      workflowId: r.workflowId,
      ...(r.method !== undefined ? { method: r.method } : {}),
      ...(r.url !== undefined ? { url: r.url } : {}),
      durationMs: r.durationMs,
      ...(r.action !== undefined ? { action: { ...r.action } } : {}),
    };
    this.steps.push(step);
  }

  build(result: Pick<RunResult, 'workflowId' | 'status' | 'outputs' | 'error'>): RunReport {
    const report: RunReport = {
      workflowId: result.workflowId,
      status: result.status,
      outputs: result.outputs ?? {},
      steps: this.steps,
    };
    if (result.error) report.error = errorObject(result.error);
    return report;
  }
}

function errorObject(error: RunErrorInfo): RunReport['error'] & object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(error)) if (v !== undefined) out[k] = v;
  return out as RunReport['error'] & object;
}

/** The report for a run that never started (usage, document or input error; exit 2). */
function errorReport(workflowId: string | null, error: { code: string; message: string } & Record<string, unknown>): RunReport {
  return { workflowId, status: 'failed', outputs: {}, steps: [], error };
}

/** Report an exit-2 error: on stderr, and as the `--json` report on stdout when asked for. */
export function usageError(io: CliIo, err: ArazzoError, json = false, workflowId: string | null = null, mask: (s: string) => string = (s) => s): number {
  io.stderr.write(`${mask(`error ${err.code}: ${err.message}`)}\n`);
  if (json) {
    const error: { code: string; message: string } & Record<string, unknown> = { code: err.code, message: mask(err.message) };
    if (err.details) for (const [k, v] of Object.entries(err.details)) if (v !== undefined && k !== 'code' && k !== 'message') error[k] = v;
    io.stdout.write(`${mask(JSON.stringify(errorReport(workflowId, error)))}\n`);
  }
  return exitCodeFor(err);
}
