/**
 * A workflow output that resolves to nothing is left out of the outputs (P6), and no longer
 * silently: the run emits a `warning` event (OUTPUT_UNRESOLVED), RunResult.warnings lists it, and
 * so do the CLI's --json report and its progress on stderr (issue 10 §3).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadArazzo, type RunEvent, runWorkflow } from '../src/index.js';
import { runCli } from './cli-helpers.js';
import { json, startServer, type TestServer } from './engine-helpers.js';

const API = pathToFileURL(fileURLToPath(new URL('./fixtures/dialects/api.openapi.yaml', import.meta.url))).href;
const scratch = mkdtempSync(join(tmpdir(), 'arazzo-output-warnings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = join(scratch, 'outputs.arazzo.yaml');
writeFileSync(
  file,
  `arazzo: 1.0.1
info: { title: outputs, version: '1' }
sourceDescriptions:
  - { name: api, url: '${API}', type: openapi }
workflows:
  - workflowId: w
    steps:
      - stepId: login
        operationId: login
        outputs:
          id: $response.body#/id
          nick: $response.body#/nick
    outputs:
      id: $steps.login.outputs.id
      nick: $steps.login.outputs.nick
      label: 'user {$steps.login.outputs.nick}'
`,
);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a workflow output that resolves to nothing (OUTPUT_UNRESOLVED)', () => {
  it('is left out, emitted as a warning event and listed in RunResult.warnings', async () => {
    server = await startServer((_req, res) => json(res, 200, { id: 7 }));
    const doc = await loadArazzo(file);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    // A template keeps its text; only an output with no value at all is left out.
    expect(result.outputs).toEqual({ id: 7, label: 'user ' });
    const warning = { code: 'OUTPUT_UNRESOLVED', workflowId: 'w', output: 'nick' };
    expect(result.warnings).toEqual([expect.objectContaining(warning)]);
    expect(result.warnings?.[0]?.message).toBe('Output "nick" of workflow "w" resolved to nothing and is left out ("$steps.login.outputs.nick" has no value).');
    expect(events.filter((e) => e.type === 'warning')).toEqual([expect.objectContaining({ type: 'warning', ...warning })]);
  });

  it('a run whose outputs all resolve has no warnings', async () => {
    server = await startServer((_req, res) => json(res, 200, { id: 7, nick: 'ada' }));
    const result = await runWorkflow(await loadArazzo(file), 'w', {}, { servers: { api: server.url } });
    expect(result.outputs).toEqual({ id: 7, nick: 'ada', label: 'user ada' });
    expect(result.warnings).toBeUndefined();
  });

  it('the CLI lists it in the --json report and says so on stderr', async () => {
    server = await startServer((_req, res) => json(res, 200, { id: 7 }));
    const r = await runCli(['run', file, '--json', '--server', `api=${server.url}`]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.warnings).toEqual([
      {
        code: 'OUTPUT_UNRESOLVED',
        workflowId: 'w',
        output: 'nick',
        message: 'Output "nick" of workflow "w" resolved to nothing and is left out ("$steps.login.outputs.nick" has no value).',
      },
    ]);
    expect(r.stderr).toContain('warning OUTPUT_UNRESOLVED: Output "nick" of workflow "w" resolved to nothing');
  });
});
