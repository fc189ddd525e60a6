/**
 * Start-up: `arazzo validate` of the shipped seed workflow (reads it and its OpenAPI description,
 * validates and compiles) as a fresh process, against `node -e ""`, spawned alternately. Twice:
 * with the CLI's read cache warm (every start after the first; the target applies here), and with
 * it off (`ARAZZO_CACHE_DIR=off`: a first start, or a changed document). The cache lives in a
 * temporary directory, never the user's.
 */
import { CLI_MAIN, ms, pairedSpawns, stats, tempCacheDir } from './harness.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure, type Target } from './report.js';

export const SEED = 'workflows/hugging-face-deploy-inference-endpoint-workflow.yml';

async function compare(ctx: BenchContext, label: string, cacheDir: string, rounds: number, target?: Target): Promise<Figure> {
  const times = await pairedSpawns(rounds, ['-e', ''], [CLI_MAIN, 'validate', SEED], { ARAZZO_CACHE_DIR: cacheDir });
  const node = stats(times.baseline);
  const validate = stats(times.subject);
  const ratios = stats(times.subject.map((t, i) => t / (times.baseline[i] ?? t)));
  ctx.log(
    `${label}, ${rounds} spawns each, wall time: node -e "" ${ms(node.median)} ms (${ms(node.min)}–${ms(node.max)}), arazzo validate ${ms(validate.median)} ms (${ms(validate.min)}–${ms(validate.max)})`,
  );
  return ratioFigure(`\`arazzo validate\` seed, ${label}`, `${ms(validate.median)} ms`, `node -e "" ${ms(node.median)} ms`, ratios, target);
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const rounds = ctx.pick(15, 5);
  const cache = tempCacheDir();
  try {
    return [await compare(ctx, 'read cache warm', cache.dir, rounds, { op: '<=', value: 2.5 }), await compare(ctx, 'no read cache', 'off', ctx.pick(9, 3))];
  } finally {
    cache.remove();
  }
}
