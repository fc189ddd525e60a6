/**
 * Benchmark: runtime expressions and criteria compiled once at load versus parsed on every call.
 * Prints ops/s for both and their ratio. Fixed iteration counts; no assertions.
 */
import { compileCriterion } from '../criteria/compile.js';
import { loadSelectionEngines } from '../selection/engines.js';
import type { Criterion } from '../document/types.js';
import { compileValue } from '../expressions/compile-value.js';
import { parseRuntimeExpression } from '../expressions/runtime-expression.js';
import type { EvalContext } from '../expressions/types.js';

const ITERATIONS = 200_000;
const CRITERION_ITERATIONS = 50_000;

const ctx: EvalContext = {
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

function opsPerSecond(iterations: number, fn: () => unknown): number {
  let sink: unknown;
  for (let i = 0; i < Math.min(iterations, 5_000); i++) sink = fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === Symbol.for('never')) console.log(sink);
  return (iterations * 1e9) / ns;
}

function format(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(13);
}

function line(name: string, compiled: number, perCall: number): void {
  console.log(
    `${name.padEnd(58)} compiled ${format(compiled)} ops/s   parse-every-call ${format(perCall)} ops/s   x${(compiled / perCall).toFixed(1).padStart(6)}`,
  );
}

export async function bench(): Promise<void> {
  await loadSelectionEngines('all');
  console.log(`runtime expressions (${ITERATIONS.toLocaleString('en-US')} iterations each)`);
  for (const text of ['$statusCode', '$response.body#/status/state', '$steps.createEndpoint.outputs.endpointName', '$request.header.Authorization']) {
    const compiled = parseRuntimeExpression(text, '1.1');
    line(
      text,
      opsPerSecond(ITERATIONS, () => compiled.evaluate(ctx)),
      opsPerSecond(ITERATIONS, () => parseRuntimeExpression(text, '1.1').evaluate(ctx)),
    );
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
    line(
      name,
      opsPerSecond(ITERATIONS, () => compiled.evaluate(ctx)),
      opsPerSecond(ITERATIONS, () => compileValue(value, { version: '1.1' }).evaluate(ctx)),
    );
  }

  console.log(`\ncriteria (${CRITERION_ITERATIONS.toLocaleString('en-US')} iterations each)`);
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
  for (const [name, criterion] of criteria) {
    const compiled = compileCriterion(criterion, { version: '1.1' });
    line(
      name,
      opsPerSecond(CRITERION_ITERATIONS, () => compiled.evaluate(ctx)),
      opsPerSecond(CRITERION_ITERATIONS, () => compileCriterion(criterion, { version: '1.1' }).evaluate(ctx)),
    );
  }
}
