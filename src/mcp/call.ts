/**
 * One tool call: check the arguments, run the workflow with the server's inputs, report progress
 * at each step, and turn the run's result into a CallToolResult. A failure is a result with
 * `isError` (never a protocol error), so the model sees what went wrong and can act on it.
 */
import type { runWorkflow as RunWorkflowFn } from '../engine/run.js';
import type { Clock, RunEvent, RunLimits, RunResult } from '../engine/types.js';
import { maskValue, type MaskFn } from '../engine/mask.js';
import { ArazzoError } from '../errors.js';
import { formatDuration } from '../cli/format.js';
import { stringifyJson } from '../util/json.js';
import { renderSummary } from '../cli/progress.js';
import { argumentProblems } from './arguments.js';
import type { WorkflowTool } from './tools.js';
import { asRecord } from '../util/guards.js';

/** The result of `tools/call` (the fields of MCP's CallToolResult this server sets). */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface CallContext {
  readonly runWorkflow: typeof RunWorkflowFn;
  /** Every secret the server knows (supplied secret inputs): masked in results, progress and logs. */
  readonly secrets: readonly string[];
  readonly mask: MaskFn;
  readonly clock?: Clock;
  readonly limits?: RunLimits;
  /** One line on the server's log (stderr); masked before it is written. */
  readonly log: (line: string) => void;
}

export interface CallOptions {
  /** Aborted when the client cancels the call (or the connection closes). */
  readonly signal: AbortSignal;
  /** Called with a short message at each step, when the client asked for progress. */
  readonly progress?: (message: string) => void;
  /** Names the call in the log, e.g. `#12`. */
  readonly label: string;
}

/** The most characters of outputs the one-line text summary quotes. */
const SUMMARY_OUTPUTS_MAX = 4000;

export async function callTool(tool: WorkflowTool, args: unknown, ctx: CallContext, options: CallOptions): Promise<ToolResult> {
  const { label } = options;
  const problems = await argumentProblems(tool, args);
  if (problems.length > 0) {
    ctx.log(`${tool.name} ${label}: rejected, invalid arguments (${problems.length}); nothing was sent`);
    return errorResult(ctx.mask(`Invalid arguments for ${tool.name}; nothing was sent. Fix:\n${problems.map((p) => `- ${p}`).join('\n')}`));
  }
  const inputs = { ...asRecord(args), ...tool.supplied };
  ctx.log(`${tool.name} ${label}: started`);

  let requests = 0;
  // RunResult.outputs are in clear (what an embedder asked for); a tool result goes to a model,
  // which must never see a credential: it gets the outputs as run.finished gives them, masked.
  let maskedOutputs: Record<string, unknown> | undefined;
  const onEvent = (event: RunEvent): void => {
    if (event.type === 'request.sent') requests++;
    if (event.type === 'run.finished') maskedOutputs = event.outputs;
    if (options.progress) {
      const message = progressMessage(event);
      if (message !== undefined) options.progress(ctx.mask(message));
    }
  };

  let result: RunResult;
  try {
    result = await ctx.runWorkflow(tool.served.doc, tool.workflow.workflowId, inputs, {
      signal: options.signal,
      onEvent,
      secrets: ctx.secrets,
      ...(Object.keys(tool.served.servers).length > 0 ? { servers: tool.served.servers } : {}),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      ...(ctx.limits ? { limits: ctx.limits } : {}),
    });
  } catch (err) {
    const error = err instanceof ArazzoError ? err : undefined;
    const message = error ? `${error.code}: ${error.message}` : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log(`${tool.name} ${label}: failed, ${message}`);
    return errorResult(ctx.mask(`${tool.workflow.workflowId} could not run: ${message}`));
  }

  result = { ...result, outputs: maskValue(maskedOutputs ?? {}, ctx.mask) };
  const runs = `${result.stepExecutions} step execution${result.stepExecutions === 1 ? '' : 's'} in ${formatDuration(result.durationMs)}`;
  if (result.status === 'succeeded') {
    ctx.log(`${tool.name} ${label}: succeeded (${runs})`);
    const outputs = result.outputs;
    const shown = stringifyJson(outputs) ?? '{}';
    const text = `${tool.workflow.workflowId} succeeded (${runs}). Outputs: ${shown.length > SUMMARY_OUTPUTS_MAX ? `${shown.slice(0, SUMMARY_OUTPUTS_MAX)}…` : shown}`;
    return { content: [{ type: 'text', text: ctx.mask(text) }], structuredContent: outputs };
  }

  if (options.signal.aborted || result.error?.code === 'RUN_CANCELLED') {
    ctx.log(`${tool.name} ${label}: cancelled by the client (${runs}, ${requests} request${requests === 1 ? '' : 's'} sent)`);
    const during = result.error?.stepId ? ` during step ${result.error.stepId}` : '';
    return errorResult(ctx.mask(`${tool.workflow.workflowId} was cancelled${during} (${runs}).`));
  }
  const code = result.error?.code ?? 'STEP_FAILED';
  if (code === 'INPUT_INVALID' && requests === 0) {
    ctx.log(`${tool.name} ${label}: rejected, invalid inputs; nothing was sent`);
    return errorResult(ctx.mask(`Invalid arguments for ${tool.name}; nothing was sent. ${result.error?.message ?? ''}`.trim()));
  }
  ctx.log(`${tool.name} ${label}: failed${result.error?.stepId ? ` at step ${result.error.stepId}` : ''}, ${code} (${runs})`);
  return errorResult(ctx.mask(failureReport(result)));
}

/**
 * The failure report: which step failed and why, what the server said, and the outputs known so
 * far (a failed deployment's own status message is often among them).
 */
export function failureReport(result: RunResult): string {
  return renderSummary(result, { color: false, quiet: false }).replace(/^✖ /, '').replace(/\n$/, '');
}

function errorResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** A progress message for the events that mark a step; undefined for the others. */
export function progressMessage(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'step.started':
      return `${event.stepId}: started${event.execution > 1 ? ` (execution ${event.execution})` : ''}`;
    case 'step.finished': {
      const r = event.record;
      const status = r.statusCode !== undefined ? `HTTP ${r.statusCode}` : r.error ? r.error.code : 'done';
      return `${event.stepId}: ${r.outcome} (${status}, ${formatDuration(r.durationMs)})`;
    }
    case 'delay.started':
      return `${event.stepId}: waiting ${formatDuration(event.ms)} before the ${event.reason === 'retry' ? 'retry' : 'next execution'}`;
    default:
      return undefined;
  }
}
