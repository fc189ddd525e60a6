/**
 * Contracts of the execution engine: the transport and clock interfaces (effects), the event
 * stream, run options and the run result.
 */
import type { Dispatcher } from 'undici';
import type { AuthCredentials } from '../auth/types.js';
import type { LoadedDocument } from '../compile/loaded.js';
import type { CheckName } from '../document/checks-extension.js';
import type { ErrorCode } from '../error-codes.js';
import type { MessageView } from '../expressions/types.js';
import type { HttpRequest, HttpResponse } from '../http/types.js';
import type { OperationInfo } from '../sources/types.js';
import type { RunState } from './state.js';
import type { TlsOptions } from './tls.js';

// ---------------------------------------------------------------- effects

/** The HTTP messages (`src/http/types.ts`), with the transport that exchanges them. */
export type { HttpRequest, HttpResponse } from '../http/types.js';

export interface SendOptions {
  readonly signal?: AbortSignal;
  /** Abort with HTTP_TIMEOUT after this many ms (measured by the transport's own timers). */
  readonly timeoutMs?: number;
  /** Abort with HTTP_BODY_TOO_LARGE once the body exceeds this many bytes. */
  readonly maxBodyBytes?: number;
  /** Follow redirects (default false). */
  readonly followRedirects?: boolean;
  /** The source description the request belongs to: picks its per-source TLS settings (RunOptions.tls.sources). */
  readonly source?: string;
}

/**
 * The transport. Transport failures reject with an ArazzoError whose code is one of
 * HTTP_CONNECTION, HTTP_TIMEOUT, HTTP_BODY_TOO_LARGE, RUN_CANCELLED.
 */
export interface HttpClient {
  send(request: HttpRequest, options?: SendOptions): Promise<HttpResponse>;
  close?(): Promise<void>;
}

/** Time. Tests inject a fake one; nothing in the engine reads Date.now() or calls setTimeout directly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with ArazzoError RUN_CANCELLED when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Optional fast path for timeouts: call `fn` once after `ms` unless the returned cancel function
   * is called first. The engine falls back to `sleep` + AbortController when absent.
   */
  setTimer?(ms: number, fn: () => void): () => void;
}

// ---------------------------------------------------------------- events

export interface RequestSummary {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Masked body text, if any. */
  readonly body?: string;
}

export interface ResponseSummary {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Masked body text. */
  readonly body: string;
}

export type StepOutcome = 'succeeded' | 'failed';

export interface ActionSummary {
  readonly name: string;
  /** 'end' | 'goto' | 'retry', or 'next' / 'fail' for the defaults when no action matched. */
  readonly type: string;
  readonly stepId?: string;
  readonly workflowId?: string;
}

interface EventBase {
  /** Clock time (ms since epoch). */
  readonly time: number;
  readonly runId: string;
}

/** Every value in an event has been through secret masking (P21) already. */
export type RunEvent =
  | (EventBase & { readonly type: 'run.started'; readonly workflowId: string; readonly inputs: Record<string, unknown> })
  | (EventBase & {
      readonly type: 'run.finished';
      readonly workflowId: string;
      readonly status: StepOutcome;
      readonly outputs: Record<string, unknown>;
      readonly error?: RunErrorInfo;
      readonly durationMs: number;
    })
  | (EventBase & { readonly type: 'workflow.started'; readonly workflowId: string; readonly depth: number; readonly inputs: Record<string, unknown> })
  | (EventBase & {
      readonly type: 'workflow.finished';
      readonly workflowId: string;
      readonly depth: number;
      readonly status: StepOutcome;
      readonly outputs: Record<string, unknown>;
      readonly error?: RunErrorInfo;
    })
  | (EventBase & { readonly type: 'step.started'; readonly workflowId: string; readonly stepId: string; readonly execution: number; readonly attempt: number })
  | (EventBase & { readonly type: 'request.sent'; readonly workflowId: string; readonly stepId: string; readonly request: RequestSummary })
  | (EventBase & {
      readonly type: 'response.received';
      readonly workflowId: string;
      readonly stepId: string;
      readonly request: RequestSummary;
      readonly response: ResponseSummary;
      readonly durationMs: number;
      readonly startedAt: number;
    })
  | (EventBase & { readonly type: 'step.finished'; readonly workflowId: string; readonly stepId: string; readonly record: StepRecord })
  | (EventBase & {
      readonly type: 'action.taken';
      readonly workflowId: string;
      readonly stepId: string;
      readonly kind: 'success' | 'failure';
      readonly action: ActionSummary;
    })
  | (EventBase & { readonly type: 'check.failed'; readonly workflowId: string; readonly stepId: string; readonly finding: CheckFinding })
  | (EventBase & {
      readonly type: 'delay.started';
      readonly workflowId: string;
      readonly stepId: string;
      readonly ms: number;
      readonly reason: 'step-delay' | 'retry';
      /**
       * Where the wait comes from: the step's `x-delay`, the retry action's `retryAfter`, or the
       * response's `Retry-After` header, which overrides it (P20).
       */
      readonly source: DelaySource;
      /** The `Retry-After` header as the response gave it (masked), when `source` is `retry-after`. */
      readonly retryAfter?: string;
    })
  | (EventBase & { readonly type: 'warning' } & RunWarning);

/** Where a wait comes from: `x-delay`, a retry action's `retryAfter`, or a `Retry-After` response header. */
export type DelaySource = 'x-delay' | 'retryAfter' | 'retry-after';

export type RunEventListener = (event: RunEvent) => void;

// ---------------------------------------------------------------- results

export interface RunErrorInfo {
  /** e.g. STEP_FAILED, CRITERION_FAILED, MAX_STEPS_EXCEEDED, RUN_TIMEOUT, RUN_CANCELLED, HTTP_CONNECTION, INPUT_INVALID */
  readonly code: ErrorCode;
  readonly message: string;
  readonly workflowId?: string;
  readonly stepId?: string;
  readonly statusCode?: number;
  /** Which success criteria failed and why (masked). */
  readonly failedCriteria?: ReadonlyArray<{
    readonly condition: string;
    readonly error?: string;
    /** What a criterion that evaluated to false saw: for JSONPath, what its query selected (bounded). */
    readonly detail?: string;
  }>;
  /** A short, masked excerpt of the last response body. */
  readonly responseExcerpt?: string;
  /** The message the failed response's body carried (its `error`, `message`, `detail`, … field), if any; masked. */
  readonly responseMessage?: string;
  readonly limit?: number;
}

/**
 * Something a run noticed that did not fail it: `OUTPUT_UNRESOLVED`, a workflow output that
 * resolved to nothing (left out of the outputs, P6), with the expressions that found no value.
 */
export interface RunWarning {
  readonly code: ErrorCode;
  readonly message: string;
  readonly workflowId: string;
  /** The output that resolved to nothing. */
  readonly output?: string;
  /**
   * `true` when an empty output is normal where the run went: its workflow succeeded (an output
   * meant for failures), was cut short, or the step that gives it did not run. Listed for the
   * record; the CLI prints only the others on stderr.
   */
  readonly expected?: true;
}

/** One step execution. A step polled five times has five records. */
export interface StepRecord {
  readonly workflowId: string;
  readonly stepId: string;
  readonly outcome: StepOutcome;
  readonly statusCode?: number;
  readonly method?: string;
  readonly url?: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outputs: Record<string, unknown>;
  readonly action?: ActionSummary;
  readonly error?: RunErrorInfo;
}

export interface RunResult {
  readonly workflowId: string;
  readonly status: StepOutcome;
  readonly outputs: Record<string, unknown>;
  /** Every step execution in order, only when `RunOptions.history` is true. */
  readonly steps?: StepRecord[];
  /** What the run noticed without failing (the `warning` events), when there was anything. */
  readonly warnings?: readonly RunWarning[];
  readonly error?: RunErrorInfo;
  readonly stepExecutions: number;
  readonly durationMs: number;
  /** The final run state (plain JSON): pass it as `RunOptions.resume` to continue a run that was stopped. */
  readonly state: RunState;
  /** Failed contract checks (`RunOptions.checks`), in order, masked; absent when none failed. */
  readonly checks?: readonly CheckFinding[];
}

// ---------------------------------------------------------------- checks

/** The operation step a check hook is called for. */
export interface CheckedStep {
  readonly workflowId: string;
  readonly stepId: string;
  readonly operation: OperationInfo;
  /** The document the step belongs to (an Arazzo source's, for a workflow of another document). */
  readonly document: LoadedDocument;
}

/** One failed check. Values in it are bounded; the engine masks secrets in it like any event. */
export interface CheckFinding {
  readonly check: CheckName;
  /** The level the check ran at (`off` checks do not run). */
  readonly level: 'error' | 'warn';
  readonly workflowId: string;
  readonly stepId: string;
  /** The operation: its operationId, else `METHOD /path`. */
  readonly operation: string;
  /**
   * Where it broke: a JSON path in the body (`$.items[0].id`), or the part of the message for
   * parameters and headers (`header X-Rate-Limit`, `query limit`, `path petId`).
   */
  readonly path?: string;
  /** The rule broken: a JSON Schema keyword (`required`, `type`, `enum`, …) or the check's own (`undeclared-status`, …). */
  readonly rule: string;
  /** What the description allows, in words (`integer`, `200, 404, 5XX`, `application/json`). */
  readonly expected?: string;
  /** The offending value, as compact JSON, bounded. */
  readonly value?: string;
  /** The response status, for response checks. */
  readonly statusCode?: number;
  /** One sentence saying all of the above. */
  readonly message: string;
}

/**
 * Checks of each operation step's exchange (`RunOptions.checks`; `createContractChecks` builds
 * the OpenAPI contract checks). A finding at level `error` fails the step: from `request`, the
 * request is not sent (CONTRACT_REQUEST_INVALID); from `response`, the step fails with
 * CONTRACT_RESPONSE_INVALID and its onFailure actions apply. `warn` findings are reported only.
 * Every finding is in `RunResult.checks` and a `check.failed` event, masked.
 */
export interface StepChecks {
  /** The request about to be sent (nothing has gone out yet); `view` is the run's view of it (its body parsed). */
  request?(step: CheckedStep, request: HttpRequest, view?: MessageView): readonly CheckFinding[] | undefined;
  /** The response; `view` is the run's parsed view of it (its body is parsed once for criteria and checks). */
  response?(step: CheckedStep, request: HttpRequest, response: HttpResponse, view?: MessageView): readonly CheckFinding[] | undefined;
}

// ---------------------------------------------------------------- options

export interface RunLimits {
  /** Global cap on step executions per run (default 10,000). */
  readonly maxSteps?: number;
  /** Whole-run timeout in ms (default: none). */
  readonly timeoutMs?: number;
  /** Per-request timeout in ms (default 30,000). */
  readonly requestTimeoutMs?: number;
  /** Response body size cap in bytes (default 10 MiB). */
  readonly maxResponseBytes?: number;
  /** Workflows running inside each other: workflow steps, dependsOn, retries with workflowId (default 64). */
  readonly maxDepth?: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Base URL per source name, overriding the OpenAPI servers. */
  readonly servers?: Readonly<Record<string, string>>;
  /** undici dispatcher for the default transport (MockAgent, ProxyAgent, Agent). */
  readonly dispatcher?: Dispatcher;
  /** Use a WHATWG fetch instead of undici. */
  readonly fetch?: typeof fetch;
  /** A whole custom transport. */
  readonly http?: HttpClient;
  /** Honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY (default true; ignored when dispatcher/fetch/http is given). */
  readonly proxyFromEnv?: boolean;
  readonly clock?: Clock;
  readonly limits?: RunLimits;
  readonly onEvent?: RunEventListener;
  /** Keep every StepRecord in RunResult.steps (default false: history goes to events only). */
  readonly history?: boolean;
  /**
   * Resume from a checkpointed state instead of starting fresh (inputs are then ignored): a value
   * given to `onCheckpoint`, or `RunResult.state`, or either read back from JSON.
   */
  readonly resume?: RunState;
  /**
   * Called with the plain-JSON run state after every step execution. The engine never changes a
   * state once handed out: keep the object, or `JSON.stringify` it; do not modify it.
   */
  readonly onCheckpoint?: (state: RunState) => void | Promise<void>;
  /** Extra literal values to mask everywhere (e.g. CLI inputs taken from the environment). */
  readonly secrets?: readonly string[];
  /** Follow HTTP redirects (default false: a 3xx response is the step's result). */
  readonly followRedirects?: boolean;
  /**
   * Credentials for the OpenAPI security schemes, by scheme name, or `sourceName.schemeName` when
   * several sources define the name: `{ token }`, `{ apiKey }`, `{ username, password }` or
   * `{ clientId, clientSecret, scopes?, tokenUrl?, clientAuth? }`. They are applied to each step
   * whose operation requires the scheme (docs/auth.md); every value is a secret. Pass the same
   * object to many runs and OAuth2 tokens are fetched once for all of them.
   */
  readonly auth?: AuthCredentials;
  /**
   * TLS settings for the default transport: extra CAs, a client certificate (mTLS), `insecure`,
   * globally or per source (`sources`). Not with `dispatcher`, `fetch` or `http`: configure TLS on
   * your own transport then. Pass the same object to many runs and they share connections.
   */
  readonly tls?: TlsOptions;
  /** Check each operation step's request and response (contract checks: `createContractChecks`). */
  readonly checks?: StepChecks;
}
