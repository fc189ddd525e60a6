/** Timing helpers shared by the benchmarks. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time in ms of one `node <args>` process, run from the package root (so `import 'yaml'` resolves). */
export function spawnTime(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const cwd = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`node ${args.join(' ').slice(0, 80)}… exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
}

/** Median wall time of `runs` sequential `node <args>` processes. */
export async function medianSpawnTime(args: readonly string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await spawnTime(args));
  return median(times);
}
