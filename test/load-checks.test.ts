/**
 * Mistakes that used to pass `validate` and fail only at run time, after requests had gone out
 * (issue 10 §3), and parameter lists that used to be refused although valid (§4): each is a load
 * problem with file:line:col, and a "did you mean" where one helps.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../src/errors.js';
import { ROOT, runCli } from './cli-helpers.js';
import { head as headOf, scratchDocuments, summarize as summary } from './document-helpers.js';

const documents = scratchDocuments('arazzo-load-checks-');
const { write } = documents;
const scratch = documents.dir;

/** Every problem of loading `text` (warnings of a document that loads, problems of one that does not). */
const problemsOf = async (text: string): Promise<Problem[]> => (await documents.problemsOf(text)).problems;
const messageOf = (problems: readonly Problem[], code: string): string => problems.find((p) => p.code === code)?.message ?? '';
const head = headOf('checks');

describe('$steps.X.outputs.Y where step X declares no output Y (STEP_OUTPUT_UNDECLARED)', () => {
  it('is an error, with the declared outputs and the closest name', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: login
        operationId: login
        outputs:
          ticket: $response.body#/ticket
          user: $response.body#/user
    outputs:
      t: $steps.login.outputs.tickt
      name: $steps.login.outputs.user.name
      fine: $steps.login.outputs.user#/name
`);
    expect(summary(problems)).toEqual(['error STEP_OUTPUT_UNDECLARED@16:7', 'error STEP_OUTPUT_UNDECLARED@17:7']);
    expect(problems[0]?.message).toContain("declares the outputs 'ticket', 'user'");
    expect(problems[0]?.message).toContain("Did you mean 'ticket'?");
    // Output names may hold dots: `user.name` is a name, and the member of `user` is written with a pointer.
    expect(problems[1]?.message).toContain('to read the member, write "$steps.login.outputs.user#/name"');
  });
});

describe('$steps.X.outputs.Y of a step that runs a workflow', () => {
  it("says the workflow's outputs are not the step's own, and how to read them", async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: child
    steps:
      - stepId: s
        operationId: login
        outputs:
          ticket: $response.body#/ticket
    outputs:
      ticket: $steps.s.outputs.ticket
  - workflowId: parent
    steps:
      - stepId: call
        workflowId: child
    outputs:
      ticket: $steps.call.outputs.ticket
`);
    expect(summary(problems)).toEqual(['error STEP_OUTPUT_UNDECLARED@21:7']);
    expect(problems[0]?.message).toContain(
      "Step 'call' runs workflow 'child', whose outputs are not the step's own: declare it on the step (outputs: { ticket: $outputs.ticket }), or read \"$workflows.child.outputs.ticket\".",
    );
  });
});

describe('$inputs.x not in the inputs schema (INPUT_UNDECLARED)', () => {
  const doc = (schema: string) => `${head}workflows:
  - workflowId: w
    inputs:
${schema}
    steps:
      - stepId: s
        operationId: getItem
        parameters:
          - { name: id, in: path, value: $inputs.idd }
`;

  it('is an error when the schema forbids other properties', async () => {
    const problems = await problemsOf(doc('      type: object\n      additionalProperties: false\n      properties:\n        id: { type: string }'));
    expect(summary(problems)).toEqual(['error INPUT_UNDECLARED@18:35']);
    expect(problems[0]?.message).toContain("Did you mean 'id'?");
  });

  it('is a warning when the schema allows other properties, or declares none', async () => {
    expect(summary(await problemsOf(doc('      type: object\n      properties:\n        id: { type: string }')))).toEqual(['warning INPUT_UNDECLARED@17:35']);
    const none = await problemsOf(doc('      type: object').replace('    inputs:\n      type: object\n', ''));
    expect(summary(none)).toEqual(['warning INPUT_UNDECLARED@13:35']);
    expect(none[0]?.message).toContain('declares no inputs');
  });

  it('is not checked against a schema that composes its properties (allOf, …)', async () => {
    expect(await problemsOf(doc('      allOf:\n        - type: object\n          properties:\n            idd: { type: string }'))).toEqual([]);
  });
});

describe('near misses of runtime expressions (EXPRESSION_NEAR_MISS)', () => {
  it('are errors with the spelling meant, where a value would be sent as literal text', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getItem
        parameters:
          - { name: id, in: path, value: $respnse.body#/id }
          - { name: X-Token, in: header, value: 'Bearer $input.token' }
        outputs:
          a: $body.x
          b: $statuscode
          price: costs $5 and $HOME/bin
`);
    expect(summary(problems)).toEqual([
      'error EXPRESSION_NEAR_MISS@13:35',
      'error EXPRESSION_NEAR_MISS@14:42',
      'error EXPRESSION_NEAR_MISS@16:11',
      'error EXPRESSION_NEAR_MISS@17:11',
    ]);
    expect(problems.map((p) => /did you mean "([^"]+)"/.exec(p.message)?.[1])).toEqual([
      '$response.body#/id',
      '$inputs.token',
      '$response.body#/x',
      '$statusCode',
    ]);
  });

  it('in a condition, an unknown root is a syntax error that names the root meant', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: login
        successCriteria:
          - condition: $statuscode == 200
`);
    expect(summary(problems)).toEqual(['error CRITERION_SYNTAX@13:13']);
    expect(problems[0]?.message).toContain('did you mean "$statusCode"?');
  });
});

describe('engine extensions given a literal of the wrong type (STEP_EXTENSION_INVALID)', () => {
  it('are errors at load; numbers, numeric strings and expressions are not', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        delay: { type: number }
    steps:
      - stepId: s
        operationId: login
        x-delay: 2s
        x-max-executions: ten
        x-max-duration: '30'
      - stepId: t
        operationId: login
        x-delay: $inputs.delay
        x-max-executions: 3
`);
    expect(summary(problems)).toEqual(['error STEP_EXTENSION_INVALID@16:9', 'error STEP_EXTENSION_INVALID@17:9']);
    expect(problems[0]?.message).toContain(
      'x-delay must be a number of seconds (e.g. 2 or 0.5) or a runtime expression; "2s" is neither: write the number alone, without a unit',
    );
    expect(problems[1]?.message).toContain('x-max-executions must be a count of executions');
  });
});

describe('every JSON Schema of the document is compiled at load (INPUTS_SCHEMA_INVALID)', () => {
  it('reports each meta-schema violation where it is, and a schema that cannot be compiled', async () => {
    const problems = await problemsOf(`${head}components:
  inputs:
    creds:
      type: object
      properties:
        user: { type: strin }
workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        id: { type: string, required: true }
    steps:
      - stepId: s
        operationId: login
  - workflowId: v
    inputs:
      type: object
      properties:
        code: { type: string, pattern: '(a)\\1' }
    steps:
      - stepId: s
        operationId: login
`);
    expect(summary(problems)).toEqual(['error INPUTS_SCHEMA_INVALID@12:17', 'error INPUTS_SCHEMA_INVALID@18:29', 'error INPUTS_SCHEMA_INVALID@23:5']);
    expect(problems[0]?.path).toBe('$.components.inputs.creds.properties.user.type');
    expect(problems[1]?.message).toContain('"required" is a list of property names on the object');
    expect(problems[2]?.message).toContain("The inputs schema of workflow 'v' cannot be compiled");
    expect(problems[2]?.message).toContain('backreference');
  });

  it('validate reports an invalid schema every time; a clean one is checked once, then remembered by the CLI read cache', () => {
    const cache = mkdtempSync(join(scratch, 'cache-'));
    const bad = write(`${head}workflows:
  - workflowId: w
    inputs: { type: object, properties: { id: { type: string, required: true } } }
    steps:
      - stepId: s
        operationId: login
`);
    // A fresh process each time: what loads, and what the cache keeps, is per process.
    const script = `
      import { createRequire } from 'node:module';
      const { cli } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/cli/cli.js')).href)});
      let out = '';
      const sink = { write: (t) => { out += t; return true; }, isTTY: false };
      const io = { stdout: sink, stderr: sink, env: { ARAZZO_CACHE_DIR: ${JSON.stringify(cache)} }, readStdin: async () => '', onInterrupt: () => () => {} };
      const code = await cli(['validate', process.argv[1]], io);
      const ajv = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('node_modules/ajv/'));
      console.log(JSON.stringify({ code, ajv, invalid: out.includes('INPUTS_SCHEMA_INVALID') }));`;
    const validate = (file: string) =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { cwd: ROOT, encoding: 'utf8' }).trim());
    expect(validate(bad)).toEqual({ code: 2, ajv: true, invalid: true });
    expect(validate(bad)).toEqual({ code: 2, ajv: true, invalid: true });
    const good = write(`${head}workflows:
  - workflowId: w
    inputs: { type: object, required: [id], properties: { id: { type: string } } }
    steps:
      - stepId: s
        operationId: login
`);
    expect(validate(good)).toEqual({ code: 0, ajv: true, invalid: false });
    expect(validate(good)).toEqual({ code: 0, ajv: false, invalid: false });
  });
});

describe('$statusCode or $response in a criterion of a step that runs a workflow (CRITERION_NO_EXCHANGE)', () => {
  it('is a warning that says what it evaluates to there', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: child
    steps:
      - stepId: s
        operationId: login
    outputs:
      ok: $statusCode
  - workflowId: parent
    steps:
      - stepId: call
        workflowId: child
        successCriteria:
          - condition: $statusCode == 200
          - condition: $outputs.ok == 200
        onSuccess:
          - name: done
            type: end
            criteria:
              - context: $response.body
                condition: $[?@.ok]
                type: jsonpath
`);
    expect(summary(problems)).toEqual(['warning CRITERION_NO_EXCHANGE@19:13', 'warning CRITERION_NO_EXCHANGE@25:17']);
    expect(problems[0]?.message).toContain('"$statusCode" is undefined here (null in a condition');
    expect(problems[0]?.message).toContain('$outputs.<name>');
  });
});

describe('a goto loop that nothing paces (GOTO_LOOP_UNPACED)', () => {
  const doc = (pacing: string) => `${head}workflows:
  - workflowId: w
    steps:
      - stepId: start
        operationId: login
      - stepId: poll
        operationId: getItem
        parameters:
          - { name: id, in: path, value: '1' }
${pacing}        outputs:
          state: $response.body#/state
      - stepId: check
        operationId: login
        onSuccess:
          - name: again
            type: goto
            stepId: poll
            criteria:
              - condition: $steps.poll.outputs.state != 'done'
`;

  it('is a warning at the goto that closes it', async () => {
    const problems = await problemsOf(doc(''));
    expect(summary(problems)).toEqual(['warning GOTO_LOOP_UNPACED@21:13']);
    expect(problems[0]?.message).toContain("Steps 'poll', 'check' form a loop (goto 'poll', action 'again')");
  });

  it('is not reported when a step of the loop has x-delay or x-max-executions, or an action of it a retryAfter', async () => {
    expect(await problemsOf(doc('        x-delay: 5\n'))).toEqual([]);
    expect(await problemsOf(doc('        x-max-executions: 20\n'))).toEqual([]);
    const retry = doc('').replace(
      '      - stepId: check\n        operationId: login\n',
      '      - stepId: check\n        operationId: login\n        onFailure:\n          - { name: wait, type: retry, retryAfter: 2 }\n',
    );
    expect(await problemsOf(retry)).toEqual([]);
  });

  it('a step that goes back to itself is a loop too', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: poll
        operationId: login
        onSuccess:
          - { name: again, type: goto, stepId: poll, criteria: [{ condition: $statusCode == 202 }] }
`);
    expect(summary(problems)).toEqual(['warning GOTO_LOOP_UNPACED@13:13']);
    expect(problems[0]?.message).toContain("Step 'poll' goes back to itself");
  });
});

describe('header parameters whose names differ only in case (PARAMETER_HEADER_CASE)', () => {
  it('are two parameters (names are case-sensitive), with a warning that HTTP sends one header', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getItem
        parameters:
          - { name: id, in: path, value: '1' }
          - { name: X-Token, in: header, value: a }
          - { name: x-token, in: header, value: b }
          - { name: id, in: query, value: '2' }
`);
    expect(summary(problems)).toEqual(['warning PARAMETER_HEADER_CASE@15:13', 'warning PARAMETER_NOT_IN_OPERATION@16:13']);
    expect(messageOf(problems, 'PARAMETER_HEADER_CASE')).toContain("'X-Token' (entry 1) differ only in case");
  });

  it('exact duplicates are still an error', async () => {
    const problems = await problemsOf(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getItem
        parameters:
          - { name: id, in: path, value: '1' }
          - { name: X-Token, in: header, value: a }
          - { name: X-Token, in: header, value: b }
`);
    expect(summary(problems)).toEqual(['error PARAMETER_DUPLICATE@15:13']);
  });

  it('the CLI validates such a list (exit 0)', async () => {
    const file = write(`${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getItem
        parameters:
          - { name: id, in: path, value: '1' }
          - { name: X-Token, in: header, value: a }
          - { name: x-token, in: header, value: b }
`);
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PARAMETER_HEADER_CASE');
  });
});
