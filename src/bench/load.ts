/**
 * Benchmark: loading a document (read → validate → sources → compile), which every CLI command
 * does first. Two documents: the shipped seed workflow, and a generated larger one (an OpenAPI
 * description with 300 operations, a workflow with 150 steps).
 *
 * - cold: a fresh `node` process imports dist/load.js and loads the document once; median wall
 *   time of 5 spawns, next to `node -e ""` and to a process that only imports `yaml` and parses
 *   the same files (the least any YAML-based loader must do).
 * - warm: repeated loads in this process; median, next to `yaml.parse` of the same files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, medianSpawnTime } from './timing.js';

const COLD_RUNS = 5;
const WARM_RUNS = 20;

function coldMedian(args: string[]): Promise<number> {
  return medianSpawnTime(args, COLD_RUNS);
}

/** A larger pair of files: `ops` operations, a workflow whose steps call them in turn. */
function writeLargeDocument(dir: string, ops = 300, steps = 150): string {
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
  writeFileSync(join(dir, 'large.openapi.yaml'), openapi);
  const doc = join(dir, 'large.arazzo.yaml');
  writeFileSync(doc, arazzo);
  return doc;
}

export async function bench(): Promise<void> {
  const loadJs = pathToFileURL(fileURLToPath(new URL('../load.js', import.meta.url))).href;
  const seed = fileURLToPath(new URL('../../workflows/hugging-face-deploy-inference-endpoint-workflow.yml', import.meta.url));
  const seedSource = fileURLToPath(new URL('../../openapi/hugging-face-inference-endpoints-api.yml', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-load-'));
  try {
    const large = writeLargeDocument(dir);
    const documents: Array<[string, string, string[]]> = [
      ['seed workflow', seed, [seed, seedSource]],
      ['large (150 steps, 300 ops)', large, [large, join(dir, 'large.openapi.yaml')]],
    ];
    const { loadArazzo } = (await import(loadJs)) as typeof import('../load.js');
    const yaml = await import('yaml');

    const nodeBaseline = await coldMedian(['-e', '']);
    console.log(`cold: median wall time of ${COLD_RUNS} fresh processes (import + first load)`);
    console.log(`  ${'node -e ""'.padEnd(52)} ${nodeBaseline.toFixed(1).padStart(8)} ms`);
    for (const [name, file, files] of documents) {
      const yamlOnly = await coldMedian([
        '--input-type=module',
        '-e',
        `import { parse } from 'yaml'; import { readFileSync } from 'node:fs'; for (const f of ${JSON.stringify(files)}) parse(readFileSync(f, 'utf8'));`,
      ]);
      const load = await coldMedian([
        '--input-type=module',
        '-e',
        `const { loadArazzo } = await import(${JSON.stringify(loadJs)}); await loadArazzo(${JSON.stringify(file)});`,
      ]);
      console.log(`  ${`${name}: import yaml + yaml.parse`.padEnd(52)} ${yamlOnly.toFixed(1).padStart(8)} ms`);
      console.log(
        `  ${`${name}: import + loadArazzo`.padEnd(52)} ${load.toFixed(1).padStart(8)} ms   ${(load / yamlOnly).toFixed(2)}× yaml.parse, +${(load - nodeBaseline).toFixed(1)} ms over node -e ""`,
      );
    }

    console.log(`warm: median of ${WARM_RUNS} loads in this process`);
    for (const [name, file, files] of documents) {
      const texts = files.map((f) => readFileSync(f, 'utf8'));
      for (let i = 0; i < 3; i++) {
        await loadArazzo(file);
        for (const t of texts) yaml.parse(t);
      }
      const loads: number[] = [];
      const parses: number[] = [];
      for (let i = 0; i < WARM_RUNS; i++) {
        let t = performance.now();
        await loadArazzo(file);
        loads.push(performance.now() - t);
        t = performance.now();
        for (const text of texts) yaml.parse(text);
        parses.push(performance.now() - t);
      }
      const l = median(loads);
      const p = median(parses);
      console.log(`  ${`${name}: loadArazzo`.padEnd(52)} ${l.toFixed(2).padStart(8)} ms   ${(l / p).toFixed(2)}× yaml.parse of its files (${p.toFixed(2)} ms)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
