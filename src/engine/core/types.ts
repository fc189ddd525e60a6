/**
 * What goes into the core and what comes out: events (what happened) in, a new state and effects
 * (what to do) out. The core performs nothing; the interpreter (`../run.ts`), or any other driver
 * such as a queue worker, carries the effects out and feeds their results back as events.
 */
import type { LoadedDocument } from '../../compile/loaded.js';
import type { EvalContext, MessageView } from '../../expressions/types.js';
import type { StepPlan } from '../../compile/plan-types.js';
import type { RunState } from '../state.js';
import type { ErrorCode } from '../../error-codes.js';
import type { HttpResponse, RunErrorInfo, RunEvent } from '../types.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A run event before the interpreter stamps it with `time` and `runId` and masks it. */
export type EventInput = DistributiveOmit<RunEvent, 'time' | 'runId'>;

/** The outcome of a send effect: the request and its response, or why there is none. */
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

/**
 * What happened. Every event carries the clock time (`now`, ms since the epoch): the core reads no
 * clock.
 * - `start`: a fresh state from `newRunState` begins (announces the run).
 * - `resume`: a state from a checkpoint continues (announces a wait still pending).
 * - `executed`: the send effect finished, with its outcome.
 * - `woke`: the sleep effect is over.
 * - `stop`: the run is stopped from outside (cancellation, the run timeout); it fails with `error`.
 */
export type CoreEvent =
  | { readonly type: 'start'; readonly now: number }
  | { readonly type: 'resume'; readonly now: number }
  | { readonly type: 'executed'; readonly now: number; readonly result: Executed }
  | { readonly type: 'woke'; readonly now: number }
  | { readonly type: 'stop'; readonly now: number; readonly error: RunErrorInfo };

/** Build and send the request of an operation step, then report back with an `executed` event. */
export interface SendEffect {
  readonly type: 'send';
  readonly workflowId: string;
  readonly step: StepPlan;
  /** The document the step belongs to (the operation's source location resolves relative servers). */
  readonly document: LoadedDocument;
  /** What the step's parameters, body and `x-server-url` read. */
  readonly context: EvalContext;
  /** Clock time at which an enclosing workflow step times out (1.1 `timeout`): abort the request then. */
  readonly deadline?: number;
}

/** Wait until `until` (clock time; `ms` from now), then report back with a `woke` event. */
export interface SleepEffect {
  readonly type: 'sleep';
  readonly ms: number;
  readonly until: number;
  readonly workflowId: string;
  readonly stepId: string;
}

/** Hand a run event to the listener (after masking). */
export interface EmitEffect {
  readonly type: 'emit';
  readonly event: EventInput;
}

/** The state returned with this effect is a step boundary: store it now if the run must survive a crash. */
export interface CheckpointEffect {
  readonly type: 'checkpoint';
}

export type Effect = EmitEffect | CheckpointEffect | SendEffect | SleepEffect;

/**
 * The result of one transition. Effects are carried out in order. While `state.status` is
 * `'running'` the last effect is what the run now waits on (a send or a sleep); once the run is
 * over there is none.
 */
export interface Transition {
  readonly state: RunState;
  readonly effects: readonly Effect[];
}

/** The send or sleep a transition leaves the run waiting on; undefined once the run is over. */
export function waitingOn(t: Transition): SendEffect | SleepEffect | undefined {
  const last = t.effects[t.effects.length - 1];
  return last && (last.type === 'send' || last.type === 'sleep') ? last : undefined;
}
