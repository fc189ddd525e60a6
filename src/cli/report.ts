/**
 * The `--json` report (contract in DESIGN.md): exactly one JSON object on stdout. `steps` is
 * built from `step.finished` events, so the engine keeps no history in memory.
 */
import type { CheckFinding } from '../contract/types.js';
import type { ActionSummary, RequestSummary, RunErrorInfo, RunEvent, RunResult, RunWarning, StepOutcome } from '../engine/types.js';
import type { ArazzoError } from '../errors.js';
import { exitCodeFor } from './errors.js';
import { boundMessage, cliMessage } from './format.js';
import type { CliIo, InterruptSignal } from './io.js';
import { stringifyJson } from '../util/json.js';
import { truncateForMessage } from '../util/truncate.js';

/** A step's URL in the report is cut (with `…[+N chars]`) past this length: no server takes a longer one. */
const URL_MAX = 8192;

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
  /** `dry-run`: a `--dry-run` that built its first request (or ended without one) and sent nothing. */
  status: StepOutcome | 'dry-run';
  /** How long the run took (ms; 0 when nothing ran). */
  durationMs: number;
  outputs: Record<string, unknown>;
  steps: ReportStep[];
  /** What the run noticed without failing (an output that resolved to nothing); only when there is something. */
  warnings?: RunWarning[];
  error?: Record<string, unknown> & { code: string; message: string };
  /** Failed contract checks (`--check`), when any failed. */
  checks?: readonly CheckFinding[];
  /** `--dry-run` only. */
  dryRun?: true;
  /** `--dry-run`: the first request, built and not sent. */
  request?: RequestSummary;
}

export class ReportBuilder {
  readonly steps: ReportStep[] = [];
  readonly warnings: RunWarning[] = [];
  /** The run's outputs as `run.finished` gave them: secrets masked, for what is printed on stderr. */
  maskedOutputs: Record<string, unknown> | undefined;

  onEvent(event: RunEvent): void {
    if (event.type === 'warning') {
      const { type: _type, time: _time, runId: _runId, ...warning } = event;
      this.warnings.push(warning);
      return;
    }
    if (event.type === 'run.finished') this.maskedOutputs = event.outputs;
    if (event.type !== 'step.finished') return;
    const r = event.record;
    // Keys in the order the contract lists them.
    const step: ReportStep = {
      stepId: r.stepId,
      outcome: r.outcome,
      ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}),
      workflowId: r.workflowId,
      ...(r.method !== undefined ? { method: r.method } : {}),
      ...(r.url !== undefined ? { url: truncateForMessage(r.url, URL_MAX) } : {}),
      durationMs: r.durationMs,
      ...(r.action !== undefined ? { action: { ...r.action } } : {}),
    };
    this.steps.push(step);
  }

  /**
   * The report; `stoppedBy` is the signal that cancelled the run, if one did (its message says so).
   * A dry run that did not fail says `dry-run`, never `succeeded`: nothing was sent.
   */
  build(
    result: Pick<RunResult, 'workflowId' | 'status' | 'outputs' | 'error' | 'checks' | 'durationMs'>,
    stoppedBy?: InterruptSignal,
    dryRun?: { request?: RequestSummary },
  ): RunReport {
    const report: RunReport = {
      workflowId: result.workflowId,
      status: dryRun && result.status === 'succeeded' ? 'dry-run' : result.status,
      durationMs: result.durationMs,
      outputs: result.outputs ?? {},
      steps: this.steps,
    };
    if (this.warnings.length > 0) report.warnings = this.warnings;
    if (result.error) report.error = errorObject(result.error, stoppedBy);
    if (result.checks) report.checks = result.checks;
    if (dryRun) {
      report.dryRun = true;
      if (dryRun.request) report.request = dryRun.request;
    }
    return report;
  }
}

function errorObject(error: RunErrorInfo, stoppedBy: InterruptSignal | undefined): RunReport['error'] & object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(error)) if (v !== undefined) out[k] = k === 'message' && typeof v === 'string' ? cliMessage(v, stoppedBy) : v;
  // A criterion's evaluation error may quote a value: bound it like a message.
  if (error.failedCriteria) out.failedCriteria = error.failedCriteria.map((c) => (c.error === undefined ? c : { ...c, error: boundMessage(c.error) }));
  return out as RunReport['error'] & object;
}

/** The report for a run that never started (usage, document or input error; exit 2). */
function errorReport(workflowId: string | null, error: { code: string; message: string } & Record<string, unknown>): RunReport {
  return { workflowId, status: 'failed', durationMs: 0, outputs: {}, steps: [], error };
}

/** Report an exit-2 error: on stderr, and as the `--json` report on stdout when asked for. */
export function usageError(io: CliIo, err: ArazzoError, json = false, workflowId: string | null = null, mask: (s: string) => string = (s) => s): number {
  const message = cliMessage(err.message);
  io.stderr.write(`${mask(`error ${err.code}: ${message}`)}\n`);
  if (json) {
    const error: { code: string; message: string } & Record<string, unknown> = { code: err.code, message: mask(message) };
    if (err.details) for (const [k, v] of Object.entries(err.details)) if (v !== undefined && k !== 'code' && k !== 'message') error[k] = v;
    io.stdout.write(`${mask(stringifyJson(errorReport(workflowId, error)) as string)}\n`);
  }
  return exitCodeFor(err);
}
