/**
 * Shared measuring helpers for the benchmarks: statistics, paired rounds (baseline and subject
 * interleaved in the same process), CPU and heap readings, and timing of spawned processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (dist/bench/ → ../../), the working directory of every spawned process. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A path inside the package root. */
export const fromRoot = (relative: string): string => fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
/** The built CLI entry point. */
export const CLI_MAIN = fromRoot('dist/cli/main.js');
/** Hand-written fixtures (YAML is not copied to dist/, so they are read from src/). */
export const FIXTURES = fromRoot('src/bench/fixtures/');

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new Error('stats() of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

type GcFunction = (options?: { type: 'major' | 'minor'; execution: 'sync' | 'async' }) => void;
const exposedGc = (): GcFunction | undefined => (globalThis as { gc?: GcFunction }).gc;

/**
 * Full garbage collection when node runs with --expose-gc (npm run bench does), finished sweeping, so
 * `heapUsed` read right after is exact; a no-op otherwise. For heap readings only: V8 treats a bare
 * `gc()` as forced and flushes the bytecode, type feedback and optimised code of every function
 * not running, so the next calls parse and optimise everything again (see `settle`).
 */
export function gc(): void {
  const collect = exposedGc();
  if (collect) {
    collect();
    collect();
  }
}

/**
 * Collects the garbage of earlier work before a timed sample, keeping compiled code: a full
 * mark-compact (`gc({ type: 'major', execution: 'sync' })`) that V8 does not treat as forced, so
 * it flushes no bytecode. After a bare `gc()` every sample started cold, parsing and optimising
 * again each function it ran (`--trace-opt` of a `--quick` poll-step: 547 optimisations with a
 * bare `gc()` before each sample, 280 with this, start-up and warm-up included). A process running
 * workflows never pays that per step, both sides paid it, and the side with more JavaScript paid
 * more (the poll step's CPU ratio went from about 2.0x to 1.3x with this change alone).
 */
export function settle(): void {
  const collect = exposedGc();
  if (collect) {
    collect({ type: 'major', execution: 'sync' });
    collect({ type: 'major', execution: 'sync' });
  }
}

export const gcExposed = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

export interface Sample {
  /** Wall time in ms. */
  readonly wallMs: number;
  /** CPU time of this process (user + system, all threads) in ms. */
  readonly cpuMs: number;
}

/**
 * Runs `fn` once and returns its wall and CPU time; after a full GC (`settle`: compiled code kept)
 * unless `collect` is false (a full GC also shrinks the heap, so allocation-heavy work right after
 * it pays for growing it again: leave it out where a sample is short and should see the steady
 * state).
 */
export async function measure(fn: () => Promise<unknown>, collect = true): Promise<Sample> {
  if (collect) settle();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

export interface Paired {
  readonly baseline: Sample[];
  readonly subject: Sample[];
}

export interface PairedOptions {
  /** Runs after every sample, outside the timing (e.g. to check both sides did the same work). */
  readonly check?: (side: 'baseline' | 'subject') => Promise<void>;
  /** Full GC before every sample (default true); see measure(). */
  readonly collect?: boolean;
}

/**
 * `rounds` rounds of baseline and subject, alternating which goes first (ABBA), so drift and noise
 * on the machine hit both alike.
 */
export async function pairedRounds(
  rounds: number,
  baseline: () => Promise<unknown>,
  subject: () => Promise<unknown>,
  options: PairedOptions = {},
): Promise<Paired> {
  const { check, collect = true } = options;
  const out: Paired = { baseline: [], subject: [] };
  const run = async (side: 'baseline' | 'subject'): Promise<void> => {
    out[side].push(await measure(side === 'baseline' ? baseline : subject, collect));
    if (check) await check(side);
  };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      await run('baseline');
      await run('subject');
    } else {
      await run('subject');
      await run('baseline');
    }
  }
  return out;
}

/** Per-round ratios subject/baseline of one measure (paired, so slow rounds cancel out). */
export function pairedRatios(paired: Paired, pick: (s: Sample) => number): number[] {
  return paired.subject.map((s, i) => pick(s) / pick(paired.baseline[i] as Sample));
}

/** Wall time in ms of one `node <args>` process run from the package root; rejects on a non-zero exit. */
export function spawnNode(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - start;
      if (code !== 0) reject(new Error(`node ${args.join(' ').slice(0, 120)} exited with ${code}: ${stderr.slice(0, 2000)}`));
      else resolve(wall);
    });
  });
}

/**
 * Paired rounds of two spawned commands (wall time only: a child's CPU is not ours to read), both
 * with `env` added to this process's environment.
 */
export async function pairedSpawns(
  rounds: number,
  baseline: readonly string[],
  subject: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<{ baseline: number[]; subject: number[] }> {
  // One unmeasured spawn of each warms the file-system cache (and the CLI's read cache, if on).
  await spawnNode(baseline, env);
  await spawnNode(subject, env);
  const out = { baseline: [] as number[], subject: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<'baseline' | 'subject'> = round % 2 === 0 ? ['baseline', 'subject'] : ['subject', 'baseline'];
    for (const side of order) out[side].push(await spawnNode(side === 'baseline' ? baseline : subject, env));
  }
  return out;
}

/** Resolves once `count()` reaches `target`, checking every few ms; rejects after `timeoutMs`. */
export function waitFor(count: () => number, target: number, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + timeoutMs;
    const tick = (): void => {
      if (count() >= target) resolve();
      else if (performance.now() > deadline) reject(new Error(`${what}: only ${count()} of ${target} after ${timeoutMs} ms`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** A fresh directory for the CLI's read cache (ARAZZO_CACHE_DIR), so a bench never uses or fills the user's. */
export function tempCacheDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-cache-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
export const us = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
