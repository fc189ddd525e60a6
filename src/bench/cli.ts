/**
 * CLI start-up and small-run wall times: spawns the built `arazzo` a few times per scenario and
 * prints the median, next to a bare `node -e ""` start measured the same way as the baseline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianSpawnTime } from './timing.js';

const RUNS = 7;

const OPENAPI = `openapi: 3.0.3
info: { title: bench, version: 1.0.0 }
servers: [{ url: http://127.0.0.1:9 }]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200': { description: ok }
`;

const ARAZZO = `arazzo: 1.0.1
info: { title: bench, version: 1.0.0 }
sourceDescriptions:
  - { name: api, url: ./api.yaml, type: openapi }
workflows:
  - workflowId: fetchTwice
    inputs:
      type: object
      properties: { id: { type: string } }
    steps:
      - stepId: first
        operationId: getItem
        parameters: [{ name: id, in: path, value: $inputs.id }]
        outputs: { name: $response.body#/name }
      - stepId: second
        operationId: getItem
        parameters: [{ name: id, in: path, value: $steps.first.outputs.name }]
    outputs: { name: $steps.first.outputs.name }
`;

function median(args: string[]): Promise<number> {
  return medianSpawnTime(args, RUNS);
}

export async function bench(): Promise<void> {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-bench-cli-'));
  writeFileSync(join(dir, 'api.yaml'), OPENAPI);
  const doc = join(dir, 'bench.arazzo.yaml');
  writeFileSync(doc, ARAZZO);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: `item-${req.url?.split('/').pop() ?? ''}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const baseline = await median(['-e', '']);
    const rows: Array<[string, number]> = [
      ['node -e "" (baseline)', baseline],
      ['arazzo --help', await median([main, '--help'])],
      ['arazzo list', await median([main, 'list', doc])],
      ['arazzo validate', await median([main, 'validate', doc])],
      ['arazzo run (2 steps)', await median([main, 'run', doc, '--input', 'id=1', '--server', `api=${url}`, '--quiet'])],
    ];
    console.log(`median wall time of ${RUNS} spawns each`);
    for (const [name, ms] of rows) {
      console.log(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms   ${(ms / baseline).toFixed(2)}× baseline`);
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
