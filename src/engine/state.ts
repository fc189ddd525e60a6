/**
 * RunState: the whole state of a run as plain JSON. The core (`core/next.ts`) never changes a state
 * it is given: each transition returns a new state that shares every part that did not change (a
 * step usually copies one frame, its outputs record and the counters). A run can therefore be
 * checkpointed after every step by keeping (or `JSON.stringify`-ing) the state object as it is,
 * and resumed from it in another process. Past steps keep only their latest outputs; the full
 * history goes to events.
 *
 * The frame stack is `frames` (the top of the stack, running frame last) over `below` (the rest, in
 * chunks of FRAME_CHUNK frames, bottom first; absent unless workflows nest deeper than
 * FRAME_WINDOW). A transition copies `frames` (at most FRAME_WINDOW entries) and, rarely, the list
 * of chunks, never the whole stack: a workflow that calls itself thousands of levels deep costs
 * the same per step as a flat one, and the JSON stays flat.
 */
import type { RunErrorInfo } from './types.js';

export const RUN_STATE_VERSION = 1;

/** Frames held in `RunState.frames` at most; past that, the bottom FRAME_CHUNK of them move to `below`. */
export const FRAME_WINDOW = 64;
/** Frames per chunk of `RunState.below`. */
export const FRAME_CHUNK = 32;

/** Why a frame is on the stack. */
export type FrameRole = 'root' | 'step' | 'depends' | 'retry';

/** A retry with `workflowId`: the workflow to run before retrying, with its inputs. */
export interface PendingCall {
  readonly source?: string;
  readonly workflowId: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** One workflow invocation. */
export interface Frame {
  /** Workflow id. */
  readonly wf: string;
  /** Document key: '' for the entry document, else arazzo source names joined with '/'. */
  readonly doc: string;
  readonly role: FrameRole;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Latest outputs of each step that ran in this invocation. */
  readonly steps: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Clock time of each step's first execution in this invocation (x-delay, x-max-duration). */
  readonly first: Readonly<Record<string, number>>;
  /** Retry counters of the current step, by action name (P26). */
  readonly retries: Readonly<Record<string, number>>;
  /** Current step index; -1 while prerequisites (dependsOn) are being run. */
  readonly index: number;
  /** Attempt number of the current step (1 + retries so far). */
  readonly attempt: number;
  /** The next execution of the current step is a retry (no x-delay; the retry wait applies). */
  readonly retry: boolean;
  /** Wait decided for the current step is set (x-delay evaluated). */
  readonly prepared: boolean;
  /**
   * The current step's request has been decided and counted but its result is not applied yet. A
   * run resumed from such a checkpoint sends the request again without counting a new execution.
   */
  readonly sending?: boolean;
  /** 1.1 step `timeout` of the running workflow step: clock time by which its child workflow must end. */
  readonly deadline?: number;
  /**
   * The earliest `deadline` of the frames below this one: when the clock reaches it, an enclosing
   * workflow step has timed out and this frame is stopped. Derived (resume recomputes it); kept so
   * that checking it costs the same at any nesting depth.
   */
  readonly stopAt?: number;
  /** Do not execute before this clock time. */
  readonly waitUntil?: number;
  /** The `Retry-After` header the pending retry wait obeys (absent when it is the action's `retryAfter`). */
  readonly retryAfter?: string;
  /** Side trip of a retry with `stepId`: after that step runs, return here and retry. */
  readonly returnTo?: number;
  /** A retry with `workflowId`: run this workflow before retrying. */
  readonly call?: PendingCall;
  /** Set when the invocation is over. */
  readonly status?: 'succeeded' | 'failed';
  readonly error?: RunErrorInfo;
  readonly outputs?: Readonly<Record<string, unknown>>;
}

export interface RunState {
  readonly v: number;
  readonly runId: string;
  readonly workflowId: string;
  readonly startedAt: number;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly stepExecutions: number;
  /** Executions per step per run (`doc|workflow|step`), for x-max-executions. */
  readonly counts: Readonly<Record<string, number>>;
  /** `$workflows.<id>`: inputs and outputs of workflows that ran. */
  readonly workflows: Readonly<Record<string, { readonly inputs?: Readonly<Record<string, unknown>>; readonly outputs?: Readonly<Record<string, unknown>> }>>;
  /** Prerequisite workflows already completed (P15): `doc|workflowId`. */
  readonly done: readonly string[];
  /** The top of the call stack (all of it unless nested deeper than FRAME_WINDOW); the last frame runs. */
  readonly frames: readonly Frame[];
  /** The rest of the call stack, in chunks of FRAME_CHUNK frames, bottom first; absent when empty. */
  readonly below?: readonly (readonly Frame[])[];
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly error?: RunErrorInfo;
}

/** Number of frames on the stack (the running frame is at `depthOf(state) - 1`). */
export function depthOf(state: RunState): number {
  return (state.below?.length ?? 0) * FRAME_CHUNK + state.frames.length;
}

/** Frame `index` of the stack, counted from the bottom (0 = the entry workflow's frame). */
export function frameAt(state: RunState, index: number): Frame | undefined {
  const chunks = state.below;
  if (chunks === undefined || chunks.length === 0) return state.frames[index];
  const inChunks = chunks.length * FRAME_CHUNK;
  if (index >= inChunks) return state.frames[index - inChunks];
  return chunks[Math.floor(index / FRAME_CHUNK)]?.[index % FRAME_CHUNK];
}

/** The whole stack as one array, bottom first (a copy: O(depth)). */
export function stackOf(state: RunState): Frame[] {
  const out: Frame[] = [];
  for (const chunk of state.below ?? []) out.push(...chunk);
  out.push(...state.frames);
  return out;
}

/** A writable view of a state part, for the copy that one transition owns. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The empty records and list a new frame and state start with, shared: the core never writes into
 * a record (it copies one with `withEntry`), so every fresh run need not allocate its own.
 */
const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});
const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * A new frame. Every field is present (unset ones hold `undefined`, which JSON leaves out) so that
 * all frames share one object shape, which keeps reading them fast.
 */
export function newFrame(wf: string, doc: string, role: FrameRole, inputs: Readonly<Record<string, unknown>>, stopAt?: number): Frame {
  return {
    wf,
    doc,
    role,
    inputs,
    steps: EMPTY_RECORD,
    first: EMPTY_RECORD,
    retries: EMPTY_RECORD,
    index: -1,
    attempt: 1,
    retry: false,
    prepared: false,
    sending: undefined,
    deadline: undefined,
    stopAt,
    waitUntil: undefined,
    retryAfter: undefined,
    returnTo: undefined,
    call: undefined,
    status: undefined,
    error: undefined,
    outputs: undefined,
  };
}

export function newRunState(runId: string, workflowId: string, inputs: Readonly<Record<string, unknown>>, now: number): RunState {
  return {
    v: RUN_STATE_VERSION,
    runId,
    workflowId,
    startedAt: now,
    status: 'running',
    stepExecutions: 0,
    counts: EMPTY_RECORD,
    workflows: EMPTY_RECORD,
    done: NO_NAMES,
    frames: [newFrame(workflowId, '', 'root', inputs)],
    below: undefined,
    outputs: undefined,
    error: undefined,
  };
}

/*
 * Copies are written out field by field: an object literal with every field in a fixed order is
 * many times faster to build than a spread of the same object (measured ~35 ns against ~600 ns for
 * a frame), and it keeps every frame and state in one object shape.
 */

/** A shallow copy of a frame, every field present. `stopAt` may be given anew. */
export function copyFrame(f: Frame, stopAt = f.stopAt): Frame {
  return {
    wf: f.wf,
    doc: f.doc,
    role: f.role,
    inputs: f.inputs,
    steps: f.steps,
    first: f.first,
    retries: f.retries,
    index: f.index,
    attempt: f.attempt,
    retry: f.retry,
    prepared: f.prepared,
    sending: f.sending,
    deadline: f.deadline,
    stopAt,
    waitUntil: f.waitUntil,
    retryAfter: f.retryAfter,
    returnTo: f.returnTo,
    call: f.call,
    status: f.status,
    error: f.error,
    outputs: f.outputs,
  };
}

/** A shallow copy of a state, every field present. */
export function copyState(s: RunState, frames = s.frames, below = s.below): RunState {
  return {
    v: s.v,
    runId: s.runId,
    workflowId: s.workflowId,
    startedAt: s.startedAt,
    status: s.status,
    stepExecutions: s.stepExecutions,
    counts: s.counts,
    workflows: s.workflows,
    done: s.done,
    frames,
    below,
    outputs: s.outputs,
    error: s.error,
  };
}

/** A copy of a record with one entry set (the counters, a frame's step outputs). */
export function withEntry<V>(record: Readonly<Record<string, V>>, key: string, value: V): Record<string, V> {
  const copy: Record<string, V> = Object.assign({}, record);
  copy[key] = value;
  return copy;
}

/**
 * A state read back from JSON in the shape the core builds: every frame field present, and each
 * frame's `stopAt` derived from the deadlines below it (older checkpoints do not carry it).
 * Shallow: values (inputs, outputs) are shared, not copied.
 */
export function normalizeRunState(state: RunState): RunState {
  let stopAt: number | undefined;
  const normal = (f: Frame): Frame => {
    const frame = copyFrame(f, stopAt);
    if (f.deadline !== undefined && (stopAt === undefined || f.deadline < stopAt)) stopAt = f.deadline;
    return frame;
  };
  const below = state.below?.map((chunk) => chunk.map(normal));
  return copyState(state, state.frames.map(normal), below !== undefined && below.length > 0 ? below : undefined);
}
