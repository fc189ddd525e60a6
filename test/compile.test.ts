import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDocument } from '../src/compile/validate.js';
import { parseText } from '../src/document/parse-text.js';
import { DocumentError, type Problem } from '../src/errors.js';
import { describeWorkflows, loadArazzo } from '../src/index.js';
import { FIXTURES, loadDoc } from './engine-helpers.js';

/** Problems of a YAML document checked without sources, as `code@line:col`. */
async function check(text: string): Promise<string[]> {
  const doc = parseText(text, 'case.yaml');
  return (await validateDocument(doc.data, doc)).map((p) => `${p.code}@${p.line}:${p.column}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'arazzo-compile-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let cases = 0;

/** Problems of a YAML document loaded from a file (with its sources), so they have line and column. */
async function loadProblems(text: string): Promise<Problem[]> {
  const file = join(scratch, `case-${cases++}.arazzo.yaml`);
  writeFileSync(file, text.replace('./api.openapi.yml', pathToFileURL(join(FIXTURES, 'api.openapi.yml')).href));
  try {
    const loaded = await loadArazzo(file);
    return [...loaded.warnings];
  } catch (err) {
    if (err instanceof DocumentError) return err.problems;
    throw err;
  }
}

const head = `arazzo: 1.0.1
info: { title: t, version: '1' }
sourceDescriptions:
  - name: api
    url: ./api.openapi.yml
    type: openapi
`;

describe('the compile pass reports each mistake once, where it is', () => {
  it('a braced condition is one error on the condition, not a warning and a syntax error', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
          - condition: '{$statusCode == 200}'
`;
    expect(await check(text)).toEqual(['CRITERION_CONDITION_BRACED@13:13']);
    const problems = await loadProblems(text);
    expect(problems.map((p) => [p.severity, p.code, p.path, p.line])).toEqual([
      ['error', 'CRITERION_CONDITION_BRACED', '$.workflows[0].steps[0].successCriteria[0].condition', 13],
    ]);
  });

  it('$message in a condition is one AsyncAPI error on the condition', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
          - condition: $message.payload == 1
`;
    const problems = await loadProblems(text);
    expect(problems.map((p) => [p.code, p.path])).toEqual([['ASYNCAPI_UNSUPPORTED', '$.workflows[0].steps[0].successCriteria[0].condition']]);
  });

  it('a broken component is reported once, at the component, however many steps use it', async () => {
    const text = `${head}components:
  parameters:
    trace: { name: X-Trace, in: header, value: $steps.login.token }
  successActions:
    elsewhere: { name: elsewhere, type: goto, workflowId: nowhere }
workflows:
  - workflowId: w
    steps:
      - stepId: a
        operationId: getStatus
        parameters: [{ reference: $components.parameters.trace }]
        onSuccess: [{ reference: $components.successActions.elsewhere }]
      - stepId: b
        operationId: getStatus
        parameters: [{ reference: $components.parameters.trace }]
        onSuccess: [{ reference: $components.successActions.elsewhere }]
`;
    const problems = await loadProblems(text);
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.path} ${p.line}`)).toEqual([
      'STEP_REFERENCE_INVALID $.components.parameters.trace.value 9',
      'WORKFLOW_NOT_FOUND $.components.successActions.elsewhere.workflowId 11',
    ]);
  });

  it('a source type the schema rejects is not reported again by the source loader', async () => {
    const text = `${head}  - name: gql
    url: ./schema.graphql
    type: graphql
workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getStatus
`;
    const problems = await loadProblems(text);
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.path}`)).toEqual(['SCHEMA_ENUM $.sourceDescriptions[1].type']);
  });

  it('a criterion that breaks the schema is not compiled as well', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
          - context: $response.body
            condition: $.a
            type: { type: jsonpath, version: rfc9535 }
`;
    expect(await check(text)).toEqual(['SCHEMA_ENUM@15:37']);
  });
});

describe('expressions are found by the expression parser', () => {
  it('text that only mentions an expression (a description) is not checked; values are, at the string that holds them', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        description: reads $steps.nowhere.outputs.x once it exists
        operationId: echo
        requestBody:
          payload:
            user: { id: $steps.nowhere.outputs.id }
            note: 'token $steps.s.token here'
`;
    expect(await check(text)).toEqual(['STEP_NOT_FOUND@15:21', 'EXPRESSION_BARE@16:13', 'STEP_SELF_REFERENCE@16:13', 'STEP_REFERENCE_INVALID@16:13']);
  });

  it('every string of a payload that does not compile is reported, each at its own path', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: echo
        requestBody:
          payload:
            a: '{$inputs.a'
            b: [ok, $message.payload]
            c: $steps.s.token
`;
    expect(await check(text)).toEqual(['EXPRESSION_SYNTAX@14:13', 'ASYNCAPI_UNSUPPORTED@15:21', 'STEP_SELF_REFERENCE@16:13', 'STEP_REFERENCE_INVALID@16:13']);
  });

  it('workflow-level parameters, actions and outputs are checked against the workflow steps', async () => {
    const text = `${head}workflows:
  - workflowId: w
    parameters:
      - { name: X-Trace, in: header, value: $steps.nowhere.outputs.trace }
    successActions:
      - name: done
        type: end
        criteria: [{ condition: $steps.gone.outputs.ok == true }]
    steps:
      - stepId: s
        operationId: getStatus
    outputs:
      x: $steps.missing.outputs.x
`;
    expect(await check(text)).toEqual(['STEP_NOT_FOUND@10:38', 'STEP_NOT_FOUND@14:22', 'STEP_NOT_FOUND@19:7']);
  });

  it('an extension with a bad value has a JSON path that locates it', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getStatus
        x-delay: -1
`;
    const problems = await loadProblems(text);
    expect(problems.map((p) => `${p.code} ${p.path} ${p.line}:${p.column}`)).toEqual(["STEP_EXTENSION_INVALID $.workflows[0].steps[0]['x-delay'] 12:9"]);
  });
});

describe('what embedders see of a loaded document', () => {
  it('doc.workflows: inputs, outputs and steps with their operations and called workflows, not plans', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'main',
        summary: 'Read an item',
        inputs: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, apiToken: { type: 'string' }, count: { type: 'integer', default: 2 } },
        },
        steps: [
          {
            stepId: 'read',
            description: 'Read it',
            operationId: 'getItem',
            parameters: [{ name: 'id', in: 'path', value: '$inputs.id' }],
            outputs: { body: '$response.body' },
          },
          { stepId: 'again', workflowId: 'child' },
        ],
        outputs: { body: '$steps.read.outputs.body' },
      },
      { workflowId: 'child', dependsOn: ['main'], steps: [{ stepId: 'ping', operationPath: '{$sourceDescriptions.api.url}#/paths/~1status/get' }] },
    ]);
    expect([...doc.workflows.keys()]).toEqual(['main', 'child']);
    expect(doc.workflows.get('main')).toEqual({
      workflowId: 'main',
      summary: 'Read an item',
      inputsSchema: expect.objectContaining({ required: ['id'] }),
      inputs: [
        { name: 'id', type: 'string', types: ['string'], required: true, hasDefault: false, secret: false },
        { name: 'apiToken', type: 'string', types: ['string'], required: false, hasDefault: false, secret: true },
        { name: 'count', type: 'integer', types: ['integer'], required: false, default: 2, hasDefault: true, secret: false },
      ],
      outputs: ['body'],
      dependsOn: [],
      steps: [
        {
          stepId: 'read',
          description: 'Read it',
          kind: 'operation',
          operation: { source: 'api', operationId: 'getItem', method: 'GET', path: '/items/{id}' },
          outputs: ['body'],
        },
        { stepId: 'again', kind: 'workflow', workflow: { workflowId: 'child' }, outputs: [] },
      ],
    });
    expect(doc.workflows.get('child')?.dependsOn).toEqual([{ workflowId: 'main' }]);
    expect(doc.workflows.get('child')?.steps[0]?.operation).toEqual({ source: 'api', operationId: 'getStatus', method: 'GET', path: '/status' });
    // The compiled plans are not part of the document's public shape.
    expect(Object.keys(doc).sort()).toEqual(['baseUri', 'document', 'locate', 'location', 'sources', 'version', 'warnings', 'workflows']);
  });

  it('describeWorkflows lists workflows and their inputs without loading the document, as arazzo list does', () => {
    const doc = parseText(
      `${head}components:
  inputs:
    secret: { type: string, format: password, default: changeme }
workflows:
  - workflowId: login
    description: Log in. Then do more.
    inputs:
      type: object
      required: [user]
      properties:
        user: { type: string }
        pass: { $ref: '#/components/inputs/secret' }
    steps:
      - stepId: s
        operationId: nowhereToBeFound
`,
      'list.yaml',
    );
    expect(describeWorkflows(doc.data as never)).toEqual([
      {
        workflowId: 'login',
        description: 'Log in. Then do more.',
        stepCount: 1,
        inputs: [
          { name: 'user', type: 'string', types: ['string'], required: true, hasDefault: false, secret: false },
          { name: 'pass', type: 'string', types: ['string'], required: false, default: 'changeme', hasDefault: true, secret: true },
        ],
      },
    ]);
  });
});
