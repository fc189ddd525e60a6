/**
 * A workflow output that resolves to nothing is left out of the outputs (P6), and never silently
 * (issue 10 §3): a `warning` event (OUTPUT_UNRESOLVED), RunResult.warnings and the CLI's --json
 * report list it. When that may be a mistake, the CLI's progress on stderr says so too; on a
 * workflow that succeeded (an output meant for failures is empty then by design) or for an output
 * whose step did not run, the warning is marked `expected` and stderr stays quiet.
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
  - workflowId: twoSteps
    steps:
      - stepId: login
        operationId: login
        outputs:
          id: $response.body#/id
      - stepId: item
        operationId: getItem
        parameters: [{ name: id, in: path, value: $steps.login.outputs.id }]
        outputs:
          name: $response.body#/name
    outputs:
      id: $steps.login.outputs.id
      name: $steps.item.outputs.name
`,
);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MESSAGE = 'Output "nick" of workflow "w" resolved to nothing and is left out ("$steps.login.outputs.nick" has no value).';

describe('a workflow output that resolves to nothing (OUTPUT_UNRESOLVED)', () => {
  it('on a workflow that failed, one its step that ran gave no value is left out, a warning event, and in RunResult.warnings', async () => {
    server = await startServer((_req, res) => json(res, 500, { id: 7 }));
    const doc = await loadArazzo(file);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('failed');
    // A template keeps its text; only an output with no value at all is left out.
    expect(result.outputs).toEqual({ id: 7, label: 'user ' });
    const warning = { code: 'OUTPUT_UNRESOLVED', workflowId: 'w', output: 'nick' };
    expect(result.warnings).toEqual([expect.objectContaining(warning)]);
    expect(result.warnings?.[0]?.message).toBe(MESSAGE);
    expect(events.filter((e) => e.type === 'warning')).toEqual([expect.objectContaining({ type: 'warning', ...warning })]);
  });

  it('on a workflow that succeeded, it is left out with an expected warning: an output meant for failures is empty then by design', async () => {
    server = await startServer((_req, res) => json(res, 200, { id: 7 }));
    const events: RunEvent[] = [];
    const result = await runWorkflow(await loadArazzo(file), 'w', {}, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ id: 7, label: 'user ' });
    const warning = { code: 'OUTPUT_UNRESOLVED', workflowId: 'w', output: 'nick', message: MESSAGE, expected: true };
    expect(result.warnings).toEqual([warning]);
    expect(events.filter((e) => e.type === 'warning')).toEqual([expect.objectContaining(warning)]);
  });

  it('an output whose step did not run (the workflow failed before it) is left out without a warning', async () => {
    server = await startServer((_req, res) => json(res, 503, {}));
    const result = await runWorkflow(await loadArazzo(file), 'twoSteps', {}, { servers: { api: server.url } });
    expect(result.status).toBe('failed');
    expect(result.error?.stepId).toBe('login');
    expect(result.outputs).toEqual({});
    // id: its step ran and gave nothing (a warning); name: its step never ran (expected).
    expect(result.warnings?.map((w) => [w.output, w.expected])).toEqual([
      ['id', undefined],
      ['name', true],
    ]);
  });

  it('a run whose outputs all resolve has no warnings', async () => {
    server = await startServer((_req, res) => json(res, 200, { id: 7, nick: 'ada' }));
    const result = await runWorkflow(await loadArazzo(file), 'w', {}, { servers: { api: server.url } });
    expect(result.outputs).toEqual({ id: 7, nick: 'ada', label: 'user ada' });
    expect(result.warnings).toBeUndefined();
  });

  it('the CLI lists it in the --json report, says so on stderr when the run failed, and keeps stderr quiet on a success', async () => {
    server = await startServer((_req, res) => json(res, 500, { id: 7 }));
    const failed = await runCli(['run', file, '-w', 'w', '--json', '--server', `api=${server.url}`]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).warnings).toEqual([{ code: 'OUTPUT_UNRESOLVED', workflowId: 'w', output: 'nick', message: MESSAGE }]);
    expect(failed.stderr).toContain('warning OUTPUT_UNRESOLVED: Output "nick" of workflow "w" resolved to nothing');
    await server.close();
    server = await startServer((_req, res) => json(res, 200, { id: 7 }));
    const succeeded = await runCli(['run', file, '-w', 'w', '--json', '--server', `api=${server.url}`]);
    expect(succeeded.code).toBe(0);
    expect(JSON.parse(succeeded.stdout).warnings).toEqual([{ code: 'OUTPUT_UNRESOLVED', workflowId: 'w', output: 'nick', message: MESSAGE, expected: true }]);
    expect(succeeded.stderr).not.toContain('warning');
  });
});
