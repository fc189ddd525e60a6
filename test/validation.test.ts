import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../src/errors.js';
import { arazzoSchema10, arazzoSchema11, DOCUMENT_PROBLEM_CODES, parseText, readDocument } from '../src/document/index.js';
import { validateDocument } from '../src/compile/validate.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/documents');

async function validateFile(relative: string): Promise<Problem[]> {
  const doc = await readDocument(join(fixtures, relative));
  return validateDocument(doc.data, doc);
}

const summary = (problems: Problem[]): string[] => problems.map((p) => `${p.code}@${p.line}:${p.column}`);

/** One fixture per code: [code, severity, line, column]. Each fixture has exactly that one problem. */
const negativeCases: Array<[string, 'error' | 'warning', number, number]> = [
  ['SCHEMA_REQUIRED', 'error', 12, 9],
  ['SCHEMA_UNKNOWN_PROPERTY', 'error', 14, 9],
  ['SCHEMA_TYPE', 'error', 15, 13],
  ['SCHEMA_ENUM', 'error', 16, 13],
  ['SCHEMA_PATTERN', 'error', 16, 5],
  ['SCHEMA_MIN_ITEMS', 'error', 11, 5],
  ['SCHEMA_DUPLICATE_ITEMS', 'error', 11, 5],
  ['SCHEMA_RANGE', 'error', 17, 13],
  ['SOURCE_NAME_DUPLICATE', 'error', 9, 5],
  ['WORKFLOW_ID_DUPLICATE', 'error', 14, 5],
  ['STEP_ID_DUPLICATE', 'error', 14, 9],
  ['PARAMETER_DUPLICATE', 'error', 18, 13],
  ['PARAMETER_HEADER_CASE', 'warning', 18, 13],
  ['ACTION_NAME_DUPLICATE', 'error', 17, 13],
  ['ID_NOT_PORTABLE', 'warning', 10, 5],
  ['OUTPUT_NAME_INVALID', 'error', 15, 11],
  ['STEP_TARGET_MISSING', 'error', 12, 9],
  ['STEP_TARGET_AMBIGUOUS', 'error', 12, 9],
  ['OPERATION_PATH_INVALID', 'error', 13, 9],
  ['SOURCE_UNKNOWN', 'error', 13, 9],
  ['SOURCE_NOT_ARAZZO', 'error', 13, 9],
  ['WORKFLOW_NOT_FOUND', 'error', 13, 9],
  ['STEP_NOT_FOUND', 'error', 17, 13],
  ['STEP_REFERENCE_INVALID', 'error', 17, 7],
  ['STEP_DEPENDS_ON_NOT_FOUND', 'error', 14, 21],
  ['DEPENDS_ON_CYCLE', 'error', 21, 17],
  ['STEP_FORWARD_REFERENCE', 'error', 17, 13],
  ['STEP_SELF_REFERENCE', 'warning', 17, 13],
  ['ACTION_TARGET_MISSING', 'error', 15, 13],
  ['GOTO_LOOP_UNPACED', 'warning', 22, 13],
  ['ACTION_TARGET_AMBIGUOUS', 'error', 15, 13],
  ['ACTION_TARGET_NOT_ALLOWED', 'error', 17, 13],
  ['ACTION_PARAMETERS_WITHOUT_WORKFLOW', 'warning', 19, 13],
  ['ACTION_PARAMETER_IN_NOT_ALLOWED', 'error', 20, 17],
  ['COMPONENT_REFERENCE_INVALID', 'error', 15, 13],
  ['COMPONENT_KIND_MISMATCH', 'error', 15, 13],
  ['COMPONENT_NOT_FOUND', 'error', 15, 13],
  ['REUSABLE_VALUE_NOT_ALLOWED', 'error', 16, 13],
  ['PARAMETER_IN_REQUIRED', 'error', 15, 13],
  ['PARAMETER_IN_IGNORED', 'warning', 16, 13],
  ['REQUEST_BODY_ON_WORKFLOW_STEP', 'error', 14, 9],
  ['CRITERION_CONTEXT_REQUIRED', 'error', 15, 13],
  ['INPUTS_SCHEMA_INVALID', 'error', 16, 11],
  ['CRITERION_CONDITION_BRACED', 'error', 15, 13],
  ['ASYNCAPI_UNSUPPORTED', 'error', 14, 9],
];

describe('one negative fixture per code', () => {
  it.each(negativeCases)('%s', async (code, severity, line, column) => {
    const file = join(fixtures, 'invalid', `${code}.yaml`);
    const doc = await readDocument(file);
    const problems = await validateDocument(doc.data, doc);
    expect(summary(problems)).toEqual([`${code}@${line}:${column}`]);
    const [problem] = problems;
    expect(problem).toMatchObject({ code, severity, file });
    expect(problem?.path).toMatch(/^\$\./);
    expect(problem?.message.length).toBeGreaterThan(20);
  });

  it('covers every validation code in the exported table', () => {
    const readingCodes = [
      'DOCUMENT_NOT_FOUND',
      'DOCUMENT_FETCH_FAILED',
      'DOCUMENT_TOO_LARGE',
      'YAML_SYNTAX',
      'YAML_DUPLICATE_KEY',
      'YAML_TAG_NOT_ALLOWED',
      'YAML_KEY_NOT_SCALAR',
      'YAML_ALIAS_LIMIT',
      'DOCUMENT_TOO_DEEP',
      'DOCUMENT_NOT_OBJECT',
      'ARAZZO_VERSION_UNSUPPORTED',
      'SCHEMA_INVALID',
    ];
    const tested = new Set([...negativeCases.map(([code]) => code), ...readingCodes]);
    expect(Object.keys(DOCUMENT_PROBLEM_CODES).filter((code) => !tested.has(code))).toEqual([]);
    expect(readdirSync(join(fixtures, 'invalid')).length).toBe(negativeCases.length);
  });
});

describe('messages say what to fix', () => {
  it('a step without a target', async () => {
    const [problem] = await validateFile('invalid/STEP_TARGET_MISSING.yaml');
    expect(problem?.message).toContain('needs exactly one of operationId, operationPath, workflowId');
    expect(problem?.path).toBe('$.workflows[0].steps[0]');
  });

  it('a dependsOn cycle names the whole cycle', async () => {
    const [problem] = await validateFile('invalid/DEPENDS_ON_CYCLE.yaml');
    expect(problem?.message).toContain('a -> b -> c -> a');
  });

  it('a missing component lists the ones that exist', async () => {
    const [problem] = await validateFile('invalid/COMPONENT_NOT_FOUND.yaml');
    expect(problem?.message).toContain("'page'");
  });

  it('a duplicate parameter names the entry that set it first', async () => {
    const [problem] = await validateFile('invalid/PARAMETER_DUPLICATE.yaml');
    expect(problem?.message).toContain("parameter 'X-Api-Key' in header is already set by entry 0");
  });
});

describe('a document with many problems', () => {
  it('reports all of them at once, in document order', async () => {
    const problems = await validateFile('many-problems.arazzo.yaml');
    expect(problems.map((p) => `${p.severity[0]} ${p.code}@${p.line}:${p.column}`)).toEqual([
      'e SCHEMA_REQUIRED@2:1',
      'e SOURCE_NAME_DUPLICATE@8:5',
      'e SCHEMA_UNKNOWN_PROPERTY@10:5',
      'e STEP_TARGET_AMBIGUOUS@15:9',
      'w PARAMETER_HEADER_CASE@24:13',
      'e COMPONENT_KIND_MISMATCH@27:13',
      'e CRITERION_CONTEXT_REQUIRED@29:13',
      'e SCHEMA_TYPE@31:13',
      'e ACTION_TARGET_MISSING@33:13',
      'e ACTION_NAME_DUPLICATE@35:13',
      'e STEP_NOT_FOUND@37:13',
      'e SCHEMA_MIN_ITEMS@40:13',
      'e OUTPUT_NAME_INVALID@42:11',
      'e STEP_ID_DUPLICATE@43:9',
      'e REQUEST_BODY_ON_WORKFLOW_STEP@45:9',
      'w PARAMETER_IN_IGNORED@49:13',
      'e DEPENDS_ON_CYCLE@52:17',
      'e SOURCE_UNKNOWN@52:20',
      'e OPERATION_PATH_INVALID@55:9',
      'e SCHEMA_RANGE@59:13',
      'e COMPONENT_NOT_FOUND@60:13',
      'e REUSABLE_VALUE_NOT_ALLOWED@61:13',
      'e ASYNCAPI_UNSUPPORTED@63:9',
      'e ASYNCAPI_UNSUPPORTED@64:9',
      'e SCHEMA_TYPE@65:9',
      'e SCHEMA_PATTERN@68:5',
    ]);
  });
});

describe('the shipped seed workflow', () => {
  it('validates clean but for the two P28 bare expressions and its unpaced poll loop (the same warnings loading gives)', async () => {
    const problems = await validateFile('hugging-face-deploy-inference-endpoint-workflow.yml');
    expect(problems.map((p) => `${p.severity} ${p.code}@${p.line}:${p.column}`)).toEqual([
      'warning EXPRESSION_BARE@75:7',
      'warning EXPRESSION_BARE@119:7',
      'warning GOTO_LOOP_UNPACED@132:7',
    ]);
  });
});

describe('spec examples', () => {
  it.each([
    'spec/pet-purchase.fixed.arazzo.yaml',
    'spec/components.fixed.arazzo.json',
    'spec/login-and-retrieve-pets.arazzo.yaml',
    'spec/oauth.arazzo.yaml',
    'spec/pet-coupons.arazzo.yaml',
    'spec/features-1.1.arazzo.yaml',
  ])('%s validates clean', async (file) => {
    expect(await validateFile(file)).toEqual([]);
  });

  it('1.0.0 pet purchase, unfixed: wrong source case, and a $steps expression without .outputs. (a declared output: the dialect warning)', async () => {
    const problems = await validateFile('spec/pet-purchase-1.0.0.unfixed.arazzo.yaml');
    expect(problems.map((p) => `${p.severity[0]} ${p.code}@${p.line}:${p.column}`)).toEqual(['e SOURCE_UNKNOWN@43:9', 'w DIALECT_STEP_OUTPUTS@56:7']);
    expect(problems[1]?.message).toContain('"$steps.getPetStep.outputs.availablePets"');
  });

  it('1.0.1 pet purchase, unfixed: wrong source case and $steps.loginUser', async () => {
    expect(summary(await validateFile('spec/pet-purchase-1.0.1.unfixed.arazzo.yaml'))).toEqual(['SOURCE_UNKNOWN@43:9', 'STEP_NOT_FOUND@50:13']);
  });

  it('1.0.1 JSON components example, unfixed: a braced condition is flagged (#362), once', async () => {
    const problems = await validateFile('spec/components.unfixed.arazzo.json');
    expect(problems.map((p) => [p.code, p.severity, p.line])).toEqual([['CRITERION_CONDITION_BRACED', 'error', 39]]);
  });

  it('BNPL example, unfixed: in: body and condition on an action are schema errors', async () => {
    // The action that should test a condition has none (the schema error), so it loops back unconditionally.
    expect(summary(await validateFile('spec/bnpl.unfixed.arazzo.yaml'))).toEqual([
      'SCHEMA_ENUM@25:13',
      'GOTO_LOOP_UNPACED@48:13',
      'SCHEMA_UNKNOWN_PROPERTY@51:13',
    ]);
  });
});

describe('upstream characterization cases (schema-valid, semantically wrong) are rejected', () => {
  it.each([
    ['characterization-openapi-invalid-operationPath-string', ['OPERATION_PATH_INVALID@14:9']],
    ['characterization-openapi-operationId-with-action', ['ASYNCAPI_UNSUPPORTED@15:9']],
    ['characterization-openapi-receive-with-correlationId', ['ASYNCAPI_UNSUPPORTED@15:9', 'ASYNCAPI_UNSUPPORTED@16:9']],
    ['characterization-workflow-step-with-requestBody', ['REQUEST_BODY_ON_WORKFLOW_STEP@15:9']],
    ['characterization-async-invalid-channelPath-string', ['ASYNCAPI_UNSUPPORTED@9:5', 'ASYNCAPI_UNSUPPORTED@14:9', 'ASYNCAPI_UNSUPPORTED@15:9']],
    ['characterization-asyncapi-operationId-without-action', ['ASYNCAPI_UNSUPPORTED@9:5', 'ASYNCAPI_UNSUPPORTED@14:9']],
  ])('%s', async (name, expected) => {
    const problems = await validateFile(`characterization/${name}.arazzo.yaml`);
    expect(summary(problems)).toEqual(expected);
    expect(problems.every((p) => p.severity === 'error')).toBe(true);
  });
});

const base = (version: string, step: string, extra = ''): string => `arazzo: ${version}
info:
  title: t
  version: '1'
sourceDescriptions:
  - name: api
    url: ./api.yaml
workflows:
  - workflowId: main
    steps:
      - stepId: first
        operationId: getThing
${step}
      - stepId: second
        operationId: getOther
${extra}`;

/** `base` with step `second` declaring the output `id`. */
const withSecondOutput = (text: string): string =>
  text.replace('        operationId: getOther\n', '        operationId: getOther\n        outputs:\n          id: $response.body#/id\n');

async function check(text: string): Promise<string[]> {
  const doc = parseText(text, 'case.yaml');
  return (await validateDocument(doc.data, doc)).map((p) => `${p.code}@${p.line}:${p.column}`);
}

describe('schema fixes over the official schemas (rules §10.2)', () => {
  it('a retry needs neither a target nor retryAfter', async () => {
    expect(await check(base('1.0.1', '        onFailure:\n          - name: again\n            type: retry'))).toEqual([]);
  });

  it('a simple criterion needs no context (P9), an empty failure criteria list is allowed', async () => {
    const step =
      '        successCriteria:\n          - condition: $statusCode == 200\n            type: simple\n        onFailure:\n          - name: stop\n            type: end\n            criteria: []';
    expect(await check(base('1.0.1', step))).toEqual([]);
  });

  it('a 1.0 criterion accepts an Expression Type Object (#336) but checks its version', async () => {
    const ok =
      '        successCriteria:\n          - context: $response.body\n            condition: $.a\n            type:\n              type: jsonpath\n              version: draft-goessner-dispatch-jsonpath-00';
    expect(await check(base('1.0.1', ok))).toEqual([]);
    expect(await check(base('1.0.1', ok.replace('draft-goessner-dispatch-jsonpath-00', 'rfc9535')))).toEqual(['SCHEMA_ENUM@18:15']);
    expect(await check(base('1.1.0', ok.replace('draft-goessner-dispatch-jsonpath-00', 'rfc9535')))).toEqual([]);
  });

  it('reusable objects ignore extra keys and parameter values may be any JSON', async () => {
    const step =
      '        parameters:\n          - reference: $components.parameters.page\n            value: { n: 1 }\n            note: ignored\n          - name: filter\n            in: query\n            value: { a: [1, 2] }';
    const components = 'components:\n  parameters:\n    page:\n      name: page\n      in: query\n      value: 1\n';
    expect(await check(base('1.1.0', step, components))).toEqual([]);
  });

  it('a replacement value may be a number (the spec example value: 10)', async () => {
    const step = '        requestBody:\n          payload: { quantity: 1 }\n          replacements:\n            - target: /quantity\n              value: 10';
    expect(await check(base('1.0.1', step))).toEqual([]);
  });

  it('1.1-only fields are rejected in 1.0 documents', async () => {
    expect(await check(base('1.0.1', '        timeout: 10'))).toEqual(['SCHEMA_UNKNOWN_PROPERTY@13:9']);
    expect(await check(base('1.0.1', '        parameters:\n          - name: q\n            in: querystring\n            value: a=1'))).toEqual([
      'SCHEMA_ENUM@15:13',
    ]);
    expect(
      await check(
        base('1.0.1', '        outputs:\n          id:\n            context: $response.body\n            selector: $.id\n            type: jsonpath'),
      ),
    ).toEqual(['SCHEMA_TYPE@14:11']);
    expect(
      await check(
        base('1.1.0', '        outputs:\n          id:\n            context: $response.body\n            selector: $.id\n            type: jsonpath'),
      ),
    ).toEqual([]);
  });

  it('$self must not have a fragment', async () => {
    expect(await check(`$self: https://example.com/wf.yaml#frag\n${base('1.1.0', '')}`)).toEqual(['SCHEMA_PATTERN@1:1']);
  });

  it('the exported schemas are draft 2020-12, one per version', () => {
    expect(arazzoSchema10.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(arazzoSchema11.$id).not.toBe(arazzoSchema10.$id);
  });
});

describe('semantic rules', () => {
  it('a forward reference is only a warning in 1.0', async () => {
    const text = withSecondOutput(
      base('1.0.1', '        parameters:\n          - name: id\n            in: query\n            value: $steps.second.outputs.id'),
    );
    const doc = parseText(text);
    expect((await validateDocument(doc.data)).map((p) => [p.code, p.severity])).toEqual([['STEP_FORWARD_REFERENCE', 'warning']]);
  });

  it('a 1.1 step may read a later step it lists in dependsOn', async () => {
    const step = '        dependsOn: [second]\n        parameters:\n          - name: id\n            in: query\n            value: $steps.second.outputs.id';
    expect(await check(withSecondOutput(base('1.1.0', step)))).toEqual([]);
  });

  it('goto and retry may target the current step and other workflows', async () => {
    const step =
      '        onFailure:\n          - name: again\n            type: retry\n            stepId: first\n          - name: elsewhere\n            type: goto\n            workflowId: other';
    const extra = '  - workflowId: other\n    steps:\n      - stepId: x\n        operationId: getX\n';
    expect(await check(base('1.0.1', step, extra))).toEqual([]);
  });

  it('a step in one workflow cannot goto a step of another', async () => {
    const step = '        onSuccess:\n          - name: jump\n            type: goto\n            stepId: x';
    const extra = '  - workflowId: other\n    steps:\n      - stepId: x\n        operationId: getX\n';
    expect(await check(base('1.0.1', step, extra))).toEqual(['STEP_NOT_FOUND@16:13']);
  });

  it('a referenced action is checked against the workflow that uses it', async () => {
    const step = '        onSuccess:\n          - reference: $components.successActions.toSecond';
    const components = 'components:\n  successActions:\n    toSecond:\n      name: toSecond\n      type: goto\n      stepId: nowhere\n';
    expect(await check(base('1.0.1', step, components))).toEqual(['STEP_NOT_FOUND@14:13']);
  });

  it('workflow steps may call workflows of an arazzo source or a source of unknown type', async () => {
    const extraSource = (type: string): string =>
      base('1.0.1', '')
        .replace('    url: ./api.yaml', `    url: ./api.yaml\n  - name: flows\n    url: ./flows.yaml${type}`)
        .replace('        operationId: getOther', '        workflowId: $sourceDescriptions.flows.shared');
    expect(await check(extraSource('\n    type: arazzo'))).toEqual([]);
    expect(await check(extraSource(''))).toEqual([]);
    expect(await check(extraSource('\n    type: openapi'))).toEqual(['SOURCE_NOT_ARAZZO@18:9']);
  });

  it('problems of an in-memory document carry JSON paths but no positions', async () => {
    const problems = await validateDocument({
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [{ name: 'a', url: 'b' }],
      workflows: [{ workflowId: 'w', steps: [{ stepId: 's' }] }],
    });
    expect(problems).toEqual([expect.objectContaining({ code: 'STEP_TARGET_MISSING', path: '$.workflows[0].steps[0]' })]);
    expect(problems[0]?.line).toBeUndefined();
  });
});

describe('schema problem wording', () => {
  it('names the object in the spec vocabulary', async () => {
    const messages = async (data: unknown): Promise<string[]> => (await validateDocument(data)).map((p) => p.message);
    const doc = (workflows: unknown): unknown => ({
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [{ name: 'a', url: 'b' }],
      workflows,
    });
    expect(await messages(doc({}))).toEqual(["The field 'workflows' must be of type array."]);
    expect(await messages(doc([{ workflowId: 'w', steps: [{ operationId: 'x' }] }]))).toEqual(["The step is missing the required field 'stepId'. Add it."]);
    expect(
      await messages({
        ...(doc([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'x' }] }]) as object),
        components: { parameters: { p: { name: 'p', in: 'query' } } },
      }),
    ).toEqual(["The parameter component 'p' is missing the required field 'value'. Add it."]);
  });

  it('a value outside an enum gets the closest allowed value as a "did you mean"', async () => {
    const enumMessages = async (step: string, version = '1.0.1'): Promise<string[]> => {
      const doc = parseText(base(version, step), 'case.yaml');
      return (await validateDocument(doc.data, doc)).filter((p) => p.code === 'SCHEMA_ENUM').map((p) => p.message);
    };
    expect(await enumMessages('        successCriteria:\n          - context: $response.body\n            condition: $.a\n            type: jsonpth')).toEqual([
      `The field 'type' must be one of 'simple', 'regex', 'jsonpath', 'xpath'. Did you mean "jsonpath"?`,
    ]);
    expect(await enumMessages('        parameters:\n          - name: id\n            in: pth\n            value: 1')).toEqual([
      `The field 'in' must be one of 'path', 'query', 'header', 'cookie'. Did you mean "path"?`,
    ]);
    expect(await enumMessages('        onSuccess:\n          - name: done\n            type: ennd')).toEqual([
      `The field 'type' must be one of 'end', 'goto'. Did you mean "end"?`,
    ]);
    // Case slips too; and nothing is suggested for a value that is nowhere near one.
    expect(await enumMessages('        successCriteria:\n          - context: $response.body\n            condition: x\n            type: Regex')).toEqual([
      `The field 'type' must be one of 'simple', 'regex', 'jsonpath', 'xpath'. Did you mean "regex"? Names are case-sensitive: "Regex" differs from it only in case.`,
    ]);
    expect(await enumMessages('        onSuccess:\n          - name: done\n            type: finish')).toEqual([
      `The field 'type' must be one of 'end', 'goto'.`,
    ]);
  });

  it('$message expressions are AsyncAPI-only', async () => {
    expect(await check(base('1.1.0', '        outputs:\n          id: $message.payload#/id'))).toEqual(['ASYNCAPI_UNSUPPORTED@14:11']);
  });
});

describe('inputs $ref', () => {
  it('must point at an existing inputs component, also inside components', async () => {
    const extra = 'components:\n  inputs:\n    order:\n      type: object\n      properties:\n        store:\n          $ref: "#/components/inputs/store"\n';
    const text = base('1.0.1', '', extra).replace('  - workflowId: main\n', '  - workflowId: main\n    inputs:\n      $ref: "#/components/parameters/order"\n');
    expect(await check(text)).toEqual(['COMPONENT_KIND_MISMATCH@11:7', 'COMPONENT_NOT_FOUND@24:11']);
  });
});
