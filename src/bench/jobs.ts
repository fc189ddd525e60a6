/**
 * The fixture every HTTP benchmark runs: src/bench/fixtures/jobs.arazzo.yaml (workflow
 * `createAndPoll`, loaded from YAML with its OpenAPI description through the public API) against
 * the jobs server of server.ts; raw.ts is its hand-written undici twin.
 */
import { join } from 'node:path';
import { type LoadedDocument, loadArazzo, type RunOptions, type RunResult, runWorkflow } from '../index.js';
import { FIXTURES } from './harness.js';
import type { ServerStats, SpawnedServer } from './server-process.js';

export const JOBS_ARAZZO = join(FIXTURES, 'jobs.arazzo.yaml');
export const JOBS_OPENAPI = join(FIXTURES, 'jobs.openapi.yaml');

export function loadJobs(): Promise<LoadedDocument> {
  return loadArazzo(JOBS_ARAZZO);
}

export interface JobInputs {
  readonly queue: string;
  readonly name: string;
  readonly polls: number;
  readonly pollIntervalSeconds?: number;
}

/** Runs `createAndPoll`; unless `expectDone` is false, throws unless the run succeeded with state `done`. */
export async function engineCreateAndPoll(
  doc: LoadedDocument,
  base: string,
  inputs: JobInputs,
  options: RunOptions = {},
  expectDone = true,
): Promise<RunResult> {
  const result = await runWorkflow(doc, 'createAndPoll', { ...inputs }, { servers: { jobs: base }, limits: { maxSteps: inputs.polls + 10 }, ...options });
  if (expectDone && (result.status !== 'succeeded' || result.outputs.state !== 'done'))
    throw new Error(`createAndPoll did not finish: ${result.status} ${JSON.stringify(result.error ?? result.outputs)}`);
  return result;
}

/**
 * Records what the server received after each side of a paired round, and throws as soon as the
 * baseline and the subject did not send the same number of requests with the same body bytes:
 * a ratio between different work would be meaningless.
 */
export function sameRequests(server: SpawnedServer): (side: 'baseline' | 'subject') => Promise<void> {
  const last: Partial<Record<'baseline' | 'subject', ServerStats>> = {};
  return async (side) => {
    const stats = await server.stats();
    await server.reset();
    last[side] = stats;
    const { baseline, subject } = last;
    if (baseline && subject && (baseline.requests !== subject.requests || baseline.bodyBytes !== subject.bodyBytes))
      throw new Error(
        `baseline and subject sent different requests: raw ${baseline.requests} requests / ${baseline.bodyBytes} body bytes, engine ${subject.requests} / ${subject.bodyBytes}`,
      );
  };
}
