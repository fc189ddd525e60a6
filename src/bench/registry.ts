/**
 * The named benchmarks. To add one: write `src/bench/<name>.ts` exporting
 * `run(ctx): Promise<Figure[]>` (each figure a ratio against a baseline measured in the same run),
 * and add a line here. Shared helpers: harness.ts (paired rounds, CPU, heap, spawned processes),
 * server-process.ts (a loopback server in another process), jobs.ts (the fixture workflow and its
 * hand-written undici twin), report.ts (figures and targets).
 */
import type { Figure } from './report.js';

export interface BenchContext {
  /** `--quick`: fewer rounds and smaller counts, for a fast look rather than the record. */
  readonly quick: boolean;
  /** The full value, or the quick one under `--quick`. */
  pick<T>(full: T, quick: T): T;
  /** Prints a detail line under the benchmark's heading. */
  log(line?: string): void;
}

export interface BenchModule {
  run(ctx: BenchContext): Promise<Figure[]>;
}

export interface BenchEntry {
  readonly name: string;
  readonly description: string;
  readonly load: () => Promise<BenchModule>;
}

export const BENCHMARKS: readonly BenchEntry[] = [
  {
    name: 'poll-step',
    description: 'one poll step (path parameters, JSON body, JSONPath criterion) vs raw undici request(): CPU and wall time per step; CPU vs raw dispatch()',
    load: () => import('./poll-step.js'),
  },
  {
    name: 'concurrent',
    description: '1,000 and 10,000 concurrent two-step runs vs raw undici doing the same: throughput, CPU per run',
    load: () => import('./concurrent.js'),
  },
  { name: 'waiting', description: 'heap per run waiting in x-delay (10,000 runs) vs raw undici runs parked the same way', load: () => import('./waiting.js') },
  { name: 'load', description: 'loadArazzo (warm) vs JSON.parse of the same content', load: () => import('./load.js') },
  { name: 'cli-run', description: '`arazzo run` process vs a bare undici script process making the same requests', load: () => import('./cli-run.js') },
  { name: 'startup', description: '`arazzo validate` of the seed workflow vs `node -e ""`', load: () => import('./startup.js') },
  {
    name: 'contract',
    description: '100 workflows of 5 steps with the contract checks vs without: CPU per step over loopback HTTP, time per step with no network',
    load: () => import('./contract.js'),
  },
  {
    name: 'queue',
    description:
      '10,000 production deploy runs on 4 BullMQ workers × 50 (needs redis-server): throughput, Redis memory per run, worker RSS, CPU per step vs in-process',
    load: () => import('./queue.js'),
  },
  {
    name: 'expressions',
    description: 'runtime expressions and criteria compiled once vs parsed on every evaluation',
    load: () => import('./expressions.js'),
  },
];
