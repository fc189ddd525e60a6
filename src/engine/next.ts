/**
 * The pure core of the interpreter. `next(rt, state, input)` applies what just happened (a step
 * executed, a wait elapsed) to the RunState and says which effect to perform next: send a step's
 * request, sleep, or nothing (the run is over). It performs no I/O: time comes from `rt.now()`,
 * events go to `rt.emit`. Control flow is a loop over an explicit frame stack — a goto loop of any
 * length runs in flat stack and memory.
 */
import { responseMessage } from './response-message.js';
import { ArazzoError } from '../errors.js';
import { type LoadedDocument, workflowPlan } from '../compile/loaded.js';
import type { EvalContext, MessageView, SourceDescriptionView } from '../expressions/types.js';
import type { CompiledCriterion } from '../criteria/types.js';
import type { ActionPlan, OutputPlan, ParameterPlan, StepPlan, WorkflowPlan, WorkflowRef } from '../compile/plan-types.js';
import { newFrame, type Frame, type RunState } from './state.js';
import type { ActionSummary, HttpResponse, RunErrorInfo, RunEvent, StepRecord } from './types.js';
import type { ErrorCode } from '../error-codes.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventInput = DistributiveOmit<RunEvent, 'time' | 'runId'>;

/** What the pure core needs from the outside world. */
export interface Runtime {
  readonly root: LoadedDocument;
  readonly maxSteps: number;
  /** Whole-run timeout (RUN_TIMEOUT), ms. */
  readonly timeoutMs?: number;
  now(): number;
  emit(event: EventInput): void;
  /** Called with every finished step execution (history, events). */
  record(rec: StepRecord): void;
  /** False when nobody listens: step records are then not built at all. */
  readonly recording?: boolean;
  /** False when nobody listens to events: per-step events (step.started, action.taken) are not built. */
  readonly listening?: boolean;
}

/** The outcome of executing an operation step's request. */
export interface Executed {
  readonly url?: string;
  readonly method?: string;
  readonly request?: MessageView;
  readonly response?: HttpResponse;
  readonly responseView?: MessageView;
  /** Building or sending failed (P25, transport errors, step timeout). */
  readonly error?: { readonly code: ErrorCode; readonly message: string; readonly limit?: number };
  readonly startedAt: number;
  readonly durationMs: number;
}

export type Input = { readonly type: 'start' } | { readonly type: 'executed'; readonly result: Executed } | { readonly type: 'slept' };

export type Effect =
  | {
      readonly type: 'execute';
      readonly frame: Frame;
      readonly step: StepPlan;
      readonly doc: LoadedDocument;
      readonly ctx: EvalContext;
      /** Clock time at which an enclosing workflow step times out (1.1 `timeout`): abort the request then. */
      readonly deadline?: number;
    }
  | { readonly type: 'sleep'; readonly ms: number; readonly stepId: string }
  | { readonly type: 'done' };

// ------------------------------------------------------------------ documents and contexts

const docCache = new WeakMap<LoadedDocument, Map<string, LoadedDocument>>();
const baseCache = new WeakMap<
  LoadedDocument,
  { sourceDescriptions: Record<string, SourceDescriptionView>; components?: Record<string, unknown>; self: string }
>();

function documentAt(root: LoadedDocument, key: string): LoadedDocument {
  if (key === '') return root;
  let cache = docCache.get(root);
  if (!cache) docCache.set(root, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit;
  let doc = root;
  for (const name of key.split('/')) {
    const src = doc.sources.get(name);
    if (src?.kind !== 'arazzo') throw new ArazzoError('WORKFLOW_NOT_FOUND', `Source "${name}" is not an Arazzo source of ${doc.location}.`);
    doc = src.document;
  }
  cache.set(key, doc);
  return doc;
}

function docBase(doc: LoadedDocument): { sourceDescriptions: Record<string, SourceDescriptionView>; components?: Record<string, unknown>; self: string } {
  let base = baseCache.get(doc);
  if (!base) {
    const sourceDescriptions: Record<string, SourceDescriptionView> = {};
    for (const sd of doc.document.sourceDescriptions ?? []) {
      sourceDescriptions[sd.name] = sd.type ? { name: sd.name, url: sd.url, type: sd.type } : { name: sd.name, url: sd.url };
    }
    base = { sourceDescriptions, components: doc.document.components as Record<string, unknown> | undefined, self: doc.baseUri };
    baseCache.set(doc, base);
  }
  return base;
}

export function planFor(root: LoadedDocument, docKey: string, workflowId: string): WorkflowPlan {
  const doc = documentAt(root, docKey);
  const plan = workflowPlan(doc, workflowId);
  if (!plan) throw new ArazzoError('WORKFLOW_NOT_FOUND', `Workflow "${workflowId}" does not exist in ${doc.location}.`);
  return plan;
}

function childDoc(parentDoc: string, ref: WorkflowRef): string {
  if (!ref.source) return parentDoc;
  return parentDoc === '' ? ref.source : `${parentDoc}/${ref.source}`;
}

/** The evaluation context of a frame (no request/response). */
function frameContext(rt: Runtime, state: RunState, frame: Frame): EvalContext {
  const base = docBase(documentAt(rt.root, frame.doc));
  return {
    inputs: frame.inputs,
    outputs: frame.outputs,
    steps: frame.steps,
    workflows: state.workflows,
    sourceDescriptions: base.sourceDescriptions,
    components: base.components,
    self: base.self,
  };
}

// ------------------------------------------------------------------ evaluation helpers

type FailedCriterion = { condition: string; error?: string; detail?: string };

/** The failed criteria for a message: each condition, with what it saw when it explains itself. */
function describeFailed(failed: readonly FailedCriterion[]): string {
  return failed.map((f) => (f.detail ? `${f.condition} (${f.detail})` : f.condition)).join('; ');
}

function criteriaPass(criteria: readonly CompiledCriterion[], ctx: EvalContext, failed?: FailedCriterion[]): boolean {
  let ok = true;
  for (const c of criteria) {
    let r: { passed: boolean; error?: string };
    try {
      r = c.evaluate(ctx);
    } catch (err) {
      r = { passed: false, error: (err as Error).message };
    }
    if (!r.passed) {
      ok = false;
      if (!failed) return false;
      const detail = r.error ? undefined : c.explain?.(ctx);
      failed.push(r.error ? { condition: c.criterion.condition, error: r.error } : { condition: c.criterion.condition, ...(detail ? { detail } : {}) });
    }
  }
  return ok;
}

function evaluateOutputs(outputs: readonly OutputPlan[], ctx: EvalContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of outputs) {
    let v: unknown;
    try {
      v = o.value.evaluate(ctx);
    } catch {
      v = undefined;
    }
    if (v !== undefined) out[o.name] = v;
  }
  return out;
}

/** Parameters without `in` (or all, for action parameters) mapped by name to a workflow's inputs (P16, P14, P27). */
function evaluateInputs(params: readonly ParameterPlan[], ctx: EvalContext): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const p of params) {
    if (p.in) continue;
    const v = p.value.evaluate(ctx);
    if (v !== undefined) inputs[p.name] = v;
  }
  return inputs;
}

/** `Retry-After`: delta-seconds or an HTTP-date, in ms from now. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function evalNumber(value: { evaluate(ctx: EvalContext): unknown } | undefined, ctx: EvalContext, what: string, stepId: string): number | undefined {
  if (!value) return undefined;
  const raw = value.evaluate(ctx);
  const n = numberOf(raw);
  if (n === undefined || n < 0) {
    throw new ArazzoError(
      'STEP_EXTENSION_INVALID',
      `${what} of step "${stepId}" must be a non-negative number of seconds or count; it evaluated to ${JSON.stringify(raw) ?? 'nothing'}.`,
      {
        stepId,
      },
    );
  }
  return n;
}

// ------------------------------------------------------------------ transitions

function failRun(rt: Runtime, state: RunState, error: RunErrorInfo): void {
  const rootFrame = state.frames[0];
  if (rootFrame && rootFrame.status === undefined) {
    try {
      const plan = planFor(rt.root, rootFrame.doc, rootFrame.wf);
      state.outputs = evaluateOutputs(plan.outputs, frameContext(rt, state, rootFrame));
    } catch {
      state.outputs = {};
    }
  }
  state.status = 'failed';
  state.error = error;
  state.frames.length = 0;
}

const summaries = new WeakMap<ActionPlan, ActionSummary>();

function summary(a: ActionPlan): ActionSummary {
  let s = summaries.get(a);
  if (!s) summaries.set(a, (s = makeSummary(a)));
  return s;
}

function makeSummary(a: ActionPlan): ActionSummary {
  return {
    name: a.name,
    type: a.type,
    ...(a.stepId !== undefined ? { stepId: a.stepId } : {}),
    ...(a.workflow ? { workflowId: a.workflow.workflowId } : {}),
  };
}

/** Enter a step afresh (sequential flow or goto): retry counters reset (P26). */
function enterStep(frame: Frame, index: number): void {
  frame.index = index;
  frame.attempt = 1;
  frame.retry = false;
  frame.prepared = false;
  frame.retries = {};
  frame.waitUntil = undefined;
  frame.returnTo = undefined;
}

function finishFrame(rt: Runtime, state: RunState, frame: Frame, status: 'succeeded' | 'failed', error?: RunErrorInfo): void {
  const plan = planFor(rt.root, frame.doc, frame.wf);
  frame.outputs = evaluateOutputs(plan.outputs, frameContext(rt, state, frame));
  frame.status = status;
  if (error) frame.error = error;
  state.workflows[frame.wf] = { inputs: frame.inputs, outputs: frame.outputs };
}

/** Start a frame for a workflow: validate inputs (P19); invalid inputs come back as an INPUT_INVALID error. */
function startFrame(
  rt: Runtime,
  ref: WorkflowRef,
  parentDoc: string,
  role: Frame['role'],
  rawInputs: Record<string, unknown>,
): { frame: Frame } | { error: RunErrorInfo } {
  const doc = childDoc(parentDoc, ref);
  const plan = planFor(rt.root, doc, ref.workflowId);
  const check = plan.validateInputs(rawInputs);
  if (!check.ok) {
    return {
      error: {
        code: 'INPUT_INVALID',
        message: `Inputs of workflow "${ref.workflowId}" are invalid: ${check.errors.join('; ')}.`,
        workflowId: ref.workflowId,
      },
    };
  }
  return { frame: newFrame(ref.workflowId, doc, role, check.value) };
}

/** What is known of a finished step execution besides its success. */
interface OutcomeInfo {
  startedAt: number;
  durationMs: number;
  statusCode?: number;
  method?: string;
  url?: string;
  error?: RunErrorInfo;
  retryAfterMs?: number;
}

/**
 * A step execution is over (operation response, or child workflow finished): record it, pick the
 * action (P13) and move the frame.
 */
function applyOutcome(rt: Runtime, state: RunState, frame: Frame, step: StepPlan, success: boolean, ctx: EvalContext, info: OutcomeInfo): void {
  const outputs = evaluateOutputs(step.outputs, ctx);
  frame.steps[step.stepId] = outputs;

  // A side trip of a retry with stepId: go back and retry the step that asked for it.
  if (frame.returnTo !== undefined && frame.returnTo !== frame.index) {
    const back = frame.returnTo;
    if (rt.recording !== false) rt.record(record(frame, step, success, outputs, info, undefined));
    frame.index = back;
    frame.returnTo = undefined;
    frame.prepared = true;
    return;
  }

  let chosen: ActionPlan | undefined;
  const candidates = success ? step.onSuccess : step.onFailure;
  for (const a of candidates) {
    if (a.criteria.length > 0 && !criteriaPass(a.criteria, ctx)) continue;
    if (a.type === 'retry') {
      const used = frame.retries[a.name] ?? 0;
      if (used >= a.retryLimit) continue;
      frame.retries[a.name] = used + 1;
    }
    chosen = a;
    break;
  }
  const action: ActionSummary = chosen ? summary(chosen) : success ? NEXT : FAIL;
  if (rt.recording !== false) rt.record(record(frame, step, success, outputs, info, action));
  if (chosen && rt.listening !== false)
    rt.emit({ type: 'action.taken', workflowId: frame.wf, stepId: step.stepId, kind: success ? 'success' : 'failure', action });

  const stepError = (): RunErrorInfo =>
    info.error ?? {
      code: 'STEP_FAILED',
      message: `Step "${step.stepId}" of workflow "${frame.wf}" failed.`,
      workflowId: frame.wf,
      stepId: step.stepId,
    };

  if (!chosen) {
    if (success) {
      enterStep(frame, frame.index + 1);
      if (frame.index >= planFor(rt.root, frame.doc, frame.wf).steps.length) finishFrame(rt, state, frame, 'succeeded');
    } else {
      finishFrame(rt, state, frame, 'failed', stepError());
    }
    return;
  }

  switch (chosen.type) {
    case 'end':
      // P23: an onFailure end ends the workflow as failed.
      if (success) finishFrame(rt, state, frame, 'succeeded');
      else {
        const e = stepError();
        finishFrame(rt, state, frame, 'failed', { ...e, message: `${e.message} The onFailure action "${chosen.name}" ended the workflow.` });
      }
      return;
    case 'goto':
      if (chosen.stepIndex !== undefined) {
        enterStep(frame, chosen.stepIndex);
        return;
      }
      if (chosen.workflow) {
        // P14: a one-way transfer; the target's result becomes this invocation's result.
        // The workflow left behind ends as the step did: a transfer from onFailure leaves it failed.
        const inputs = evaluateInputs(chosen.parameters, ctx);
        const leftError = success ? undefined : stepError();
        finishFrame(rt, state, frame, success ? 'succeeded' : 'failed', leftError);
        rt.emit({
          type: 'workflow.finished',
          workflowId: frame.wf,
          depth: state.frames.length - 1,
          status: success ? 'succeeded' : 'failed',
          outputs: frame.outputs ?? {},
          ...(leftError ? { error: leftError } : {}),
        });
        const started = startFrame(rt, chosen.workflow, frame.doc, frame.role, inputs);
        const idx = state.frames.lastIndexOf(frame);
        if ('error' in started) {
          const failed = newFrame(chosen.workflow.workflowId, childDoc(frame.doc, chosen.workflow), frame.role, inputs);
          failed.status = 'failed';
          failed.error = started.error;
          failed.outputs = {};
          state.frames[idx] = failed;
        } else {
          state.frames[idx] = started.frame;
          rt.emit({ type: 'workflow.started', workflowId: started.frame.wf, depth: idx, inputs: started.frame.inputs });
        }
      }
      return;
    case 'retry': {
      const wait = info.retryAfterMs ?? (chosen.retryAfter !== undefined ? Math.round(chosen.retryAfter * 1000) : 0);
      frame.attempt += 1;
      frame.retry = true;
      frame.prepared = true;
      frame.waitUntil = wait > 0 ? rt.now() + wait : undefined;
      if (wait > 0) rt.emit({ type: 'delay.started', workflowId: frame.wf, stepId: step.stepId, ms: wait, reason: 'retry' });
      if (chosen.stepIndex !== undefined && chosen.stepIndex !== frame.index) {
        frame.returnTo = frame.index;
        frame.index = chosen.stepIndex;
      } else if (chosen.workflow) {
        frame.call = { ...chosen.workflow, inputs: evaluateInputs(chosen.parameters, ctx) };
      }
      return;
    }
  }
}

function record(
  frame: Frame,
  step: StepPlan,
  success: boolean,
  outputs: Record<string, unknown>,
  info: OutcomeInfo,
  action: ActionSummary | undefined,
): StepRecord {
  const rec: {
    -readonly [K in keyof StepRecord]: StepRecord[K];
  } = { workflowId: frame.wf, stepId: step.stepId, outcome: success ? 'succeeded' : 'failed', startedAt: info.startedAt, durationMs: info.durationMs, outputs };
  if (info.statusCode !== undefined) rec.statusCode = info.statusCode;
  if (info.method !== undefined) rec.method = info.method;
  if (info.url !== undefined) rec.url = info.url;
  if (action) rec.action = action;
  if (!success && info.error) rec.error = info.error;
  return rec;
}

const EXCERPT = 500;

/** The start of a failed response's body and, read from the whole body, the message it carried. */
function excerptOf(bodyText: string, statusCode: number): { responseExcerpt: string; responseMessage?: string } {
  const message = responseMessage(bodyText, undefined, statusCode);
  return message === undefined ? { responseExcerpt: bodyText.slice(0, EXCERPT) } : { responseExcerpt: bodyText.slice(0, EXCERPT), responseMessage: message };
}
const NEXT: ActionSummary = Object.freeze({ name: 'next', type: 'next' });
const FAIL: ActionSummary = Object.freeze({ name: 'fail', type: 'fail' });

/** Apply the result of an operation step's request. */
function applyExecuted(rt: Runtime, state: RunState, result: Executed): void {
  const frame = state.frames[state.frames.length - 1];
  if (!frame) return;
  frame.sending = undefined;
  const plan = planFor(rt.root, frame.doc, frame.wf);
  const step = plan.steps[frame.index] as StepPlan;
  // One object literal with every field, not a spread of frameContext(): spreading and then
  // adding fields gives the context a different, slower shape, and every compiled expression of
  // the step reads it (the no-network loop measured 4.7 µs/step this way, 11.8 µs with a spread).
  const base = docBase(documentAt(rt.root, frame.doc));
  const ctx: EvalContext = {
    inputs: frame.inputs,
    outputs: frame.outputs,
    steps: frame.steps,
    workflows: state.workflows,
    sourceDescriptions: base.sourceDescriptions,
    components: base.components,
    self: base.self,
    url: result.url,
    method: result.method,
    statusCode: result.response?.statusCode,
    request: result.request,
    response: result.responseView,
  };
  let success: boolean;
  let error: RunErrorInfo | undefined;
  if (result.error || !result.response) {
    success = false;
    error = {
      code: result.error?.code ?? 'HTTP_CONNECTION',
      message: result.error?.message ?? `Step "${step.stepId}" got no response.`,
      workflowId: frame.wf,
      stepId: step.stepId,
      ...(result.error?.limit !== undefined ? { limit: result.error.limit } : {}),
    };
  } else if (step.successCriteria.length > 0) {
    const failed: FailedCriterion[] = [];
    success = criteriaPass(step.successCriteria, ctx, failed);
    if (!success) {
      error = {
        code: 'CRITERION_FAILED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" failed: HTTP ${result.response.statusCode}, success criteria not met: ${describeFailed(failed)}.`,
        workflowId: frame.wf,
        stepId: step.stepId,
        statusCode: result.response.statusCode,
        failedCriteria: failed,
        ...excerptOf(result.response.bodyText, result.response.statusCode),
      };
    }
  } else {
    const sc = result.response.statusCode;
    success = sc >= 200 && sc < 300;
    if (!success) {
      error = {
        code: 'STEP_FAILED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" failed: HTTP ${sc} is not a 2xx status (no successCriteria given).`,
        workflowId: frame.wf,
        stepId: step.stepId,
        statusCode: sc,
        ...excerptOf(result.response.bodyText, result.response.statusCode),
      };
    }
  }
  const info: OutcomeInfo = { startedAt: result.startedAt, durationMs: result.durationMs };
  if (result.response) {
    info.statusCode = result.response.statusCode;
    const ra = result.response.headers['retry-after'];
    if (ra !== undefined) {
      const ms = retryAfterMs(ra, rt.now());
      if (ms !== undefined) info.retryAfterMs = ms;
    }
  }
  if (result.method) info.method = result.method;
  if (result.url) info.url = result.url;
  if (error) info.error = error;
  applyOutcome(rt, state, frame, step, success, ctx, info);
}

/** A child frame is over: hand its result to the frame below it. */
function deliver(rt: Runtime, state: RunState, child: Frame): void {
  const parent = state.frames[state.frames.length - 1];
  rt.emit({
    type: 'workflow.finished',
    workflowId: child.wf,
    depth: state.frames.length,
    status: child.status ?? 'failed',
    outputs: child.outputs ?? {},
    ...(child.error ? { error: child.error } : {}),
  });
  if (!parent) {
    state.status = child.status ?? 'failed';
    state.outputs = child.outputs ?? {};
    if (child.error) state.error = child.error;
    return;
  }
  switch (child.role) {
    case 'depends':
      if (child.status === 'succeeded') state.done.push(`${child.doc}|${child.wf}`);
      else {
        finishFrame(rt, state, parent, 'failed', {
          code: 'DEPENDENCY_FAILED',
          message: `Workflow "${parent.wf}" depends on "${child.wf}", which failed: ${child.error?.message ?? 'no detail'}`,
          workflowId: parent.wf,
        });
      }
      return;
    case 'retry':
      return;
    case 'step': {
      parent.deadline = undefined;
      const plan = planFor(rt.root, parent.doc, parent.wf);
      const step = plan.steps[parent.index] as StepPlan;
      // P16: inside the workflow step's criteria and outputs, $outputs are the child's.
      const ctx: EvalContext = { ...frameContext(rt, state, parent), outputs: child.outputs ?? {} };
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
      const startedAt = parent.first[step.stepId] ?? rt.now();
      applyOutcome(rt, state, parent, step, success, ctx, { startedAt, durationMs: rt.now() - startedAt, ...(error ? { error } : {}) });
      return;
    }
    case 'root':
      return;
  }
}

/**
 * Apply `input` to `state` and return the next effect. Deterministic given the state, the input
 * and `rt.now()`; mutates `state` in place.
 */
export function next(rt: Runtime, state: RunState, input: Input): Effect {
  if (state.status !== 'running') return { type: 'done' };
  try {
    if (input.type === 'executed') {
      // A request interrupted because an enclosing workflow step timed out belongs to a child that is over.
      if (expiredFrame(state, rt.now()) < 0) applyExecuted(rt, state, input.result);
    } else if (input.type === 'slept') {
      const top = state.frames[state.frames.length - 1];
      if (top) top.waitUntil = undefined;
    }
    return advance(rt, state);
  } catch (err) {
    const e = err instanceof ArazzoError ? err : new ArazzoError('INTERNAL_ERROR', `Internal engine error: ${(err as Error).message}`);
    const top = state.frames[state.frames.length - 1];
    const info: RunErrorInfo = { code: e.code, message: e.message };
    if (top) Object.assign(info, { workflowId: top.wf });
    const stepId = e.details?.stepId as string | undefined;
    if (stepId) Object.assign(info, { stepId });
    failRun(rt, state, info);
    return { type: 'done' };
  }
}

/** Fail the run from outside the core (run timeout, cancellation). */
export function abortRun(rt: Runtime, state: RunState, error: RunErrorInfo): void {
  if (state.status === 'running') failRun(rt, state, error);
}

/** Index of the lowest frame whose running workflow step is past its 1.1 `timeout`, or -1. */
function expiredFrame(state: RunState, now: number): number {
  const frames = state.frames;
  for (let i = 0; i < frames.length - 1; i++) {
    const d = (frames[i] as Frame).deadline;
    if (d !== undefined && now >= d) return i;
  }
  return -1;
}

/** The earliest workflow-step deadline below the top frame, if any. */
function nearestDeadline(state: RunState): number | undefined {
  let min: number | undefined;
  const frames = state.frames;
  for (let i = 0; i < frames.length - 1; i++) {
    const d = (frames[i] as Frame).deadline;
    if (d !== undefined && (min === undefined || d < min)) min = d;
  }
  return min;
}

/** A workflow step exceeded its `timeout`: stop its child workflow (and anything it runs) and fail the step. */
function timeOutWorkflowStep(rt: Runtime, state: RunState, index: number): void {
  const frame = state.frames[index] as Frame;
  const step = planFor(rt.root, frame.doc, frame.wf).steps[frame.index] as StepPlan;
  const limit = step.timeoutMs ?? 0;
  const child = state.frames[index + 1];
  const error: RunErrorInfo = {
    code: 'STEP_TIMEOUT',
    message: `Step "${step.stepId}" of workflow "${frame.wf}" exceeded its timeout of ${limit} ms; its workflow "${child?.wf ?? step.workflow?.workflowId ?? '?'}" was stopped.`,
    workflowId: frame.wf,
    stepId: step.stepId,
    limit,
  };
  while (state.frames.length > index + 1) {
    const popped = state.frames.pop() as Frame;
    rt.emit({ type: 'workflow.finished', workflowId: popped.wf, depth: state.frames.length, status: 'failed', outputs: {}, error });
  }
  frame.deadline = undefined;
  const ctx: EvalContext = { ...frameContext(rt, state, frame), outputs: {} };
  const startedAt = frame.first[step.stepId] ?? rt.now();
  applyOutcome(rt, state, frame, step, false, ctx, { startedAt, durationMs: rt.now() - startedAt, error });
}

function advance(rt: Runtime, state: RunState): Effect {
  for (;;) {
    const frame = state.frames[state.frames.length - 1];
    if (!frame) {
      if (state.status === 'running') state.status = 'failed';
      return { type: 'done' };
    }
    if (state.frames.length > 1) {
      const expired = expiredFrame(state, rt.now());
      if (expired >= 0) {
        timeOutWorkflowStep(rt, state, expired);
        continue;
      }
    }
    if (frame.status !== undefined) {
      state.frames.pop();
      deliver(rt, state, frame);
      continue;
    }
    const plan = planFor(rt.root, frame.doc, frame.wf);

    // Prerequisites (P15): each runs once per run, before the workflow's first step.
    if (frame.index === -1) {
      const pending = plan.dependsOn.find((d) => !state.done.includes(`${childDoc(frame.doc, d)}|${d.workflowId}`));
      if (pending) {
        const started = startFrame(rt, pending, frame.doc, 'depends', {});
        if ('error' in started) {
          finishFrame(rt, state, frame, 'failed', {
            ...started.error,
            code: 'DEPENDENCY_FAILED',
            message: `Workflow "${frame.wf}" depends on "${pending.workflowId}": ${started.error.message}`,
          });
          continue;
        }
        state.frames.push(started.frame);
        rt.emit({ type: 'workflow.started', workflowId: started.frame.wf, depth: state.frames.length - 1, inputs: started.frame.inputs });
        continue;
      }
      enterStep(frame, 0);
      if (plan.steps.length === 0) finishFrame(rt, state, frame, 'succeeded');
      continue;
    }

    if (frame.waitUntil !== undefined) {
      const now = rt.now();
      if (now < frame.waitUntil) {
        // Wake up early if an enclosing workflow step times out during the wait.
        const deadline = state.frames.length > 1 ? nearestDeadline(state) : undefined;
        const until = deadline !== undefined && deadline < frame.waitUntil ? deadline : frame.waitUntil;
        return { type: 'sleep', ms: until - now, stepId: plan.steps[frame.index]?.stepId ?? '' };
      }
      frame.waitUntil = undefined;
    }

    if (frame.call) {
      const call = frame.call;
      frame.call = undefined;
      const started = startFrame(rt, call, frame.doc, 'retry', call.inputs);
      if (!('error' in started)) {
        state.frames.push(started.frame);
        rt.emit({ type: 'workflow.started', workflowId: started.frame.wf, depth: state.frames.length - 1, inputs: started.frame.inputs });
      } else {
        // The referenced workflow could not start (invalid inputs): it counts as a failed run of it
        // (the retry goes on), but say so instead of skipping it silently.
        rt.emit({ type: 'workflow.finished', workflowId: call.workflowId, depth: state.frames.length, status: 'failed', outputs: {}, error: started.error });
      }
      continue;
    }

    if (frame.index >= plan.steps.length) {
      finishFrame(rt, state, frame, 'succeeded');
      continue;
    }
    const step = plan.steps[frame.index] as StepPlan;
    const now = rt.now();

    if (frame.sending) {
      // Resumed from a checkpoint taken while this request was in flight: it was counted already.
      const execution = state.counts[countKeyOf(frame, step)] ?? 1;
      if (rt.listening !== false) rt.emit({ type: 'step.started', workflowId: frame.wf, stepId: step.stepId, execution, attempt: frame.attempt });
      return executeEffect(rt, state, frame, step, frameContext(rt, state, frame));
    }

    if (state.stepExecutions >= rt.maxSteps) {
      failRun(rt, state, {
        code: 'MAX_STEPS_EXCEEDED',
        message: `The run reached its limit of ${rt.maxSteps} step executions at step "${step.stepId}" of workflow "${frame.wf}"; raise limits.maxSteps (--max-steps) or fix the loop.`,
        workflowId: frame.wf,
        stepId: step.stepId,
        limit: rt.maxSteps,
      });
      return { type: 'done' };
    }

    if (rt.timeoutMs !== undefined && now - state.startedAt >= rt.timeoutMs) {
      failRun(rt, state, runTimeoutError(rt.timeoutMs, frame.wf, step.stepId));
      return { type: 'done' };
    }

    const ctx = frameContext(rt, state, frame);
    if (!frame.prepared) {
      frame.prepared = true;
      if (!frame.retry && frame.first[step.stepId] !== undefined && step.extensions.delay) {
        const seconds = evalNumber(step.extensions.delay, ctx, 'x-delay', step.stepId) ?? 0;
        const ms = Math.round(seconds * 1000);
        if (ms > 0) {
          frame.waitUntil = now + ms;
          rt.emit({ type: 'delay.started', workflowId: frame.wf, stepId: step.stepId, ms, reason: 'step-delay' });
          continue;
        }
      }
    }

    const countKey = countKeyOf(frame, step);
    const count = state.counts[countKey] ?? 0;
    const maxExec = evalNumber(step.extensions.maxExecutions, ctx, 'x-max-executions', step.stepId);
    if (maxExec !== undefined && count >= maxExec) {
      failRun(rt, state, {
        code: 'STEP_LIMIT_EXCEEDED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" reached its limit of ${maxExec} executions (x-max-executions).`,
        workflowId: frame.wf,
        stepId: step.stepId,
        limit: maxExec,
      });
      return { type: 'done' };
    }
    const first = frame.first[step.stepId];
    const maxDur = evalNumber(step.extensions.maxDuration, ctx, 'x-max-duration', step.stepId);
    if (maxDur !== undefined && first !== undefined && now - first >= maxDur * 1000) {
      failRun(rt, state, {
        code: 'STEP_DEADLINE_EXCEEDED',
        message: `Step "${step.stepId}" of workflow "${frame.wf}" kept running for more than ${maxDur} s (x-max-duration) since its first execution.`,
        workflowId: frame.wf,
        stepId: step.stepId,
        limit: maxDur,
      });
      return { type: 'done' };
    }

    state.stepExecutions += 1;
    state.counts[countKey] = count + 1;
    if (first === undefined) frame.first[step.stepId] = now;
    if (rt.listening !== false) rt.emit({ type: 'step.started', workflowId: frame.wf, stepId: step.stepId, execution: count + 1, attempt: frame.attempt });

    if (step.kind === 'workflow' && step.workflow) {
      const inputs = evaluateInputs(step.parameters, ctx);
      const started = startFrame(rt, step.workflow, frame.doc, 'step', inputs);
      if ('error' in started) {
        applyOutcome(rt, state, frame, step, false, ctx, { startedAt: now, durationMs: 0, error: { ...started.error, stepId: step.stepId } });
        continue;
      }
      if (step.timeoutMs !== undefined) frame.deadline = now + step.timeoutMs;
      state.frames.push(started.frame);
      rt.emit({ type: 'workflow.started', workflowId: started.frame.wf, depth: state.frames.length - 1, inputs: started.frame.inputs });
      continue;
    }
    frame.sending = true;
    return executeEffect(rt, state, frame, step, ctx);
  }
}

/** `doc|workflow|step`, the key of a step's execution counter; cached for the entry document. */
const countKeys = new WeakMap<StepPlan, string>();
function countKeyOf(frame: Frame, step: StepPlan): string {
  if (frame.doc !== '') return `${frame.doc}|${frame.wf}|${step.stepId}`;
  let key = countKeys.get(step);
  if (key === undefined) countKeys.set(step, (key = `|${frame.wf}|${step.stepId}`));
  return key;
}

function executeEffect(rt: Runtime, state: RunState, frame: Frame, step: StepPlan, ctx: EvalContext): Effect {
  const deadline = state.frames.length > 1 ? nearestDeadline(state) : undefined;
  const doc = documentAt(rt.root, frame.doc);
  return deadline === undefined ? { type: 'execute', frame, step, doc, ctx } : { type: 'execute', frame, step, doc, ctx, deadline };
}

export function runTimeoutError(timeoutMs: number, workflowId?: string, stepId?: string): RunErrorInfo {
  return {
    code: 'RUN_TIMEOUT',
    message: `The run exceeded its timeout of ${timeoutMs} ms${stepId ? ` at step "${stepId}"` : ''}; raise limits.timeoutMs (--timeout) if the workflow needs longer.`,
    ...(workflowId ? { workflowId } : {}),
    ...(stepId ? { stepId } : {}),
    limit: timeoutMs,
  };
}
