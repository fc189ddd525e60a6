/**
 * Resuming a run: the value given as `RunOptions.resume` is checked against the JSON Schema of
 * RunState, then against the document (every frame's workflow exists, its step index is in
 * range), before anything runs. A bad value is refused with RESUME_STATE_INVALID and the JSON
 * Pointer of the field at fault. Values the run carries (inputs, outputs) are not walked: they may
 * be any JSON, nested as deep as a server's response.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { LoadedDocument } from '../compile/loaded.js';
import { ArazzoError } from '../errors.js';
import type { Machine } from './core/machine.js';
import { FRAME_CHUNK, FRAME_WINDOW, normalizeRunState, RUN_STATE_VERSION, stackOf, type RunState } from './state.js';

const record = (values: object = {}) => ({ type: 'object', additionalProperties: values });
const count = { type: 'integer', minimum: 0 };

const errorInfo = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    workflowId: { type: 'string' },
    stepId: { type: 'string' },
    statusCode: { type: 'integer' },
    limit: { type: 'number' },
    responseExcerpt: { type: 'string' },
    responseMessage: { type: 'string' },
    failedCriteria: {
      type: 'array',
      items: { type: 'object', required: ['condition'], properties: { condition: { type: 'string' }, error: { type: 'string' } } },
    },
  },
};

/** The JSON Schema of RunState (draft 2020-12 keywords that ajv's default draft-07 mode also reads). */
export const RUN_STATE_SCHEMA = {
  $id: 'arazzo-engine:run-state',
  type: 'object',
  additionalProperties: false,
  required: ['v', 'runId', 'workflowId', 'startedAt', 'status', 'stepExecutions', 'counts', 'workflows', 'done', 'frames'],
  properties: {
    v: { const: RUN_STATE_VERSION },
    runId: { type: 'string', minLength: 1 },
    workflowId: { type: 'string', minLength: 1 },
    startedAt: { type: 'number' },
    status: { enum: ['running', 'succeeded', 'failed'] },
    stepExecutions: count,
    counts: record(count),
    workflows: record({ type: 'object', additionalProperties: false, properties: { inputs: { type: 'object' }, outputs: { type: 'object' } } }),
    done: { type: 'array', items: { type: 'string' } },
    frames: { type: 'array', maxItems: FRAME_WINDOW, items: { $ref: '#/definitions/frame' } },
    below: { type: 'array', items: { type: 'array', minItems: FRAME_CHUNK, maxItems: FRAME_CHUNK, items: { $ref: '#/definitions/frame' } } },
    outputs: { type: 'object' },
    error: errorInfo,
  },
  definitions: {
    frame: {
      type: 'object',
      additionalProperties: false,
      required: ['wf', 'doc', 'role', 'inputs', 'steps', 'first', 'retries', 'index', 'attempt', 'retry', 'prepared'],
      properties: {
        wf: { type: 'string', minLength: 1 },
        doc: { type: 'string' },
        role: { enum: ['root', 'step', 'depends', 'retry'] },
        inputs: { type: 'object' },
        steps: record({ type: 'object' }),
        first: record({ type: 'number' }),
        retries: record(count),
        index: { type: 'integer', minimum: -1 },
        attempt: { type: 'integer', minimum: 1 },
        retry: { type: 'boolean' },
        prepared: { type: 'boolean' },
        sending: { type: 'boolean' },
        deadline: { type: 'number' },
        stopAt: { type: 'number' },
        waitUntil: { type: 'number' },
        retryAfter: { type: 'string' },
        returnTo: count,
        call: {
          type: 'object',
          additionalProperties: false,
          required: ['workflowId', 'inputs'],
          properties: { source: { type: 'string' }, workflowId: { type: 'string' }, inputs: { type: 'object' } },
        },
        status: { enum: ['succeeded', 'failed'] },
        error: errorInfo,
        outputs: { type: 'object' },
      },
    },
  },
} as const;

let validator: ValidateFunction | undefined;

async function validateShape(value: unknown): Promise<ErrorObject | undefined> {
  if (!validator) {
    const { Ajv } = await import('ajv');
    validator = new Ajv({ allErrors: false, strict: false }).compile(RUN_STATE_SCHEMA);
  }
  return validator(value) ? undefined : (validator.errors?.[0] ?? undefined);
}

function invalid(path: string, problem: string): ArazzoError {
  const where = path === '' ? 'the value' : `at ${path}`;
  return new ArazzoError(
    'RESUME_STATE_INVALID',
    `RunOptions.resume is not a run state this engine can resume: ${where} ${problem}. Pass the value given to onCheckpoint or RunResult.state, unchanged (JSON round trips are fine).`,
    { path },
  );
}

/**
 * Check a value given as `RunOptions.resume` and return it as a RunState for `workflowId` of
 * `doc`, normalised to the shape the core builds. Throws RESUME_STATE_INVALID.
 */
export async function checkResumeState(value: unknown, machine: Machine, workflowId: string): Promise<RunState> {
  const problem = await validateShape(value);
  if (problem) {
    const detail =
      problem.keyword === 'additionalProperties'
        ? `has the unknown field "${String((problem.params as { additionalProperty?: string }).additionalProperty)}"`
        : problem.keyword === 'required'
          ? `lacks the field "${String((problem.params as { missingProperty?: string }).missingProperty)}"`
          : (problem.message ?? 'is invalid');
    throw invalid(problem.instancePath, detail);
  }
  const state = value as RunState;
  if (state.workflowId !== workflowId) {
    throw new ArazzoError('RESUME_STATE_INVALID', `The resume state belongs to workflow "${state.workflowId}", not "${workflowId}".`, { path: '/workflowId' });
  }
  const chunked = (state.below?.length ?? 0) * FRAME_CHUNK;
  const at = (i: number): string => (i < chunked ? `/below/${Math.floor(i / FRAME_CHUNK)}/${i % FRAME_CHUNK}` : `/frames/${i - chunked}`);
  stackOf(state).forEach((frame, i) => {
    let steps: number;
    try {
      steps = machine.plan(frame.doc, frame.wf).steps.length;
    } catch {
      throw invalid(
        `${at(i)}/wf`,
        `names the workflow "${frame.wf}"${frame.doc ? ` of source "${frame.doc}"` : ''}, which ${describe(machine.root)} does not have`,
      );
    }
    if (frame.index > steps) throw invalid(`${at(i)}/index`, `is ${frame.index}, but workflow "${frame.wf}" has ${steps} step(s)`);
    if (frame.returnTo !== undefined && frame.returnTo >= steps)
      throw invalid(`${at(i)}/returnTo`, `is ${frame.returnTo}, past the steps of workflow "${frame.wf}"`);
  });
  if (state.status === 'running' && state.frames.length === 0) throw invalid('/frames', 'is empty, but the run is still running');
  if (state.below !== undefined && state.below.length > 0 && state.frames.length === 0) throw invalid('/frames', 'is empty, but /below holds frames');
  return normalizeRunState(state);
}

function describe(doc: LoadedDocument): string {
  return doc.location;
}
