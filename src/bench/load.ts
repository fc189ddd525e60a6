/**
 * Loading a document (read → validate → sources → compile), which every CLI command does first,
 * against `JSON.parse` of the same content: the Arazzo file and its OpenAPI description, converted
 * to JSON text beforehand. Warm loads in this process, paired rounds of about 100 ms each. Two documents: the shipped
 * seed workflow, and a generated larger one (an OpenAPI description with 300 operations, a
 * workflow with 150 steps).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadArazzo } from '../index.js';
import { fromRoot, ms, pairedRounds, stats } from './harness.js';
import type { BenchContext } from './registry.js';
import { type Figure, ratioFigure } from './report.js';

/** Writes a larger pair of files: `ops` operations, a workflow whose steps call them in turn. */
export function writeLargeDocument(dir: string, ops = 300, steps = 150): { arazzo: string; openapi: string } {
  const paths: string[] = [];
  for (let i = 0; i < ops; i++) {
    paths.push(`  /items${i}/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getItem${i}
      summary: Read item ${i}
      parameters:
        - { name: verbose, in: query, schema: { type: boolean } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Item' }
        '404': { $ref: '#/components/responses/NotFound' }
    put:
      operationId: putItem${i}
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Item' }
      responses:
        '200': { description: ok }`);
  }
  const openapi = `openapi: 3.0.3
info: { title: large, version: 1.0.0 }
servers: [{ url: 'http://127.0.0.1:9' }]
paths:
${paths.join('\n')}
components:
  parameters:
    id: { name: id, in: path, required: true, schema: { type: string } }
  responses:
    NotFound:
      description: not found
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
  schemas:
    Error: { type: object, properties: { message: { type: string } } }
    Item:
      type: object
      required: [id]
      properties:
        id: { type: string }
        name: { type: string, description: "The item's name" }
        parent: { $ref: '#/components/schemas/Item' }
`;
  const stepList: string[] = [];
  for (let i = 0; i < steps; i++) {
    const prev = i === 0 ? '$inputs.id' : `$steps.s${i - 1}.outputs.id`;
    stepList.push(`      - stepId: s${i}
        description: >-
          Read item ${i} and keep its id for the next step, retrying a 404
          up to three times.
        operationId: getItem${i % ops}
        parameters:
          - { name: id, in: path, value: ${prev} }
          - name: verbose
            in: query
            value: true
        successCriteria:
          - condition: $statusCode == 200
          - context: $response.body
            condition: $.id != null
            type: jsonpath
        onFailure:
          - { name: again, type: retry, retryAfter: 1, retryLimit: 3 }
        outputs:
          id: $response.body#/id`);
  }
  const arazzo = `arazzo: 1.0.1
info:
  title: Large bench workflow
  version: 1.0.0
sourceDescriptions:
  - name: api
    url: ./large.openapi.yaml
    type: openapi
workflows:
  - workflowId: chain
    inputs:
      type: object
      properties:
        id: { type: string }
    steps:
${stepList.join('\n')}
    outputs:
      last: $steps.s${steps - 1}.outputs.id
`;
  const files = { arazzo: join(dir, 'large.arazzo.yaml'), openapi: join(dir, 'large.openapi.yaml') };
  writeFileSync(files.openapi, openapi);
  writeFileSync(files.arazzo, arazzo);
  return files;
}

/** Calls `fn` `reps` times; a sample of several calls pays for its own garbage, so no forced GC is needed between samples. */
async function repeat(reps: number, fn: () => unknown): Promise<void> {
  for (let i = 0; i < reps; i++) await fn();
}

async function compare(ctx: BenchContext, name: string, arazzo: string, openapi: string, rounds: number): Promise<Figure> {
  const json = [arazzo, openapi].map((f) => JSON.stringify(parseYaml(readFileSync(f, 'utf8'))));
  const kb = json.reduce((n, t) => n + t.length, 0) / 1024;
  const parseAll = (): void => {
    for (const text of json) JSON.parse(text);
  };
  const load = (): Promise<unknown> => loadArazzo(arazzo);
  // Warm up, then size the samples: about 100 ms of loads, and as many parses as take as long.
  await repeat(3, load);
  await repeat(20, parseAll);
  let t = performance.now();
  await repeat(3, load);
  const loadMs = (performance.now() - t) / 3;
  t = performance.now();
  await repeat(50, parseAll);
  const parseMs = (performance.now() - t) / 50;
  const loadReps = Math.max(1, Math.round(100 / loadMs));
  const parseReps = Math.max(1, Math.round((loadReps * loadMs) / parseMs));
  const paired = await pairedRounds(
    rounds,
    () => repeat(parseReps, parseAll),
    () => repeat(loadReps, load),
    { collect: false },
  );
  const parse = stats(paired.baseline.map((s) => s.wallMs / parseReps));
  const loads = stats(paired.subject.map((s) => s.wallMs / loadReps));
  const ratios = stats(paired.subject.map((s, i) => s.wallMs / loadReps / ((paired.baseline[i] ?? s).wallMs / parseReps)));
  ctx.log(
    `${name} (${kb.toFixed(0)} KB as JSON), ${rounds} paired rounds of ${loadReps} loads / ${parseReps} parses: loadArazzo ${ms(loads.median)} ms (${ms(loads.min)}–${ms(loads.max)}), JSON.parse ${ms(parse.median)} ms (${ms(parse.min)}–${ms(parse.max)})`,
  );
  return ratioFigure(`load ${name}, warm`, `${ms(loads.median)} ms`, `JSON.parse ${ms(parse.median)} ms`, ratios);
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const rounds = ctx.pick(11, 5);
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-load-'));
  try {
    const large = writeLargeDocument(dir);
    return [
      await compare(
        ctx,
        'seed workflow + OpenAPI',
        fromRoot('workflows/hugging-face-deploy-inference-endpoint-workflow.yml'),
        fromRoot('openapi/hugging-face-inference-endpoints-api.yml'),
        rounds,
      ),
      await compare(ctx, '150 steps + 300 operations', large.arazzo, large.openapi, rounds),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
