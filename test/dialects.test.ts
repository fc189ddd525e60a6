/**
 * Other runners' spellings (docs/dialects.md): each is accepted with a DIALECT_* warning that names
 * the standard spelling, runs as that spelling, and is an error under a strict load (`strict`,
 * `--strict`). Real mistakes that look alike stay errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadArazzo, runWorkflow } from '../src/index.js';
import { runCli } from './cli-helpers.js';
import { head as headOf, scratchDocuments } from './document-helpers.js';
import { json, startServer, type TestServer } from './engine-helpers.js';

const { write, problemsOf } = scratchDocuments('arazzo-dialects-');
const head = headOf('dialects');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('$steps.<id>.<name> without .outputs. (DIALECT_STEP_OUTPUTS)', () => {
  const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: login
        operationId: login
        outputs:
          ticket: $response.body#/ticket
      - stepId: item
        operationId: getItem
        parameters:
          - { name: id, in: path, value: $steps.login.ticket }
          - { name: X-Token, in: header, value: 'Bearer $steps.login.ticket' }
    outputs:
      ticket: $steps.login.ticket
`;

  it('is accepted with a warning at file:line:col that names the standard spelling', async () => {
    const { summary, problems, loaded } = await problemsOf(text);
    expect(loaded).toBe(true);
    expect(summary).toEqual([
      'warning DIALECT_STEP_OUTPUTS@17:35',
      'warning EXPRESSION_BARE@18:42',
      'warning DIALECT_STEP_OUTPUTS@18:42',
      'warning DIALECT_STEP_OUTPUTS@20:7',
    ]);
    expect(problems[0]?.message).toContain('"$steps.login.outputs.ticket"');
    // The P28 warning suggests the braced standard spelling, not the braced dialect.
    expect(problems[1]?.message).toContain('{$steps.login.outputs.ticket}');
  });

  it('runs as $steps.<id>.outputs.<name>', async () => {
    server = await startServer((req, res) => json(res, 200, req.url === '/login' ? { ticket: 't-42' } : { ok: true }));
    const doc = await loadArazzo(write(text));
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.status).toBe('succeeded');
    expect(server.requests[1]?.url).toBe('/items/t-42');
    expect(server.requests[1]?.headers['x-token']).toBe('Bearer t-42');
    expect(result.outputs).toEqual({ ticket: 't-42' });
  });

  it('stays an error when the step declares no such output, listing the ones it declares', async () => {
    const { summary, problems } = await problemsOf(text.replace('value: $steps.login.ticket }', 'value: $steps.login.tickt }'));
    expect(summary).toContain('error STEP_REFERENCE_INVALID@17:35');
    const problem = problems.find((p) => p.code === 'STEP_REFERENCE_INVALID');
    expect(problem?.message).toContain("declares the outputs 'ticket'");
    expect(problem?.message).toContain("Did you mean 'ticket'?");
  });
});

describe('dot paths into a body (DIALECT_BODY_DOT_PATH)', () => {
  const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: login
        operationId: login
        requestBody:
          payload: { user: { name: ada } }
        outputs:
          ticket: $response.body.data.ticket
          first: $response.body.items[0].id
          sentName: $request.body.user.name
      - stepId: item
        operationId: getItem
        parameters:
          - { name: id, in: path, value: 'id-$steps.login.outputs.first' }
        successCriteria:
          - context: $response.body.state
            condition: ^ok$
            type: regex
    outputs:
      ticket: $steps.login.outputs.ticket
      sentName: $steps.login.outputs.sentName
`;

  it('is accepted with a warning naming the JSON Pointer spelling, in values and criterion contexts', async () => {
    const { summary, problems } = await problemsOf(text);
    expect(summary).toEqual([
      'warning DIALECT_BODY_DOT_PATH@15:11',
      'warning DIALECT_BODY_DOT_PATH@16:11',
      'warning DIALECT_BODY_DOT_PATH@17:11',
      'warning EXPRESSION_BARE@21:35',
      'warning DIALECT_BODY_DOT_PATH@23:13',
    ]);
    expect(problems.map((p) => /read as "([^"]+)"/.exec(p.message)?.[1]).filter(Boolean)).toEqual([
      '$response.body#/data/ticket',
      '$response.body#/items/0/id',
      '$request.body#/user/name',
      '$response.body#/state',
    ]);
  });

  it('reads the member, not the whole body as JSON text followed by ".a.b"', async () => {
    server = await startServer((req, res) => json(res, 200, req.url === '/login' ? { data: { ticket: 't-7' }, items: [{ id: 'i1' }] } : { state: 'ok' }));
    const doc = await loadArazzo(write(text));
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(result.status).toBe('succeeded');
    expect(server.requests[1]?.url).toBe('/items/id-i1');
    expect(result.outputs).toEqual({ ticket: 't-7', sentName: 'ada' });
  });
});

describe('sourceName.operationId (DIALECT_SOURCE_DOT_OPERATION_ID)', () => {
  const twoSources = `${head}  - name: other
    url: {OTHER}
    type: openapi
`;
  const step = (operationId: string) => `workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: ${operationId}
`;

  it('is read as $sourceDescriptions.<source>.<operationId> when it resolves there, with a warning', async () => {
    const { summary, problems } = await problemsOf(`${twoSources}${step('other.literal')}`.replace('other.literal', 'api.getItem'));
    expect(summary).toEqual(['warning DIALECT_SOURCE_DOT_OPERATION_ID@14:9']);
    expect(problems[0]?.message).toContain('"$sourceDescriptions.api.getItem"');
    const doc = await loadArazzo(write(`${twoSources}${step('api.getItem')}`));
    expect(doc.workflows.get('w')?.steps[0]?.operation).toEqual({ source: 'api', operationId: 'getItem', method: 'GET', path: '/items/{id}' });
  });

  it('an operationId with that literal text wins, without a warning', async () => {
    // Source "other" defines "literal", but source "api" has an operation whose operationId is "other.literal".
    const doc = await loadArazzo(write(`${twoSources}${step('other.literal')}`));
    expect(doc.workflows.get('w')?.steps[0]?.operation).toMatchObject({ source: 'api', operationId: 'other.literal' });
    expect(doc.warnings.map((w) => w.code)).toEqual(['OPERATION_ID_UNQUALIFIED']);
  });

  it('stays an error when the source has no such operation, with the closest one', async () => {
    const { summary, problems } = await problemsOf(`${twoSources}${step('api.getItm')}`);
    expect(summary).toEqual(['error OPERATION_NOT_FOUND@14:9']);
    expect(problems[0]?.message).toContain('is read as "$sourceDescriptions.api.getItm"');
    expect(problems[0]?.message).toContain('Did you mean "getItem"?');
  });
});

describe('a strict load', () => {
  const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: login
        operationId: api.login
        outputs:
          ticket: $response.body.ticket
        successCriteria:
          - condition: $response.body#/state == "ok"
          - context: $response.body#/ticket
            condition: (?i)^T
            type: regex
      - stepId: item
        operationId: getItem
        parameters:
          - { name: id, in: path, value: $steps.login.ticket }
          - { name: X-Token, in: header, value: 'Bearer $steps.login.outputs.ticket' }
`;

  it('turns each dialect warning into an error, and leaves the other warnings alone', async () => {
    const lenient = await problemsOf(text);
    expect(lenient.loaded).toBe(true);
    expect(lenient.summary).toEqual([
      'warning DIALECT_SOURCE_DOT_OPERATION_ID@11:9',
      'warning DIALECT_BODY_DOT_PATH@13:11',
      'warning DIALECT_DOUBLE_QUOTED_STRING@15:13',
      'warning DIALECT_REGEX_INLINE_FLAGS@16:13',
      'warning DIALECT_STEP_OUTPUTS@22:35',
      'warning EXPRESSION_BARE@23:42',
    ]);
    const strict = await problemsOf(text, { strict: true });
    expect(strict.loaded).toBe(false);
    expect(strict.summary).toEqual([
      'error DIALECT_SOURCE_DOT_OPERATION_ID@11:9',
      'error DIALECT_BODY_DOT_PATH@13:11',
      'error DIALECT_DOUBLE_QUOTED_STRING@15:13',
      'error DIALECT_REGEX_INLINE_FLAGS@16:13',
      'error DIALECT_STEP_OUTPUTS@22:35',
      'warning EXPRESSION_BARE@23:42',
    ]);
    expect(strict.problems[0]?.message).toContain('An error because loading is strict.');
  });

  it('arazzo validate, run, test and mcp with --strict refuse the document (exit 2, nothing sent)', async () => {
    const file = write(text);
    const lenient = await runCli(['validate', file]);
    expect(lenient.code).toBe(0);
    const strict = await runCli(['validate', file, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toMatch(/:11:9 {2}DIALECT_SOURCE_DOT_OPERATION_ID {2}.*An error because loading is strict\./);
    expect(strict.stderr).toContain('5 errors, 1 warning');
    server = await startServer((_req, res) => json(res, 200, {}));
    const run = await runCli(['run', file, '--strict', '--server', `api=${server.url}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DIALECT_STEP_OUTPUTS');
    const test = await runCli(['test', file, '--strict', '--server', `api=${server.url}`]);
    expect(test.code).toBe(2);
    expect(test.stderr).toContain('DIALECT_SOURCE_DOT_OPERATION_ID');
    const mcp = await runCli(['mcp', file, '--strict', '--dry-run']);
    expect(mcp.code).toBe(2);
    expect(mcp.stderr).toContain('DIALECT_BODY_DOT_PATH');
    expect((await runCli(['mcp', file, '--dry-run'])).code).toBe(0);
    expect(server.requests).toEqual([]);
  });
});

describe('real errors stay errors', () => {
  const step = (target: string) => `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
        ${target}
`;

  it('an operationId that differs only in case says so', async () => {
    const { summary, problems } = await problemsOf(step('operationId: PAR'));
    expect(summary).toEqual(['error OPERATION_NOT_FOUND@11:9']);
    expect(problems[0]?.message).toContain('Did you mean "Par"? Names are case-sensitive: "PAR" differs from it only in case.');
  });

  it('an operationPath that ends at a path item', async () => {
    const { summary, problems } = await problemsOf(step(`operationPath: '{$sourceDescriptions.api.url}#/paths/~1items~1{id}'`));
    expect(summary).toEqual(['error OPERATION_PATH_NOT_OPERATION@11:9']);
    expect(problems[0]?.message).toContain('append the method');
  });

  it('a step id with spaces used in an expression: the step must be renamed', async () => {
    const text = `${head}workflows:
  - workflowId: w
    steps:
      - stepId: Get Item
        operationId: getItem
        parameters:
          - { name: id, in: path, value: '1' }
        outputs:
          body: $response.body
    outputs:
      body: $steps.Get Item.outputs.body
`;
    const { summary, problems } = await problemsOf(text);
    expect(summary).toEqual(['warning ID_NOT_PORTABLE@10:9', 'error EXPRESSION_SYNTAX@17:7']);
    expect(problems[1]?.message).toContain("refers to step 'Get Item', but a runtime expression cannot name a step whose id has characters other than");
    expect(problems[1]?.message).toContain("'Get_Item'");
  });
});

describe('checking a document without its sources (sources: false, validate --no-sources)', () => {
  const text = `arazzo: 1.0.1
info: { title: unreachable, version: '1' }
sourceDescriptions:
  - name: api
    url: ./does-not-exist.openapi.yaml
    type: openapi
workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: getItem
        outputs:
          id: $response.body.id
    outputs:
      id: $steps.s.outputs.idd
`;

  it('checks the document alone and says what was skipped', async () => {
    const withSources = await problemsOf(text);
    expect(withSources.summary).toContain('error SOURCE_NOT_FOUND@5:5');
    const alone = await problemsOf(text, { sources: false });
    expect(alone.summary).toEqual(['warning SOURCES_SKIPPED@3:1', 'warning DIALECT_BODY_DOT_PATH@13:11', 'error STEP_OUTPUT_UNDECLARED@15:7']);
    expect(alone.problems[0]?.message).toContain("The source descriptions ('api') were not read");
    expect(alone.problems[0]?.message).toContain('operationIds and operationPaths were not resolved');
  });

  it('arazzo validate --no-sources prints the skipped checks and the document problems', async () => {
    const file = write(text.replace('idd', 'id'));
    const r = await runCli(['validate', file, '--no-sources']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/:3:1 {2}SOURCES_SKIPPED {2}/);
    expect(r.stderr).toContain('is valid, with 2 warnings');
    expect((await runCli(['validate', file])).code).toBe(2);
  });
});

describe("Redocly's x-operation (DIALECT_X_OPERATION)", () => {
  const doc = (base: string) => `${head}workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        q: { type: string }
    steps:
      - stepId: plain
        x-operation:
          url: ${base}/posts/1?lang=en
          method: get
        x-security:
          - scheme: { type: http, scheme: basic }
            values: { username: ada, password: pw-1 }
        parameters:
          - { name: q, in: query, value: $inputs.q }
          - { name: X-Trace, in: header, value: t-1 }
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          next: $response.body#/next
      - stepId: follow
        x-operation:
          url: $steps.plain.outputs.next
          method: POST
        requestBody:
          payload: { seen: true }
        outputs:
          echoed: $response.body#/seen
    outputs:
      echoed: $steps.follow.outputs.echoed
`;

  it('is accepted with a warning, and runs as a plain HTTP request to its url (a literal or an expression)', async () => {
    server = await startServer((req, res) => json(res, 200, req.url?.startsWith('/posts/1') ? { next: `${server?.url}/comments/` } : JSON.parse(req.body)));
    const { summary, problems } = await problemsOf(doc(server.url));
    expect(summary).toEqual(['warning DIALECT_X_OPERATION@15:9', 'warning DIALECT_X_OPERATION@29:9']);
    expect(problems[0]?.message).toContain('is run as a plain GET request to');
    const loaded = await loadArazzo(write(doc(server.url)));
    expect(loaded.workflows.get('w')?.steps[0]).toMatchObject({ kind: 'operation', request: { method: 'GET', url: `${server.url}/posts/1?lang=en` } });
    const result = await runWorkflow(loaded, 'w', { q: 'a b' });
    expect(result.status).toBe('succeeded');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /posts/1?lang=en&q=a%20b', 'POST /comments/']);
    expect(server.requests[0]?.headers['x-trace']).toBe('t-1');
    // x-security applies as on any step.
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ada:pw-1').toString('base64')}`);
    expect(server.requests[1]?.headers['content-type']).toBe('application/json');
    expect(result.outputs).toEqual({ echoed: true });
  });

  it('is refused by a strict load', async () => {
    const { summary } = await problemsOf(doc('http://127.0.0.1:9'), { strict: true });
    expect(summary).toEqual(['error DIALECT_X_OPERATION@15:9', 'error DIALECT_X_OPERATION@29:9']);
  });

  it('a malformed x-operation, or one next to an operationId, is an error that says what it needs', async () => {
    const step = (body: string) => `${head}workflows:
  - workflowId: w
    steps:
      - stepId: s
${body}`;
    const cases: Array<[string, string[], RegExp]> = [
      ['        x-operation: { method: GET }\n', ['error STEP_EXTENSION_INVALID@11:9'], /needs a url/],
      ['        x-operation: { url: https://x.example/a, method: FETCH }\n', ['error STEP_EXTENSION_INVALID@11:50'], /needs a method: one of GET, POST/],
      ['        x-operation: { url: /relative, method: GET }\n', ['error STEP_EXTENSION_INVALID@11:24'], /not an absolute http\(s\) URL/],
      [
        "        x-operation: { url: 'https://x.example/items/{id}', method: GET }\n        parameters:\n          - { name: id, in: path, value: '1' }\n",
        ['error STEP_EXTENSION_INVALID@13:25'],
        /put the value into its url with \{\$…\}/,
      ],
      [
        '        operationId: login\n        x-operation: { url: https://x.example/a, method: GET }\n',
        ['error STEP_TARGET_AMBIGUOUS@10:9'],
        /operationId and x-operation/,
      ],
    ];
    for (const [body, expected, message] of cases) {
      const { summary, problems } = await problemsOf(step(body));
      expect(summary).toEqual(expected);
      expect(problems[0]?.message).toMatch(message);
    }
  });
});
