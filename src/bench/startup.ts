/**
 * Start-up: `arazzo validate` of the shipped seed workflow (reads it and its OpenAPI description,
 * validates and compiles) as a fresh process, against `node -e ""`, spawned alternately.
 */
import { CLI_MAIN, ms, pairedSpawns, stats } from './harness.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';

export const SEED = 'workflows/hugging-face-deploy-inference-endpoint-workflow.yml';

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const rounds = ctx.pick(15, 5);
  const times = await pairedSpawns(rounds, ['-e', ''], [CLI_MAIN, 'validate', SEED]);
  const node = stats(times.baseline);
  const validate = stats(times.subject);
  const ratios = stats(times.subject.map((t, i) => t / (times.baseline[i] ?? t)));
  ctx.log(
    `${rounds} spawns each, wall time: node -e "" ${ms(node.median)} ms (${ms(node.min)}–${ms(node.max)}), arazzo validate ${ms(validate.median)} ms (${ms(validate.min)}–${ms(validate.max)})`,
  );
  return [
    ratioFigure('`arazzo validate` seed workflow (process)', `${ms(validate.median)} ms`, `node -e "" ${ms(node.median)} ms`, ratios, { op: '<=', value: 2.5 }),
  ];
}
