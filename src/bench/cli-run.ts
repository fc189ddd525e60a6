/**
 * A whole CLI run: `arazzo run` of the bench workflow (create + 3 polls) as a fresh process,
 * against a fresh process running the bare undici script (raw-client.js) that makes the same
 * requests, spawned alternately against the same out-of-process server. The CLI's read cache is on,
 * in a temporary directory, and warm after the first spawn, as for a user running it again.
 */
import { CLI_MAIN, fromRoot, ms, pairedSpawns, stats, tempCacheDir } from './harness.js';
import { JOBS_ARAZZO } from './jobs.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';
import { spawnServer } from './server-process.js';

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const rounds = ctx.pick(11, 5);
  const polls = 3;
  const server = await spawnServer();
  const cache = tempCacheDir();
  try {
    const raw = [fromRoot('dist/bench/raw-client.js'), server.url, 'cli', 'cli-run', String(polls)];
    const cli = [
      CLI_MAIN,
      'run',
      JOBS_ARAZZO,
      '--server',
      `jobs=${server.url}`,
      '--input',
      'queue=cli',
      '--input',
      'name=cli-run',
      '--input',
      `polls=${polls}`,
      '--quiet',
    ];
    const times = await pairedSpawns(rounds, raw, cli, { ARAZZO_CACHE_DIR: cache.dir });
    const stat = await server.stats();
    const expected = (rounds + 1) * 2 * (polls + 1);
    if (stat.requests !== expected) throw new Error(`expected ${expected} requests from the two scripts, the server saw ${stat.requests}`);
    const r = stats(times.baseline);
    const c = stats(times.subject);
    const ratios = stats(times.subject.map((t, i) => t / (times.baseline[i] ?? t)));
    ctx.log(
      `${rounds} spawns each, ${polls + 1} requests per process, wall time: undici script ${ms(r.median)} ms (${ms(r.min)}–${ms(r.max)}), arazzo run ${ms(c.median)} ms (${ms(c.min)}–${ms(c.max)})`,
    );
    return [ratioFigure(`\`arazzo run\`, ${polls + 1} requests (process)`, `${ms(c.median)} ms`, `undici script ${ms(r.median)} ms`, ratios)];
  } finally {
    cache.remove();
    await server.close();
  }
}
