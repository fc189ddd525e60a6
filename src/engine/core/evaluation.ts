/**
 * The evaluation context: what runtime expressions, criteria and outputs read ($inputs, $steps,
 * $workflows, $response, …), and the helpers that evaluate a step's compiled values against it.
 */
import { ArazzoError } from '../../errors.js';
import { listForMessage, MESSAGE_LIST_MAX, MESSAGE_VALUE_MAX, quoteForMessage, truncateForMessage } from '../../util/truncate.js';
import type { CompiledCriterion } from '../../criteria/types.js';
import type { EvalContext } from '../../expressions/types.js';
import type { OutputPlan, ParameterPlan } from '../../compile/plan-types.js';
import type { Frame, RunState } from '../state.js';
import type { Machine } from './machine.js';
import type { Executed } from './types.js';

/*
 * Every context is built by one object literal with all twelve fields, in the same order, so all
 * contexts share one object shape and the compiled expressions that read them stay fast. (A spread
 * plus extra fields gives another, slower shape: the no-network loop once measured 4.7 µs/step with
 * one literal and 11.8 µs with a spread.)
 */

/** The context of a frame, with no request or response: inputs, step outputs, $workflows. */
export function frameContext(machine: Machine, state: RunState, frame: Frame, outputs = frame.outputs): EvalContext {
  const scope = machine.scope(frame.doc);
  return {
    url: undefined,
    method: undefined,
    statusCode: undefined,
    request: undefined,
    response: undefined,
    inputs: frame.inputs,
    outputs,
    steps: frame.steps,
    workflows: state.workflows,
    sourceDescriptions: scope.sourceDescriptions,
    components: scope.components,
    self: scope.self,
  };
}

/** The context after an operation step's request: the frame's, plus $url, $method, $statusCode, $request, $response. */
export function responseContext(machine: Machine, state: RunState, frame: Frame, result: Executed): EvalContext {
  const scope = machine.scope(frame.doc);
  return {
    url: result.url,
    method: result.method,
    statusCode: result.response?.statusCode,
    request: result.request,
    response: result.responseView,
    inputs: frame.inputs,
    outputs: frame.outputs,
    steps: frame.steps,
    workflows: state.workflows,
    sourceDescriptions: scope.sourceDescriptions,
    components: scope.components,
    self: scope.self,
  };
}

export interface FailedCriterion {
  readonly condition: string;
  readonly error?: string;
  /** What a criterion that evaluated to false saw, when it explains itself (JSONPath: what its query selected). */
  readonly detail?: string;
}

/** How long a criterion's evaluation error may be (it quotes up to two values of MESSAGE_VALUE_MAX). */
const CRITERION_ERROR_MAX = 3 * MESSAGE_VALUE_MAX;

/** The failed criteria for a message: each condition (cut), with what it saw when it explains itself. */
export function describeFailed(failed: readonly FailedCriterion[]): string {
  return listForMessage(
    failed.map((f) => (f.detail ? `${truncateForMessage(f.condition)} (${f.detail})` : f.condition)),
    '; ',
    MESSAGE_LIST_MAX,
    2 * MESSAGE_VALUE_MAX,
  );
}

/** Whether every criterion passes. With `failed`, all are evaluated and the failing ones collected. */
export function criteriaPass(criteria: readonly CompiledCriterion[], ctx: EvalContext, failed?: FailedCriterion[]): boolean {
  let ok = true;
  for (const c of criteria) {
    let r: { passed: boolean; error?: string };
    try {
      r = c.evaluate(ctx);
    } catch (err) {
      r = { passed: false, error: String((err as Error)?.message ?? err) };
    }
    if (!r.passed) {
      ok = false;
      if (!failed) return false;
      const detail = r.error ? undefined : c.explain?.(ctx);
      // An evaluation error may quote values (each cut already where it is made): bound it as a whole too.
      const error = r.error !== undefined ? truncateForMessage(r.error, CRITERION_ERROR_MAX) : undefined;
      failed.push(error ? { condition: c.criterion.condition, error } : { condition: c.criterion.condition, ...(detail ? { detail } : {}) });
    }
  }
  return ok;
}

/**
 * What `evaluateOutputs` says of an output it left out: its name, why (the expressions that
 * resolved to nothing, or the error), and those expressions' texts (undefined when it failed with
 * an error).
 */
export type MissingOutput = (name: string, why: string, empty: readonly string[] | undefined) => void;

/**
 * Outputs by name; one that fails or resolves to nothing is left out (P6), and `onMissing` (if
 * given) hears of it.
 */
export function evaluateOutputs(outputs: readonly OutputPlan[], ctx: EvalContext, onMissing?: MissingOutput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of outputs) {
    let v: unknown;
    let missing: string[] | undefined;
    let failure: string | undefined;
    try {
      v = o.value.evaluate(ctx, onMissing ? (text) => (missing ??= []).push(text) : undefined);
    } catch (err) {
      v = undefined;
      failure = err instanceof Error ? err.message : String(err);
    }
    if (v !== undefined) out[o.name] = v;
    else if (onMissing) {
      onMissing(
        o.name,
        failure ?? (missing ? missing.map((t) => `"${t}" has no value`).join(', ') : 'its value is empty'),
        failure === undefined ? (missing ?? []) : undefined,
      );
    }
  }
  return out;
}

/** Parameters without `in` (or all, for action parameters) mapped by name to a workflow's inputs (P16, P14, P27). */
export function evaluateInputs(params: readonly ParameterPlan[], ctx: EvalContext): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const p of params) {
    if (p.in) continue;
    const v = p.value.evaluate(ctx);
    if (v !== undefined) inputs[p.name] = v;
  }
  return inputs;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** An engine extension's value (x-delay, x-max-*): a non-negative number, else STEP_EXTENSION_INVALID. */
export function evalNumber(value: { evaluate(ctx: EvalContext): unknown } | undefined, ctx: EvalContext, what: string, stepId: string): number | undefined {
  if (!value) return undefined;
  const raw = value.evaluate(ctx);
  const n = numberOf(raw);
  if (n === undefined || n < 0) {
    throw new ArazzoError(
      'STEP_EXTENSION_INVALID',
      `${what} of step "${stepId}" must be a non-negative number of seconds or count; it evaluated to ${quoteForMessage(raw)}.`,
      { stepId },
    );
  }
  return n;
}
