/**
 * The interpreter: the imperative shell around the pure core (`core/next.ts`). A `RunDriver` holds
 * what a run needs from the outside world (transport, clock, cancellation, the masker, the event
 * listener) and carries out the effects each transition asks for: it emits events (masked, in one
 * place), hands checkpoints to `onCheckpoint`, sends requests and sleeps, and turns each outcome
 * into the next event for the core. `runWorkflow` is the loop over those pieces; a queue worker can
 * drive the same pieces one step at a time, storing the state in between.
 */
import { randomUUID } from 'node:crypto';
import { Authenticator, type AuthorizeInput, type AuthRunContext, type Authorized } from '../auth/authenticator.js';
import { MAX_AUTH_RESPONSE_BYTES, type TokenTransport } from '../auth/oauth2.js';
import { prepareInputValidation } from '../compile/inputs.js';
import { checkedStep, checkError } from './checks.js';
import { type LoadedDocument, workflowPlan } from '../compile/loaded.js';
import type { MessageView } from '../expressions/types.js';
import { ArazzoError } from '../errors.js';
import { MESSAGE_MAX, truncateForMessage } from '../util/truncate.js';
import { startTimer, systemClock, timeoutSlot, type TimeoutSlot } from './clock.js';
import { createMachine, DEFAULT_MAX_DEPTH, DEFAULT_MAX_STEPS, type Machine } from './core/machine.js';
import { next } from './core/next.js';
import { runTimeoutError } from './core/guards.js';
import { waitingOn, type CoreEvent, type EventInput, type Executed, type SendEffect, type SleepEffect, type Transition } from './core/types.js';
import { isSecretName, Masker } from './mask.js';
import { baseUrlFor, buildRequest, responseView } from './request.js';
import { checkResumeState } from './resume.js';
import { frameAt, newRunState, stackOf, type RunState } from './state.js';
import { type TlsOptions, type TlsTransport, tlsTransport } from './tls.js';
import { AbortChannel, DEFAULT_MAX_BODY_BYTES, envProxyAgent, FetchHttpClient, proxyConfigured, UndiciHttpClient } from './transport.js';
import type {
  Clock,
  HttpClient,
  HttpRequest,
  HttpResponse,
  RequestSummary,
  RunErrorInfo,
  RunEvent,
  RunOptions,
  RunResult,
  RunWarning,
  SendOptions,
  StepRecord,
  CheckedStep,
  CheckFinding,
} from './types.js';

export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_STEPS } from './core/machine.js';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Run a workflow of a loaded document. Resolves with a RunResult (a failed workflow is a result,
 * not an exception); throws only for caller mistakes (unknown workflowId, a bad resume state or
 * limit).
 */
export function runWorkflow(doc: LoadedDocument, workflowId: string, inputs: Record<string, unknown> = {}, options: RunOptions = {}): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    // A caller mistake thrown here rejects the promise, as it would from an async function.
    const driver = new RunDriver(doc, workflowId, options);
    const loop = new RunLoop(driver, resolve, reject);
    (options.resume !== undefined ? driver.resume(options.resume) : driver.start(inputs)).then((first) => loop.step(first), loop.fail);
  });
}

/**
 * The run loop: perform a transition, advance with the event it gives back, until the run is over;
 * then close the driver and settle. A chain of callbacks rather than a loop in an async function,
 * so that a waiting run holds only its state and what it waits on, not the last transition's
 * events and response (an async function keeps the variables of its loop alive across each await,
 * and its generator for the whole run); and an object with its two handlers made once per run, so
 * that a step allocates no closure of its own.
 */
class RunLoop {
  /** The state the event awaited now applies to. */
  private state: RunState | undefined;

  constructor(
    private readonly driver: RunDriver,
    private readonly resolve: (result: RunResult) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  step(t: Transition): void {
    this.state = t.state;
    let pending: Promise<CoreEvent | undefined>;
    try {
      pending = this.driver.perform(t);
    } catch (err) {
      // A listener or onCheckpoint that throws ends the run with its error, as an await would.
      this.fail(err);
      return;
    }
    pending.then(this.onEvent, this.fail);
  }

  private readonly onEvent = (event: CoreEvent | undefined): void => {
    const state = this.state as RunState;
    if (event) {
      this.step(this.driver.advance(state, event));
      return;
    }
    let result: RunResult;
    try {
      result = this.driver.result(state);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.driver.close();
    this.resolve(result);
  };

  readonly fail = (err: unknown): void => {
    this.driver.close();
    this.reject(err);
  };
}

/** What `prepareFirstRequest` found: the first request (masked, not sent) and its step, or the run's end when there was none. */
export type FirstRequest = { readonly request: RequestSummary; readonly workflowId: string; readonly stepId: string } | { readonly result: RunResult };

/**
 * Step a run until its first request and return that request (masked) without sending it: the
 * CLI's `--dry-run`. A request that cannot be built (an unresolved parameter, P25) is a failed
 * step, as in a real run, and the run goes on to its next request or its end.
 */
export async function prepareFirstRequest(
  doc: LoadedDocument,
  workflowId: string,
  inputs: Record<string, unknown> = {},
  options: RunOptions = {},
): Promise<FirstRequest> {
  const driver = new RunDriver(doc, workflowId, options);
  try {
    let t = await driver.start(inputs);
    for (;;) {
      await driver.deliver(t);
      const wait = t.effects[t.effects.length - 1];
      if (t.state.status !== 'running' || !wait) return { result: driver.result(t.state) };
      let event: CoreEvent;
      if (wait.type === 'send') {
        const prepared = await driver.prepare(wait);
        if (prepared.ok) return { request: driver.summarize(prepared.request), workflowId: wait.workflowId, stepId: wait.step.stepId };
        event = { type: 'executed', now: driver.now(), result: prepared.failed };
      } else if (wait.type === 'sleep') event = (await driver.wait(wait)) ?? { type: 'woke', now: driver.now() };
      else return { result: driver.result(t.state) };
      t = driver.advance(t.state, event);
    }
  } finally {
    driver.close();
  }
}

/**
 * A run id unique across processes: a random prefix drawn once per process and a counter (a
 * UUID per run was a measurable share of short runs' allocations).
 */
function newRunId(): string {
  runCounter += 1;
  return `${RUN_ID_PREFIX}-${runCounter.toString(36)}`;
}
const RUN_ID_PREFIX = randomUUID();
let runCounter = 0;

/** The TLS transport of a run; TLS_CONFIG_INVALID with a transport of the caller's own. */
function tlsFor(options: RunOptions): TlsTransport {
  const own = options.http ? 'http' : options.fetch ? 'fetch' : options.dispatcher ? 'dispatcher' : undefined;
  if (own) {
    throw new ArazzoError(
      'TLS_CONFIG_INVALID',
      `RunOptions.tls cannot be combined with RunOptions.${own}: the engine cannot change the TLS settings of your transport. Configure TLS on it (an undici Agent's connect options), or drop ${own}.`,
    );
  }
  return tlsTransport(options.tls as TlsOptions, { proxyFromEnv: options.proxyFromEnv !== false });
}

/** Token and discovery requests of a dry run: answered here, so a dry run sends nothing (the header shows as `***` anyway). */
const DRY_RUN_TOKENS: TokenTransport = async (req) => {
  const body =
    req.method === 'GET' ? { token_endpoint: new URL('/token', req.url).toString() } : { access_token: 'dry-run-token-not-fetched', token_type: 'Bearer' };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: JSON.stringify(body) };
};

/**
 * The machines of each loaded document, one per set of limits and listening mode, shared by every
 * run with those (a machine holds no run data: it is the document and what is derived from it).
 * Building one per run, with its document scope, was a measurable share of short runs.
 */
const machines = new WeakMap<LoadedDocument, Machine[]>();

function machineFor(
  doc: LoadedDocument,
  maxSteps: number | undefined,
  timeoutMs: number | undefined,
  maxDepth: number | undefined,
  recording: boolean,
  listening: boolean,
): Machine {
  let list = machines.get(doc);
  if (list === undefined) {
    list = [];
    machines.set(doc, list);
  }
  const steps = maxSteps ?? DEFAULT_MAX_STEPS;
  const depth = maxDepth ?? DEFAULT_MAX_DEPTH;
  for (const m of list) {
    if (m.maxSteps === steps && m.timeoutMs === timeoutMs && m.maxDepth === depth && m.recording === recording && m.listening === listening) return m;
  }
  const machine = createMachine(doc, { maxSteps, timeoutMs, maxDepth, recording, listening });
  // A handful of limit sets per document at most; beyond that each run gets its own.
  if (list.length < 8) list.push(machine);
  return machine;
}

/** Pick the transport for a run from its options. */
function transportFor(options: RunOptions): HttpClient {
  if (options.http) return options.http;
  if (options.fetch) return new FetchHttpClient(options.fetch);
  if (options.dispatcher) {
    let client = clientsByDispatcher.get(options.dispatcher);
    if (client === undefined) {
      client = new UndiciHttpClient(options.dispatcher);
      clientsByDispatcher.set(options.dispatcher, client);
    }
    return client;
  }
  if (options.proxyFromEnv !== false && proxyConfigured()) return new UndiciHttpClient(envProxyAgent());
  return defaultClient;
}
/** Shared by every run without a transport of its own (it holds no run data). */
const defaultClient = new UndiciHttpClient();
/** One client per caller-supplied dispatcher, shared by the runs that pass it (a client holds no run data). */
const clientsByDispatcher = new WeakMap<NonNullable<RunOptions['dispatcher']>, UndiciHttpClient>();

/** An error as a run reports it; its message bounded, whoever built it (a transport, an authenticator). */
function errorInfo(err: unknown): RunErrorInfo {
  if (err instanceof ArazzoError) {
    const info: { -readonly [K in keyof RunErrorInfo]: RunErrorInfo[K] } = { code: err.code, message: truncateForMessage(err.message, MESSAGE_MAX) };
    if (typeof err.details?.limit === 'number') info.limit = err.details.limit;
    return info;
  }
  return { code: 'INTERNAL_ERROR', message: `Internal engine error: ${truncateForMessage(String((err as Error)?.message ?? err))}` };
}

function cancelledError(): ArazzoError {
  return new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.');
}

/** A request built for a send effect (not sent yet), or the failed execution when it could not be built. */
export type PreparedRequest =
  | { readonly ok: true; readonly request: HttpRequest; readonly view: MessageView; readonly startedAt: number }
  | { readonly ok: false; readonly failed: Executed };

/**
 * Carries out the effects of one run. Build it, call `start` (or `resume`), then repeatedly
 * `perform` the transition and feed the event it returns to `advance`, until `perform` returns
 * undefined; then `result`, and `close` in any case. The pieces of `perform` (`deliver`, `send`,
 * `wait`) are public for drivers that carry out waits their own way (a queue that turns a long
 * sleep into a delayed job).
 */
export class RunDriver {
  readonly machine: Machine;
  private readonly clock: Clock;
  private readonly http: HttpClient;
  private readonly history: StepRecord[] | undefined;
  /** The run's `warning` events, for RunResult.warnings (none: undefined). */
  private warnings: RunWarning[] | undefined;
  private readonly requestTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private masker: Masker | undefined;
  private runId = '';
  private durationMs: number | undefined;
  /** Set once the run is cancelled or timed out; the next event the driver returns is a stop. */
  private stopError: ArazzoError | undefined;
  /** Aborts a sleep or a request on a transport of the caller's; replaced once aborted. */
  private control: AbortController | undefined;
  /** Aborts a request on the built-in undici transport (far cheaper than an AbortController); replaced once aborted. */
  private channel: AbortChannel | undefined;
  /** What aborts the request in flight. */
  private inflightAbort: { abort(reason: unknown): void } | undefined;
  private requestTimer: TimeoutSlot | undefined;
  private lastSendOptions: SendOptions | undefined;
  private lastBuildOptions: Parameters<typeof buildRequest>[2] | undefined;
  private lastBuildDoc: LoadedDocument | undefined;
  private lastBuildSource = '';
  private inflightReason: 'outer' | 'step' | 'request' = 'request';
  private inflightTimeout = 0;
  private inflightEffect: SendEffect | undefined;
  private inflightPrepared: PreparedRequest | undefined;
  private inflightSummary: RequestSummary | undefined;
  private inflightAsEvent = false;
  /** The step being checked (`RunOptions.checks`), from its request to its response. */
  private inflightChecked: CheckedStep | undefined;
  /** The response check waits: a 401 the authenticator may retry with a fresh token is not the step's response yet. */
  private inflightMayRetry = false;
  /** Every finding of the run's checks, in order. */
  private findings: CheckFinding[] | undefined;
  /**
   * The `response.received` of the request that just finished, emitted with the next transition's
   * events: by then the secret-named outputs it delivered (a login's token) are known, so the
   * response that carried them is masked too.
   */
  private pendingResponse: EventInput | undefined;
  /** The `check.failed` events of that response's checks, emitted after it. */
  private pendingChecks: EventInput[] | undefined;
  private cancelRunTimer: (() => void) | undefined;
  /** Listens to `RunOptions.signal` (made only when there is one). */
  private onUserAbort: (() => void) | undefined;
  /** RunOptions.tls, when given. */
  private readonly tls: TlsTransport | undefined;
  /** Applies credentials (docs/auth.md): made at once with RunOptions.auth, else for the first step with x-security. */
  private auth: Authenticator | undefined;
  /** prepare()'s authenticator: stand-in tokens, never shared. */
  private dryAuth: Authenticator | undefined;

  constructor(
    readonly doc: LoadedDocument,
    readonly workflowId: string,
    private readonly options: RunOptions = {},
  ) {
    if (!workflowPlan(doc, workflowId)) {
      const known = [...doc.workflows.keys()].join(', ') || 'none';
      throw new ArazzoError('WORKFLOW_NOT_FOUND', `Workflow "${workflowId}" is not in ${doc.location} (workflows: ${known}).`, { workflowId });
    }
    const limits = options.limits ?? {};
    const maxDepth = limits.maxDepth;
    if (maxDepth !== undefined && !(Number.isSafeInteger(maxDepth) && maxDepth >= 1)) {
      throw new ArazzoError('LIMITS_INVALID', `limits.maxDepth must be a whole number of at least 1, not ${String(maxDepth)}.`, { option: 'limits.maxDepth' });
    }
    this.clock = options.clock ?? systemClock;
    this.tls = options.tls ? tlsFor(options) : undefined;
    this.http = this.tls ? this.tls.http : transportFor(options);
    this.history = options.history ? [] : undefined;
    this.requestTimeoutMs = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxBodyBytes = limits.maxResponseBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.machine = machineFor(doc, limits.maxSteps, limits.timeoutMs, maxDepth, Boolean(this.history || options.onEvent), options.onEvent !== undefined);
    for (const s of options.secrets ?? []) this.add(s);
    // Every credential is a secret from the start, before anything is built or sent.
    if (options.auth) this.authenticator();
  }

  /** Clock time now. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Begin a new run (its inputs are validated by the first transition, P19). Asynchronous once per
   * process: input validation loads ajv on first use.
   */
  async start(inputs: Record<string, unknown> = {}, runId: string = newRunId()): Promise<Transition> {
    const ready = prepareInputValidation(this.doc);
    if (ready !== undefined) await ready;
    const now = this.clock.now();
    for (const name of this.machine.plan('', this.workflowId).secretInputs) this.addSecretValue(inputs?.[name]);
    this.begin(runId, now);
    return next(this.machine, newRunState(runId, this.workflowId, inputs ?? {}, now), { type: 'start', now });
  }

  /** Continue a run from a checkpoint (`onCheckpoint`, `RunResult.state`, or the JSON of either). */
  async resume(value: unknown): Promise<Transition> {
    const state = await checkResumeState(value, this.machine, this.workflowId);
    await prepareInputValidation(this.doc);
    // The secrets the run knew: secret inputs of every running workflow, secret-looking outputs.
    for (const f of stackOf(state)) {
      for (const name of this.machine.plan(f.doc, f.wf).secretInputs) this.addSecretValue(f.inputs[name]);
      for (const outputs of Object.values(f.steps)) this.addSecretOutputs(outputs);
    }
    for (const w of Object.values(state.workflows)) this.addSecretOutputs(w.outputs);
    this.begin(state.runId, state.startedAt);
    return next(this.machine, state, { type: 'resume', now: this.clock.now() });
  }

  /** Apply an event to the state: the pure transition. */
  advance(state: RunState, event: CoreEvent): Transition {
    return next(this.machine, state, event);
  }

  /**
   * Carry out a transition's effects: emit its events, hand out its checkpoint, then send the
   * request or take the sleep it waits on. Returns the event to feed to `advance`, or undefined
   * once the run is over.
   */
  perform(t: Transition): Promise<CoreEvent | undefined> {
    const pending = this.carryOut(t);
    const wait = t.state.status === 'running' ? waitingOn(t) : undefined;
    return pending ? pending.then(() => this.waitOn(wait)) : this.waitOn(wait);
  }

  /**
   * Send the request or take the sleep the run waits on (holding nothing else of the transition).
   * Promise chains with handlers made once per run, not async functions: a request then costs
   * no generator, closure or extra promise of ours.
   */
  private waitOn(wait: SendEffect | SleepEffect | undefined): Promise<CoreEvent | undefined> {
    if (wait === undefined) return NOTHING;
    if (this.stopError) return Promise.resolve(this.stopEvent());
    if (wait.type === 'sleep') return this.sleepFor(wait);
    const prepared = this.build(wait);
    if (prepared instanceof Promise) return prepared.then((p) => this.sendPrepared(wait, p));
    return this.sendPrepared(wait, prepared);
  }

  private async sleepFor(wait: SleepEffect): Promise<CoreEvent> {
    try {
      await this.clock.sleep(wait.ms, this.signal());
    } catch {
      return this.stopEvent();
    }
    return this.stopError ? this.stopEvent() : { type: 'woke', now: this.clock.now() };
  }

  private sendPrepared(effect: SendEffect, prepared: PreparedRequest): Promise<CoreEvent> {
    if (!prepared.ok) return Promise.resolve(this.executedEvent(prepared.failed));
    if (this.auth !== undefined || effect.step.security !== undefined) return this.sendAuthorized(effect, prepared).then((r) => this.executedEvent(r));
    const refused = this.options.checks ? this.checkRequest(effect, prepared) : undefined;
    if (refused) return Promise.resolve(this.executedEvent(refused));
    return this.transmit(effect, prepared, true) as Promise<CoreEvent>;
  }

  /**
   * `RunOptions.checks` before the request goes out (with its credentials): its findings reported;
   * the failed execution when one is at level error (the request is then not sent).
   */
  private checkRequest(effect: SendEffect, prepared: PreparedRequest & { ok: true }): Executed | undefined {
    const checks = this.options.checks as NonNullable<RunOptions['checks']>;
    this.inflightChecked = checkedStep(effect.step, effect.workflowId, effect.document);
    this.inflightMayRetry = false;
    if (!this.inflightChecked || !checks.request) return undefined;
    const { request: req, view, startedAt } = prepared;
    const error = this.reportChecks('request', this.inflightChecked, checks.request(this.inflightChecked, req, view));
    return error ? { url: req.url, method: req.method, request: view, error, startedAt, durationMs: this.clock.now() - startedAt } : undefined;
  }

  /** `RunOptions.checks` on a response: its findings reported; the step's error when one is at level error. */
  private checkResponse(checked: CheckedStep, result: Executed): Executed {
    const checks = this.options.checks as NonNullable<RunOptions['checks']>;
    const { response } = result;
    if (!checks.response || !response) return result;
    const request = (this.inflightPrepared as (PreparedRequest & { ok: true }) | undefined)?.request;
    const sent = request ?? { method: result.method ?? 'GET', url: result.url ?? '', headers: {} };
    const error = this.reportChecks('response', checked, checks.response(checked, sent, response, result.responseView));
    return error ? { ...result, error } : result;
  }

  /** A check hook's findings: each a `check.failed` event and a line of the result; the step's error when one is at level error. */
  private reportChecks(kind: 'request' | 'response', step: CheckedStep, found: readonly CheckFinding[] | undefined): Executed['error'] {
    if (!found || found.length === 0) return undefined;
    for (const finding of found) {
      (this.findings ??= []).push(finding);
      const event: EventInput = { type: 'check.failed', workflowId: step.workflowId, stepId: step.stepId, finding };
      // A response's findings follow its response.received, which waits for the step's outputs.
      if (this.pendingResponse !== undefined) (this.pendingChecks ??= []).push(event);
      else this.emitNow(event);
    }
    const error = checkError(kind, step, found);
    return error ? { code: error.code, message: this.maskText(error.message) } : undefined;
  }

  /** The event that reports a send effect's outcome (or the stop that came meanwhile). */
  private executedEvent(result: Executed): CoreEvent {
    return this.stopError ? this.stopEvent() : { type: 'executed', now: result.startedAt + result.durationMs, result };
  }

  /** Carry out the emit and checkpoint effects of a transition (not what it waits on). */
  async deliver(t: Transition): Promise<void> {
    await this.carryOut(t);
  }

  /** The emits and checkpoints of a transition; a promise only when `onCheckpoint` returned one. */
  private carryOut(t: Transition): Promise<void> | undefined {
    const effects = t.effects;
    if (this.pendingResponse !== undefined) this.emitPendingResponse(effects);
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i] as (typeof effects)[number];
      if (effect.type === 'emit') this.emit(effect.event, t.state);
      else if (effect.type === 'checkpoint' && this.options.onCheckpoint) {
        const done = this.options.onCheckpoint(t.state);
        if (done && typeof done.then === 'function') return done.then(() => this.carryOut({ state: t.state, effects: effects.slice(i + 1) }));
      }
    }
    return undefined;
  }

  /** Take a sleep effect; a stop event when the run was cancelled or timed out meanwhile. */
  async wait(effect: SleepEffect): Promise<CoreEvent | undefined> {
    if (this.stopError) return this.stopEvent();
    try {
      await this.clock.sleep(effect.ms, this.signal());
    } catch {
      return this.stopEvent();
    }
    return this.stopError ? this.stopEvent() : undefined;
  }

  /** Build and send a step's request: the outcome to report in an `executed` event. */
  async send(effect: SendEffect): Promise<Executed> {
    const prepared = await this.build(effect);
    if (!prepared.ok) return prepared.failed;
    if (this.auth !== undefined || effect.step.security !== undefined) return this.sendAuthorized(effect, prepared);
    const refused = this.options.checks ? this.checkRequest(effect, prepared) : undefined;
    return refused ?? (this.transmit(effect, prepared, false) as Promise<Executed>);
  }

  /**
   * Build a step's request without sending it (P25 and parameter checks fail here), with its
   * credentials; an OAuth2 token is not fetched (nothing is sent), the header shows masked.
   */
  async prepare(effect: SendEffect): Promise<PreparedRequest> {
    const prepared = await this.build(effect);
    if (!prepared.ok || (this.auth === undefined && effect.step.security === undefined)) return prepared;
    const input = this.authInput(effect, prepared, DRY_RUN_TOKENS);
    try {
      // Its own token cache: the stand-in token must never reach a real run given the same credentials.
      this.dryAuth ??= new Authenticator({ ...this.authContext(), isolated: true });
      const authorized = await this.dryAuth.authorize(input);
      return { ok: true, request: authorized.request, view: authorized.view, startedAt: prepared.startedAt };
    } catch (err) {
      return { ok: false, failed: this.authFailed(err, prepared) };
    }
  }

  // ---------------------------------------------------------------- authentication

  private authenticator(): Authenticator {
    this.auth ??= new Authenticator(this.authContext());
    return this.auth;
  }

  private authContext(): AuthRunContext {
    return {
      credentials: this.options.auth,
      secrets: this,
      now: () => this.clock.now(),
      ...(this.tls ? { clientCertificate: (source: string) => (this.tls as TlsTransport).clientCertificate(source) } : {}),
    };
  }

  /** What the authenticator needs for a step's built request. */
  private authInput(effect: SendEffect, prepared: PreparedRequest & { ok: true }, send: TokenTransport): AuthorizeInput {
    const { step } = effect;
    const op = step.operation as NonNullable<typeof step.operation>;
    const source = effect.document.sources.get(op.sourceName);
    return {
      stepId: step.stepId,
      operation: op,
      schemes: source?.kind === 'openapi' ? source.securitySchemes : undefined,
      xSecurity: step.security,
      request: prepared.request,
      view: prepared.view,
      context: effect.context,
      baseUrl: () => baseUrlFor(op, this.options.servers, source?.location),
      send,
    };
  }

  /**
   * Send a request with its credentials. After a 401 to a fetched OAuth2 token, a fresh token is
   * fetched and the step is sent once more (both exchanges are in the event stream).
   */
  private async sendAuthorized(effect: SendEffect, prepared: PreparedRequest & { ok: true }): Promise<Executed> {
    const source = (effect.step.operation as NonNullable<typeof effect.step.operation>).sourceName;
    const input = this.authInput(effect, prepared, (req) => this.sendTokenRequest(req, source, this.requestTimeout(effect, this.clock.now()).ms));
    let authorized: Authorized;
    try {
      authorized = await this.authenticator().authorize(input);
    } catch (err) {
      return this.authFailed(err, prepared);
    }
    const withCredentials = { ...prepared, request: authorized.request, view: authorized.view };
    const refused = this.options.checks ? this.checkRequest(effect, withCredentials) : undefined;
    if (refused) return refused;
    const checked = this.inflightChecked;
    this.inflightMayRetry = authorized.fetched.length > 0;
    const first = (await this.transmit(effect, withCredentials, false)) as Executed;
    this.inflightMayRetry = false;
    // A 401 held back from the response check (see onResponse) is the step's response unless retried.
    const unchecked = checked && first.response?.statusCode === 401 && authorized.fetched.length > 0;
    const firstChecked = (): Executed => (unchecked ? this.checkResponse(checked, first) : first);
    if (first.response?.statusCode !== 401 || authorized.fetched.length === 0 || this.stopError) return firstChecked();
    let again: Authorized | undefined;
    try {
      again = await this.authenticator().reauthorize(input, authorized);
    } catch (err) {
      return this.authFailed(err, prepared);
    }
    if (!again) return firstChecked();
    const retry = { ok: true as const, request: again.request, view: again.view, startedAt: this.clock.now() };
    if (checked) this.inflightChecked = checked;
    return this.transmit(effect, retry, false) as Promise<Executed>;
  }

  /** A step whose credentials could not be had: the failure names its request. */
  private authFailed(err: unknown, prepared: PreparedRequest & { ok: true }): Executed {
    const info = errorInfo(err);
    const { request, view, startedAt } = prepared;
    return {
      url: request.url,
      method: request.method,
      request: view,
      error: { code: info.code, message: this.maskText(info.message) },
      startedAt,
      durationMs: this.clock.now() - startedAt,
    };
  }

  /** A token or discovery request: the run's transport and cancellation, a timeout, no events (no token reaches a trace). */
  private async sendTokenRequest(req: HttpRequest, source: string, timeout: number): Promise<HttpResponse> {
    const timer = new AbortController();
    const cancel = startTimer(this.clock, timeout, () =>
      timer.abort(
        new ArazzoError('HTTP_TIMEOUT', `${req.method} ${this.maskText(req.url)} got no complete response within ${timeout} ms.`, { limit: timeout }),
      ),
    );
    try {
      return await this.http.send(req, { signal: AbortSignal.any([this.signal(), timer.signal]), maxBodyBytes: MAX_AUTH_RESPONSE_BYTES, source });
    } finally {
      cancel();
    }
  }

  /** The time a request may take: the request timeout, cut by the step's 1.1 timeout or an enclosing workflow step's deadline. */
  private requestTimeout(effect: SendEffect, startedAt: number): { ms: number; reason: 'outer' | 'step' | 'request' } {
    const { step } = effect;
    const stepTimeout = step.timeoutMs !== undefined && step.timeoutMs < this.requestTimeoutMs;
    let ms = stepTimeout ? (step.timeoutMs as number) : this.requestTimeoutMs;
    const outer = effect.deadline !== undefined && effect.deadline - startedAt < ms;
    if (outer) ms = Math.max(0, (effect.deadline as number) - startedAt);
    return { ms, reason: outer ? 'outer' : stepTimeout ? 'step' : 'request' };
  }

  /** Build a step's request; synchronous unless the body needs replacements loaded on demand. */
  private build(effect: SendEffect): PreparedRequest | Promise<PreparedRequest> {
    const { step } = effect;
    const startedAt = this.clock.now();
    const op = step.operation;
    if (!op) {
      return {
        ok: false,
        failed: { error: { code: 'STEP_TARGET_UNRESOLVED', message: `Step "${step.stepId}" has no resolvable operation.` }, startedAt, durationMs: 0 },
      };
    }
    try {
      const built = buildRequest(step, effect.context, this.buildOptions(effect.document, op.sourceName));
      if (built instanceof Promise) {
        return built.then(
          (b): PreparedRequest => ({ ok: true, request: b.request, view: b.view, startedAt }),
          (err: unknown) => this.buildFailed(err, startedAt, op.method),
        );
      }
      return { ok: true, request: built.request, view: built.view, startedAt };
    } catch (err) {
      return this.buildFailed(err, startedAt, op.method);
    }
  }

  /** What buildRequest needs for an operation of `doc`'s source `sourceName`: one object while they stay the same. */
  private buildOptions(doc: LoadedDocument, sourceName: string): Parameters<typeof buildRequest>[2] {
    let options = this.lastBuildOptions;
    if (options === undefined || this.lastBuildDoc !== doc || this.lastBuildSource !== sourceName) {
      options = { servers: this.options.servers, sourceLocation: doc.sources.get(sourceName)?.location, masker: this };
      this.lastBuildOptions = options;
      this.lastBuildDoc = doc;
      this.lastBuildSource = sourceName;
    }
    return options;
  }

  private buildFailed(err: unknown, startedAt: number, method: string): PreparedRequest {
    const info = errorInfo(err);
    return {
      ok: false,
      failed: { error: { code: info.code, message: this.maskText(info.message) }, startedAt, durationMs: this.clock.now() - startedAt, method },
    };
  }

  /** A request as events show it (masked). */
  summarize(req: HttpRequest): RequestSummary {
    return {
      method: req.method,
      url: this.maskText(req.url),
      headers: (this.masker ?? NO_SECRETS).headers(req.headers),
      ...(req.body !== undefined ? { body: this.maskText(typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('utf8')) } : {}),
    };
  }

  /** Send a built request, bounded by the request timeout, the step's 1.1 `timeout` and an enclosing workflow step's. */
  /** Resolves with the Executed outcome, or with the event that reports it when `asEvent`. */
  private transmit(effect: SendEffect, prepared: PreparedRequest & { ok: true }, asEvent: boolean): Promise<Executed | CoreEvent> {
    const { step } = effect;
    const { request: req, startedAt } = prepared;
    let summary: RequestSummary | undefined;
    if (this.options.onEvent !== undefined) {
      // The same step sent again (a fresh OAuth2 token after a 401): its first response comes first.
      if (this.pendingResponse !== undefined) this.emitPendingResponse(NO_EFFECTS);
      summary = this.summarize(req);
      this.emitNow({ type: 'request.sent', workflowId: effect.workflowId, stepId: step.stepId, request: summary });
    }
    const sendOptions = this.sendOptions((step.operation as NonNullable<typeof step.operation>).sourceName);
    // An enclosing workflow step with a 1.1 `timeout` cuts the request short; the core then fails that step.
    const { ms: timeout, reason } = this.requestTimeout(effect, startedAt);
    // The request in flight, read by the handlers below (requests of a run are sequential: no
    // closure per request).
    this.inflightReason = reason;
    this.inflightTimeout = timeout;
    this.inflightEffect = effect;
    this.inflightPrepared = prepared;
    this.inflightSummary = summary;
    this.inflightAsEvent = asEvent;
    this.requestTimer ??= timeoutSlot(this.clock);
    this.requestTimer.arm(timeout, this.onRequestTimeout);
    let sent: Promise<HttpResponse>;
    try {
      sent = this.http.send(req, sendOptions);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(this.onResponse, this.onSendError);
  }

  private readonly onResponse = (response: HttpResponse): Executed | CoreEvent => {
    (this.requestTimer as TimeoutSlot).disarm();
    const effect = this.inflightEffect as SendEffect;
    const { request: req, view, startedAt } = this.inflightPrepared as PreparedRequest & { ok: true };
    const durationMs = this.clock.now() - startedAt;
    if (this.options.onEvent !== undefined) {
      if (response.headers['set-cookie'] !== undefined) this.secrets().addFromHeader('set-cookie', response.headers['set-cookie']);
      this.pendingResponse = {
        type: 'response.received',
        workflowId: effect.workflowId,
        stepId: effect.step.stepId,
        request: this.inflightSummary as RequestSummary,
        response: { statusCode: response.statusCode, headers: (this.masker ?? NO_SECRETS).headers(response.headers), body: response.bodyText },
        durationMs,
        startedAt,
      };
    }
    const result: Executed = {
      url: req.url,
      method: req.method,
      request: view,
      response,
      responseView: responseView(response.headers, response.bodyText),
      startedAt,
      durationMs,
    };
    const checked = this.inflightChecked;
    if (checked && !(this.inflightMayRetry && response.statusCode === 401)) {
      this.inflightChecked = undefined;
      return this.inflightDone(this.checkResponse(checked, result));
    }
    return this.inflightDone(result);
  };

  private readonly onSendError = (err: unknown): Executed | CoreEvent => {
    (this.requestTimer as TimeoutSlot).disarm();
    const { request: req, view, startedAt } = this.inflightPrepared as PreparedRequest & { ok: true };
    const info = errorInfo(err);
    const error =
      info.limit !== undefined
        ? { code: info.code, message: this.maskText(info.message), limit: info.limit }
        : { code: info.code, message: this.maskText(info.message) };
    return this.inflightDone({ url: req.url, method: req.method, request: view, error, startedAt, durationMs: this.clock.now() - startedAt });
  };

  private inflightDone(result: Executed): Executed | CoreEvent {
    this.inflightEffect = undefined;
    this.inflightChecked = undefined;
    this.inflightPrepared = undefined;
    this.inflightSummary = undefined;
    return this.inflightAsEvent ? this.executedEvent(result) : result;
  }

  /** The request in flight ran out of time: abort it with the error that says which limit it hit. */
  private readonly onRequestTimeout = (): void => {
    const timeout = this.inflightTimeout;
    const stepId = this.inflightEffect?.step.stepId;
    const req = this.inflightPrepared?.ok ? this.inflightPrepared.request : undefined;
    this.inflightAbort?.abort(
      this.inflightReason === 'outer'
        ? new ArazzoError('STEP_TIMEOUT', `Step "${stepId}" was stopped: the workflow step running it exceeded its timeout.`, { limit: timeout })
        : this.inflightReason === 'step'
          ? new ArazzoError('STEP_TIMEOUT', `Step "${stepId}" exceeded its timeout of ${timeout} ms.`, { limit: timeout })
          : new ArazzoError(
              'HTTP_TIMEOUT',
              `${req?.method} ${this.maskText(truncateForMessage(req?.url ?? ''))} got no complete response within ${timeout} ms; raise limits.requestTimeoutMs if the API is slow.`,
              { limit: timeout },
            ),
    );
  };

  /** The transport options: one object while the run's abort channel and the source stay the same. */
  private sendOptions(source: string): SendOptions {
    let signal: AbortSignal;
    if (this.http instanceof UndiciHttpClient) {
      let channel = this.channel;
      if (!channel || channel.aborted) {
        channel = new AbortChannel();
        this.channel = channel;
        if (this.stopError) channel.abort(this.stopError);
      }
      this.inflightAbort = channel;
      signal = channel as unknown as AbortSignal;
    } else {
      signal = this.signal();
      this.inflightAbort = this.control;
    }
    let options = this.lastSendOptions;
    if (options === undefined || options.signal !== signal || options.source !== source) {
      // `source` picks the per-source TLS settings (RunOptions.tls.sources).
      options = { signal, maxBodyBytes: this.maxBodyBytes, followRedirects: this.options.followRedirects === true, source };
      this.lastSendOptions = options;
    }
    return options;
  }

  /**
   * The run's result. Its outputs are what the caller asked for, so they are given as they are,
   * secrets included; everything else is masked (P21), with every secret the run learnt, the
   * secret-named final outputs included.
   */
  result(state: RunState): RunResult {
    const durationMs = this.durationMs ?? this.clock.now() - state.startedAt;
    this.addSecretOutputs(state.outputs);
    const outputs = state.outputs ?? {};
    const error = state.error ? this.mask(state.error) : undefined;
    return {
      workflowId: this.workflowId,
      status: state.status === 'succeeded' ? 'succeeded' : 'failed',
      outputs,
      ...(error ? { error } : {}),
      ...(this.history ? { steps: this.history } : {}),
      ...(this.warnings ? { warnings: this.warnings } : {}),
      stepExecutions: state.stepExecutions,
      durationMs,
      state,
      ...(this.findings ? { checks: this.mask(this.findings) } : {}),
    };
  }

  /** Release the run's timers and its listener on `RunOptions.signal`. */
  close(): void {
    this.cancelRunTimer?.();
    this.cancelRunTimer = undefined;
    this.requestTimer?.dispose();
    if (this.onUserAbort) this.options.signal?.removeEventListener('abort', this.onUserAbort);
  }

  // ---------------------------------------------------------------- cancellation

  /** Arm cancellation for a run that started at `startedAt`: `RunOptions.signal` and the run timeout. */
  private begin(runId: string, startedAt: number): void {
    this.runId = runId;
    const { signal } = this.options;
    if (signal) {
      this.onUserAbort = () => this.stop(cancelledError());
      if (signal.aborted) this.onUserAbort();
      else signal.addEventListener('abort', this.onUserAbort, { once: true });
    }
    const timeoutMs = this.machine.timeoutMs;
    if (timeoutMs !== undefined) {
      const remaining = Math.max(0, startedAt + timeoutMs - this.clock.now());
      this.cancelRunTimer = startTimer(this.clock, remaining, () =>
        this.stop(new ArazzoError('RUN_TIMEOUT', runTimeoutError(timeoutMs).message, { limit: timeoutMs })),
      );
    }
  }

  private stop(error: ArazzoError): void {
    if (this.stopError) return;
    this.stopError = error;
    this.control?.abort(error);
    this.channel?.abort(error);
  }

  private stopEvent(): CoreEvent {
    return { type: 'stop', now: this.clock.now(), error: errorInfo(this.stopError ?? cancelledError()) };
  }

  /** The signal for the next wait: one controller per run, replaced once something aborted it. */
  private signal(): AbortSignal {
    let control = this.control;
    if (!control || control.signal.aborted) {
      control = new AbortController();
      this.control = control;
      if (this.stopError) control.abort(this.stopError);
    }
    return control.signal;
  }

  // ---------------------------------------------------------------- events and secrets

  private emit(event: EventInput, state: RunState): void {
    switch (event.type) {
      case 'workflow.started': {
        // The frame that started is at index `depth` unless it already finished in this transition;
        // then it belongs to the same document as its caller, the common case.
        const frame = frameAt(state, event.depth);
        const doc = frame && frame.wf === event.workflowId ? frame.doc : '';
        let names: readonly string[] = [];
        try {
          names = this.machine.plan(doc, event.workflowId).secretInputs;
        } catch {
          names = [];
        }
        for (const name of names) this.addSecretValue(event.inputs[name]);
        break;
      }
      case 'step.finished':
        this.addSecretOutputs(event.record.outputs);
        if (this.history) this.history.push(this.mask(event.record));
        break;
      case 'workflow.finished':
        this.addSecretOutputs(event.outputs);
        break;
      case 'run.finished':
        this.addSecretOutputs(event.outputs);
        this.durationMs = event.durationMs;
        break;
      case 'warning': {
        const { type: _type, ...warning } = event;
        (this.warnings ??= []).push(this.mask(warning));
        break;
      }
    }
    this.emitNow(event);
  }

  /** The last response, masked with the secrets its step's outputs revealed (they are in this transition's step record). */
  private emitPendingResponse(effects: Transition['effects']): void {
    const event = this.pendingResponse as EventInput;
    this.pendingResponse = undefined;
    for (const effect of effects) {
      if (effect.type === 'emit' && effect.event.type === 'step.finished') this.addSecretOutputs(effect.event.record.outputs);
    }
    this.emitNow(event);
    const checks = this.pendingChecks;
    if (checks !== undefined) {
      this.pendingChecks = undefined;
      for (const check of checks) this.emitNow(check);
    }
  }

  private emitNow(event: EventInput): void {
    const listener = this.options.onEvent;
    if (!listener) return;
    listener(this.mask({ ...event, time: this.clock.now(), runId: this.runId } as RunEvent));
  }

  /** The masker, created when the run learns its first secret. */
  private secrets(): Masker {
    this.masker ??= new Masker();
    return this.masker;
  }

  /**
   * Every secret value the run knows so far, as text: its secret inputs and credentials, the
   * secret-named outputs it obtained, the secret parts of headers it sent or received (a queue
   * worker seals them all in the checkpoints it stores).
   */
  secretValues(): string[] {
    return this.masker ? [...this.masker.values()] : [];
  }

  private mask<T>(value: T): T {
    return this.masker ? this.masker.value(value) : value;
  }

  private maskText(text: string): string {
    return this.masker ? this.masker.text(text) : text;
  }

  /** A secret value (buildRequest reports credentials here). */
  add(value: unknown): void {
    if ((typeof value === 'string' && value.length >= 3) || typeof value === 'number' || typeof value === 'bigint') this.secrets().add(value);
  }

  /** The secret parts of a header value (buildRequest reports Authorization and cookies here). */
  addFromHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie' || lower === 'set-cookie') this.secrets().addFromHeader(name, value);
  }

  private addSecretValue(v: unknown): void {
    if (typeof v === 'string' || typeof v === 'number') this.add(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) this.addSecretValue(x);
  }

  /** A secret obtained at run time (a login's token) is a secret from then on (P21). */
  private addSecretOutputs(values: Readonly<Record<string, unknown>> | undefined): void {
    if (!values) return;
    for (const name in values) if (isSecretName(name)) this.addSecretValue(values[name]);
  }
}

const NOTHING: Promise<undefined> = Promise.resolve(undefined);
const NO_EFFECTS: Transition['effects'] = [];

/** Masks only what is secret by name (Authorization, Cookie headers): for a run that knows no secret yet. Never added to. */
const NO_SECRETS = new Masker();
