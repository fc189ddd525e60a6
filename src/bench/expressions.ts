/**
 * Runtime expressions and criteria compiled once at load (what the engine does) against parsing
 * them on every evaluation: time per evaluation of each, alternated over a few rounds. These call
 * internal modules (criteria/, expressions/, selection/): when they move, update the imports here.
 */
import { compileCriterion } from '../criteria/compile.js';
import type { Criterion } from '../document/types.js';
import { compileValue } from '../expressions/compile-value.js';
import { parseRuntimeExpression } from '../expressions/runtime-expression.js';
import type { EvalContext } from '../expressions/types.js';
import { loadSelectionEngines } from '../selection/engines.js';
import { stats } from './harness.js';
import type { BenchContext } from './registry.js';
import type { Figure } from './report.js';

const evalCtx: EvalContext = {
  url: 'https://api.endpoints.huggingface.cloud/v2/endpoint/acme/my-endpoint',
  method: 'GET',
  statusCode: 200,
  request: { headers: { authorization: 'Bearer hf_x' }, path: { namespace: 'acme', name: 'my-endpoint' } },
  response: {
    headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
    body: { name: 'my-endpoint', status: { state: 'initializing', url: null }, compute: { instanceType: 'nvidia-a10g', instanceSize: 'x1' } },
  },
  inputs: { hfToken: 'hf_abc', namespace: 'acme', name: 'my-endpoint', vendor: 'aws', region: 'us-east-1' },
  steps: { createEndpoint: { endpointName: 'my-endpoint', initialState: 'pending' } },
  workflows: {},
  sourceDescriptions: { hf: { name: 'hf', url: './openapi.yaml', type: 'openapi' } },
};

/** Nanoseconds per call of `fn`, timed over at least `budgetMs` after a short warm-up. */
function nsPerCall(fn: () => unknown, budgetMs: number): number {
  let sink: unknown;
  for (let i = 0; i < 2_000; i++) sink = fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(budgetMs * 1e6));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1_000; i++) sink = fn();
    calls += 1_000;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return Number(elapsed) / calls;
}

interface Case {
  readonly name: string;
  readonly compiled: () => unknown;
  readonly perCall: () => unknown;
}

const time = (ns: number): string => (ns >= 1000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);

function measureCases(ctx: BenchContext, title: string, cases: readonly Case[], rounds: number, budgetMs: number): Figure {
  const compiledNs: number[] = [];
  const perCallNs: number[] = [];
  ctx.log(title);
  for (const c of cases) {
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        a.push(nsPerCall(c.compiled, budgetMs));
        b.push(nsPerCall(c.perCall, budgetMs));
      } else {
        b.push(nsPerCall(c.perCall, budgetMs));
        a.push(nsPerCall(c.compiled, budgetMs));
      }
    }
    const compiled = stats(a).median;
    const perCall = stats(b).median;
    compiledNs.push(compiled);
    perCallNs.push(perCall);
    ctx.log(
      `  ${c.name.padEnd(56)} compiled ${time(compiled).padStart(9)}   parsed every call ${time(perCall).padStart(9)}   ${(compiled / perCall).toFixed(3)}x`,
    );
  }
  const ratios = stats(compiledNs.map((c, i) => c / (perCallNs[i] ?? c)));
  const range = (xs: number[]): string => `${time(Math.min(...xs))}–${time(Math.max(...xs))}`;
  return {
    figure: `${title}, time per evaluation`,
    subject: `compiled ${range(compiledNs)}`,
    baseline: `parsed every call ${range(perCallNs)}`,
    ratio: ratios.median,
    spread: [ratios.min, ratios.max],
  };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  await loadSelectionEngines('all'); // criteria compile synchronously with the engines loaded
  const rounds = ctx.pick(3, 1);
  const budgetMs = ctx.pick(60, 20);
  const expressions: Case[] = [];
  for (const text of ['$statusCode', '$response.body#/status/state', '$steps.createEndpoint.outputs.endpointName', '$request.header.Authorization']) {
    const compiled = parseRuntimeExpression(text, '1.1');
    expressions.push({ name: text, compiled: () => compiled.evaluate(evalCtx), perCall: () => parseRuntimeExpression(text, '1.1').evaluate(evalCtx) });
  }
  const values: Array<[string, unknown]> = [
    ['"Bearer $inputs.hfToken" (P28)', 'Bearer $inputs.hfToken'],
    ['"{$sourceDescriptions.hf.url}#/paths/..."', '{$sourceDescriptions.hf.url}#/paths/~1v2~1endpoint~1{namespace}/post'],
    [
      'create-endpoint payload object',
      {
        name: '$inputs.name',
        type: 'protected',
        provider: { vendor: '$inputs.vendor', region: '$inputs.region' },
        compute: { accelerator: 'gpu', instanceType: 'nvidia-a10g', instanceSize: 'x1', scaling: { minReplica: 0, maxReplica: 1 } },
        model: { repository: 'openai-community/gpt2', framework: 'pytorch', task: 'text-generation' },
      },
    ],
  ];
  for (const [name, value] of values) {
    const compiled = compileValue(value, { version: '1.1' });
    expressions.push({ name, compiled: () => compiled.evaluate(evalCtx), perCall: () => compileValue(value, { version: '1.1' }).evaluate(evalCtx) });
  }
  const criteria: Array<[string, Criterion]> = [
    ['simple: $statusCode == 200', { condition: '$statusCode == 200' }],
    [
      'simple: status && body pointer != null',
      { condition: "$statusCode == 200 && $response.body#/status/state != null && $response.body.compute.instanceSize == 'X1'" },
    ],
    [
      'jsonpath comparison form (seed polling condition)',
      { context: '$response.body', condition: "$.status.state == 'pending' || $.status.state == 'initializing'", type: 'jsonpath' },
    ],
    ["jsonpath single query: $.status[?@ == 'initializing']", { context: '$response.body', condition: "$.status[?@ == 'initializing']", type: 'jsonpath' }],
    ['regex: ^2\\d{2}$ on $statusCode', { context: '$statusCode', condition: '^2\\d{2}$', type: 'regex' }],
  ];
  const cases: Case[] = criteria.map(([name, criterion]) => {
    const compiled = compileCriterion(criterion, { version: '1.1' });
    return { name, compiled: () => compiled.evaluate(evalCtx), perCall: () => compileCriterion(criterion, { version: '1.1' }).evaluate(evalCtx) };
  });
  return [measureCases(ctx, 'runtime expressions', expressions, rounds, budgetMs), measureCases(ctx, 'criteria', cases, rounds, budgetMs)];
}
