/**
 * RunState: the whole state of a run as plain JSON. It is checkpointed after every step execution
 * and a run can resume from it in another process. Past steps keep only their latest outputs;
 * the full history goes to events.
 */
import type { RunErrorInfo } from './types.js';

const RUN_STATE_VERSION = 1;

/** Why a frame is on the stack. */
export type FrameRole = 'root' | 'step' | 'depends' | 'retry';

/** One workflow invocation. */
export interface Frame {
  /** Workflow id. */
  wf: string;
  /** Document key: '' for the entry document, else arazzo source names joined with '/'. */
  doc: string;
  role: FrameRole;
  inputs: Record<string, unknown>;
  /** Latest outputs of each step that ran in this invocation. */
  steps: Record<string, Record<string, unknown>>;
  /** Clock time of each step's first execution in this invocation (x-delay, x-max-duration). */
  first: Record<string, number>;
  /** Retry counters of the current step, by action name (P26). */
  retries: Record<string, number>;
  /** Current step index; -1 while prerequisites (dependsOn) are being run. */
  index: number;
  /** Attempt number of the current step (1 + retries so far). */
  attempt: number;
  /** The next execution of the current step is a retry (no x-delay; the retry wait applies). */
  retry: boolean;
  /** Wait decided for the current step is set (x-delay evaluated). */
  prepared: boolean;
  /**
   * The current step's request has been decided and counted but its result is not applied yet. A
   * run resumed from such a checkpoint sends the request again without counting a new execution.
   */
  sending?: boolean;
  /** 1.1 step `timeout` of the running workflow step: clock time by which its child workflow must end. */
  deadline?: number;
  /** Do not execute before this clock time. */
  waitUntil?: number;
  /** Side trip of a retry with `stepId`: after that step runs, return here and retry. */
  returnTo?: number;
  /** A retry with `workflowId`: run this workflow before retrying. */
  call?: { source?: string; workflowId: string; inputs: Record<string, unknown> };
  /** Set when the invocation is over. */
  status?: 'succeeded' | 'failed';
  error?: RunErrorInfo;
  outputs?: Record<string, unknown>;
}

export interface RunState {
  v: number;
  runId: string;
  workflowId: string;
  startedAt: number;
  status: 'running' | 'succeeded' | 'failed';
  stepExecutions: number;
  /** Executions per step per run (`doc|workflow|step`), for x-max-executions. */
  counts: Record<string, number>;
  /** `$workflows.<id>`: inputs and outputs of workflows that ran. */
  workflows: Record<string, { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>;
  /** Prerequisite workflows already completed (P15): `doc|workflowId`. */
  done: string[];
  /** Explicit call stack; the last frame runs. */
  frames: Frame[];
  outputs?: Record<string, unknown>;
  error?: RunErrorInfo;
}

export function newFrame(wf: string, doc: string, role: FrameRole, inputs: Record<string, unknown>): Frame {
  return { wf, doc, role, inputs, steps: {}, first: {}, retries: {}, index: -1, attempt: 1, retry: false, prepared: false };
}

export function newRunState(runId: string, workflowId: string, inputs: Record<string, unknown>, now: number): RunState {
  return {
    v: RUN_STATE_VERSION,
    runId,
    workflowId,
    startedAt: now,
    status: 'running',
    stepExecutions: 0,
    counts: {},
    workflows: {},
    done: [],
    frames: [newFrame(workflowId, '', 'root', inputs)],
  };
}

/** Checks that a value looks like a RunState this version can resume. */
export function isRunState(value: unknown): value is RunState {
  const s = value as RunState;
  return (
    typeof s === 'object' && s !== null && s.v === RUN_STATE_VERSION && typeof s.runId === 'string' && Array.isArray(s.frames) && typeof s.counts === 'object'
  );
}
