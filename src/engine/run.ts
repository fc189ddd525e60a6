/**
 * The interpreter: the imperative shell around `next()`. It performs effects (send a request,
 * sleep on the clock), feeds their results back, enforces the run timeout and cancellation, masks
 * every event in one place and checkpoints the plain-JSON state after every step.
 */
import { randomUUID } from 'node:crypto';
import { ArazzoError } from '../errors.js';
import { prepareInputValidation } from '../compile/inputs.js';
import { type LoadedDocument, workflowPlan } from '../compile/loaded.js';
import { startTimer, systemClock, timeoutSlot } from './clock.js';
import { isSecretName, Masker } from './mask.js';
import { abortRun, next, runTimeoutError, planFor, type Effect, type EventInput, type Executed, type Runtime } from './next.js';
import { buildRequest, responseView, type BuiltRequest } from './request.js';
import { isRunState, newRunState, type RunState } from './state.js';
import { FetchHttpClient, UndiciHttpClient, envProxyAgent, proxyConfigured, DEFAULT_MAX_BODY_BYTES } from './transport.js';
import type { Clock, HttpClient, RequestSummary, RunErrorInfo, RunEvent, RunOptions, RunResult, StepRecord } from './types.js';

export const DEFAULT_MAX_STEPS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Pick the transport for a run from its options. */
function transportFor(options: RunOptions): HttpClient {
  if (options.http) return options.http;
  if (options.fetch) return new FetchHttpClient(options.fetch);
  if (options.dispatcher) return new UndiciHttpClient(options.dispatcher);
  if (options.proxyFromEnv !== false && proxyConfigured()) return new UndiciHttpClient(envProxyAgent());
  return defaultClient ?? (defaultClient = new UndiciHttpClient());
}
let defaultClient: UndiciHttpClient | undefined;

function errorInfo(err: unknown): RunErrorInfo {
  if (err instanceof ArazzoError) {
    const info: { -readonly [K in keyof RunErrorInfo]: RunErrorInfo[K] } = { code: err.code, message: err.message };
    if (typeof err.details?.limit === 'number') info.limit = err.details.limit;
    return info;
  }
  return { code: 'INTERNAL_ERROR', message: `Internal engine error: ${(err as Error)?.message ?? String(err)}` };
}

function cancelledError(): ArazzoError {
  return new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.');
}

/**
 * Run a workflow of a loaded document. Resolves with a RunResult (a failed workflow is a result,
 * not an exception); throws only for caller mistakes (unknown workflowId, a bad resume state).
 */
export async function runWorkflow(doc: LoadedDocument, workflowId: string, inputs: Record<string, unknown> = {}, options: RunOptions = {}): Promise<RunResult> {
  const clock: Clock = options.clock ?? systemClock;
  const limits = options.limits ?? {};
  const maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
  const requestTimeoutMs = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxBodyBytes = limits.maxResponseBytes ?? DEFAULT_MAX_BODY_BYTES;
  const listener = options.onEvent;
  const masker = new Masker(options.secrets ?? []);
  const history: StepRecord[] | undefined = options.history ? [] : undefined;

  let state: RunState | undefined;
  let runId: string;
  const rootPlan = workflowPlan(doc, workflowId);
  if (!rootPlan) {
    const known = [...doc.workflows.keys()].join(', ') || 'none';
    throw new ArazzoError('WORKFLOW_NOT_FOUND', `Workflow "${workflowId}" is not in ${doc.location} (workflows: ${known}).`, { workflowId });
  }
  await prepareInputValidation(doc);

  const emitRaw = (event: EventInput): void => {
    if (event.type === 'workflow.started') addSecretInputs(event.workflowId, event.inputs);
    if (!listener) return;
    const full = { ...event, time: clock.now(), runId } as RunEvent;
    listener(masker.value(full));
  };
  /** Secret input names of a workflow of the entry document or of an Arazzo source; none when unknown. */
  const secretInputsOf = (docKey: string, wf: string): readonly string[] => {
    try {
      return planFor(doc, docKey, wf).secretInputs;
    } catch {
      return [];
    }
  };
  const addSecretInputs = (wf: string, values: Record<string, unknown>): void => {
    // The frame just started is on top of the stack; its document may be another Arazzo source.
    const top = state?.frames[state.frames.length - 1];
    for (const name of secretInputsOf(top && top.wf === wf ? top.doc : '', wf)) addSecretValue(values[name]);
  };
  // A secret obtained at run time (a login's token) is a secret from then on, like a secret input:
  // outputs whose names look secret are masked wherever their values appear later (P21).
  const addSecretOutputs = (values: Record<string, unknown> | undefined): void => {
    for (const [name, v] of Object.entries(values ?? {})) if (isSecretName(name)) addSecretValue(v);
  };
  const addSecretValue = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number') masker.add(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) addSecretValue(x);
  };

  const startedAt = clock.now();
  if (options.resume !== undefined) {
    if (!isRunState(options.resume)) {
      throw new ArazzoError(
        'RESUME_STATE_INVALID',
        'RunOptions.resume is not a run state produced by this engine version (pass the value given to onCheckpoint or RunResult.state).',
      );
    }
    state = structuredClone(options.resume);
    if (state.workflowId !== workflowId) {
      throw new ArazzoError('RESUME_STATE_INVALID', `The resume state belongs to workflow "${state.workflowId}", not "${workflowId}".`);
    }
    runId = state.runId;
    // Unknown frames have no secret inputs here; they fail later with a clear error.
    for (const f of state.frames) for (const name of secretInputsOf(f.doc, f.wf)) addSecretValue(f.inputs[name]);
  } else {
    runId = randomUUID();
    for (const name of rootPlan.secretInputs) addSecretValue(inputs?.[name]);
    const check = rootPlan.validateInputs(inputs ?? {});
    if (!check.ok) {
      const error: RunErrorInfo = {
        code: 'INPUT_INVALID',
        message: masker.text(`Inputs of workflow "${workflowId}" are invalid: ${check.errors.join('; ')}. No request was sent.`),
        workflowId,
      };
      const failed = newRunState(runId, workflowId, inputs ?? {}, startedAt);
      failed.status = 'failed';
      failed.error = error;
      failed.frames = [];
      failed.outputs = {};
      emitRaw({ type: 'run.finished', workflowId, status: 'failed', outputs: {}, error, durationMs: 0 });
      return { workflowId, status: 'failed', outputs: {}, error, stepExecutions: 0, durationMs: 0, state: failed, ...(history ? { steps: history } : {}) };
    }
    state = newRunState(runId, workflowId, check.value, startedAt);
  }

  const rt: Runtime = {
    root: doc,
    maxSteps,
    ...(limits.timeoutMs !== undefined ? { timeoutMs: limits.timeoutMs } : {}),
    now: () => clock.now(),
    emit: emitRaw,
    recording: Boolean(history || listener),
    listening: listener !== undefined,
    record(rec) {
      addSecretOutputs(rec.outputs);
      if (history) history.push(masker.value(rec));
      if (listener) emitRaw({ type: 'step.finished', workflowId: rec.workflowId, stepId: rec.stepId, record: rec });
    },
  };

  const http = transportFor(options);
  const run = new AbortController();
  const onUserAbort = (): void => run.abort(cancelledError());
  if (options.signal) {
    if (options.signal.aborted) onUserAbort();
    else options.signal.addEventListener('abort', onUserAbort, { once: true });
  }
  let cancelRunTimer: () => void = () => undefined;
  const requestTimer = timeoutSlot(clock);
  let requestControl = new AbortController();
  run.signal.addEventListener('abort', () => requestControl.abort(run.signal.reason), { once: true });
  if (limits.timeoutMs !== undefined) {
    const remaining = Math.max(0, state.startedAt + limits.timeoutMs - clock.now());
    cancelRunTimer = startTimer(clock, remaining, () =>
      run.abort(new ArazzoError('RUN_TIMEOUT', runTimeoutError(limits.timeoutMs as number).message, { limit: limits.timeoutMs })),
    );
  }

  if (options.resume === undefined) {
    emitRaw({ type: 'run.started', workflowId, inputs: state.frames[0]?.inputs ?? {} });
    emitRaw({ type: 'workflow.started', workflowId, depth: 0, inputs: state.frames[0]?.inputs ?? {} });
  }

  const stopped = (): RunErrorInfo | undefined => {
    if (!run.signal.aborted) return undefined;
    const info = errorInfo(run.signal.reason);
    const top = state.frames[state.frames.length - 1];
    if (top) {
      const plan = planFor(doc, top.doc, top.wf);
      const step = plan.steps[top.index];
      return { ...info, workflowId: top.wf, ...(step ? { stepId: step.stepId } : {}) };
    }
    return info;
  };

  try {
    let effect: Effect = next(rt, state, { type: 'start' });
    if (options.resume !== undefined && effect.type === 'sleep') {
      // The checkpoint was taken with a wait pending: say so, with what is left of it.
      const top = state.frames[state.frames.length - 1];
      emitRaw({ type: 'delay.started', workflowId: top?.wf ?? workflowId, stepId: effect.stepId, ms: effect.ms, reason: top?.retry ? 'retry' : 'step-delay' });
    }
    while (effect.type !== 'done') {
      const stop = stopped();
      if (stop) {
        abortRun(rt, state, stop);
        break;
      }
      if (effect.type === 'sleep') {
        try {
          await clock.sleep(effect.ms, run.signal);
        } catch {
          abortRun(rt, state, stopped() ?? errorInfo(cancelledError()));
          break;
        }
        effect = next(rt, state, { type: 'slept' });
        continue;
      }
      const result = await execute(effect);
      const stopAfter = stopped();
      if (stopAfter) {
        abortRun(rt, state, stopAfter);
        break;
      }
      effect = next(rt, state, { type: 'executed', result });
      if (options.onCheckpoint) await options.onCheckpoint(structuredClone(state));
    }
  } finally {
    cancelRunTimer();
    requestTimer.dispose();
    options.signal?.removeEventListener('abort', onUserAbort);
  }

  const durationMs = clock.now() - state.startedAt;
  addSecretOutputs(state.outputs);
  const outputs = masker.value(state.outputs ?? {});
  const error = state.error ? masker.value(state.error) : undefined;
  const status = state.status === 'succeeded' ? 'succeeded' : 'failed';
  emitRaw({ type: 'run.finished', workflowId, status, outputs, ...(error ? { error } : {}), durationMs });
  return {
    workflowId,
    status,
    outputs,
    ...(error ? { error } : {}),
    ...(history ? { steps: history } : {}),
    stepExecutions: state.stepExecutions,
    durationMs,
    state,
  };

  async function execute(effect: Extract<Effect, { type: 'execute' }>): Promise<Executed> {
    const { step, ctx } = effect;
    const startedAt = clock.now();
    const op = step.operation;
    if (!op) {
      return { error: { code: 'STEP_TARGET_UNRESOLVED', message: `Step "${step.stepId}" has no resolvable operation.` }, startedAt, durationMs: 0 };
    }
    let built: BuiltRequest;
    try {
      const pending = buildRequest(step, ctx, { servers: options.servers, sourceLocation: effect.doc.sources.get(op.sourceName)?.location, masker });
      built = pending instanceof Promise ? await pending : pending;
    } catch (err) {
      const info = errorInfo(err);
      return { error: { code: info.code, message: masker.text(info.message) }, startedAt, durationMs: clock.now() - startedAt, method: op.method };
    }
    const req = built.request;
    let summary: RequestSummary | undefined;
    if (listener) {
      summary = {
        method: req.method,
        url: masker.text(req.url),
        headers: masker.headers(req.headers),
        ...(req.body !== undefined ? { body: typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('utf8') } : {}),
      };
      emitRaw({ type: 'request.sent', workflowId: effect.frame.wf, stepId: step.stepId, request: summary });
    }

    // Requests of a run are sequential, so one controller serves them all until something aborts it.
    if (requestControl.signal.aborted) requestControl = new AbortController();
    const reqAbort = requestControl;
    const stepTimeout = step.timeoutMs !== undefined && step.timeoutMs < requestTimeoutMs;
    let timeout = stepTimeout ? (step.timeoutMs as number) : requestTimeoutMs;
    // An enclosing workflow step with a 1.1 `timeout` cuts the request short; next() then fails that step.
    const outer = effect.deadline !== undefined && effect.deadline - startedAt < timeout;
    if (outer) timeout = Math.max(0, (effect.deadline as number) - startedAt);
    const cancelTimer = requestTimer.arm(timeout, () =>
      reqAbort.abort(
        outer
          ? new ArazzoError('STEP_TIMEOUT', `Step "${step.stepId}" was stopped: the workflow step running it exceeded its timeout.`, { limit: timeout })
          : stepTimeout
            ? new ArazzoError('STEP_TIMEOUT', `Step "${step.stepId}" exceeded its timeout of ${timeout} ms.`, { limit: timeout })
            : new ArazzoError(
                'HTTP_TIMEOUT',
                `${req.method} ${masker.text(req.url)} got no complete response within ${timeout} ms; raise limits.requestTimeoutMs if the API is slow.`,
                {
                  limit: timeout,
                },
              ),
      ),
    );
    try {
      const response = await http.send(req, { signal: reqAbort.signal, maxBodyBytes, followRedirects: options.followRedirects === true });
      const durationMs = clock.now() - startedAt;
      if (listener) {
        masker.addFromHeader('set-cookie', response.headers['set-cookie'] ?? '');
        emitRaw({
          type: 'response.received',
          workflowId: effect.frame.wf,
          stepId: step.stepId,
          request: summary as RequestSummary,
          response: { statusCode: response.statusCode, headers: masker.headers(response.headers), body: response.bodyText },
          durationMs,
          startedAt,
        });
      }
      return {
        url: req.url,
        method: req.method,
        request: built.view,
        response,
        responseView: responseView(response.headers, response.bodyText),
        startedAt,
        durationMs,
      };
    } catch (err) {
      const info = errorInfo(err);
      const error =
        info.limit !== undefined
          ? { code: info.code, message: masker.text(info.message), limit: info.limit }
          : { code: info.code, message: masker.text(info.message) };
      return { url: req.url, method: req.method, request: built.view, error, startedAt, durationMs: clock.now() - startedAt };
    } finally {
      cancelTimer();
    }
  }
}
