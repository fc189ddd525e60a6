/**
 * An error that wraps another keeps it as `Error.cause` (docs/ARCHITECTURE.md, "Error codes"), so
 * a caller who logs the error, or a debugger, still reaches what really went wrong: the file
 * system's ENOENT, the YAML parser's error, the regex engine's refusal, a fetch's TypeError.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowPlan } from '../src/compile/loaded.js';
import { compileCriterion } from '../src/criteria/index.js';
import { readDocument } from '../src/document/read.js';
import { buildBody } from '../src/engine/body.js';
import { ArazzoError, DocumentError } from '../src/errors.js';
import { compileValue } from '../src/expressions/index.js';
import type { EvalContext } from '../src/expressions/types.js';
import { ReadError, readResource } from '../src/reader/resource.js';
import { dereferenceOpenApi } from '../src/sources/openapi.js';
import { parseDescriptionText } from '../src/sources/parse.js';
import { loadSelectionEngines } from '../src/selection/engines.js';
import { loadDoc } from './engine-helpers.js';
import { thrownBy } from './expect-helpers.js';
import { aliasBomb } from './hostile-yaml.js';
import { parseText } from '../src/document/parse-text.js';
import { YamlError } from '../src/reader/yaml.js';
import { compileLinearRegex, RegexSyntaxError } from '../src/selection/regex.js';
import { checkXPath, XPathSyntaxError } from '../src/selection/xpath.js';
import { JsonPathSyntaxError } from '../src/selection/jsonpath.js';
import { FetchHttpClient } from '../src/engine/transport.js';
import { loadArazzo } from '../src/index.js';
import { parseTlsFlags } from '../src/cli/security-flags.js';
import { CliError } from '../src/cli/errors.js';
import { BodyError, parseJson } from '../src/simulator/http.js';
import { loadOrExplain } from '../src/cli/validate.js';
import { fakeIo } from './cli-helpers.js';

describe('Error.cause is kept where an error wraps another', () => {
  it('reading: a missing file (the file system error), a failed fetch (what fetch threw), and the DocumentError around them', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'arazzo-cause-')), 'nope.arazzo.yaml');
    const doc = await thrownBy(() => readDocument(missing));
    expect(doc).toBeInstanceOf(DocumentError);
    const read = (doc as Error).cause;
    expect(read).toBeInstanceOf(ReadError);
    expect(((read as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const failure = new TypeError('fetch failed');
    const fetched = await thrownBy(() =>
      readResource(new URL('http://127.0.0.1:1/api.yaml'), {
        fetch: (async () => {
          throw failure;
        }) as typeof fetch,
      }),
    );
    expect(fetched).toBeInstanceOf(ReadError);
    expect((fetched as Error).cause).toBe(failure);
  });

  it('sources: a description that is not YAML or JSON, and one json-schema-ref-parser cannot dereference', async () => {
    const parse = await thrownBy(() => parseDescriptionText('openapi: [unclosed', '/tmp/api.yaml'));
    expect(parse).toMatchObject({ code: 'SOURCE_INVALID' });
    expect((parse as Error).cause).toBeInstanceOf(Error);

    const broken = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': { $ref: '#/components/pathItems/nope' } } };
    const deref = await thrownBy(() => dereferenceOpenApi(pathToFileURL('/tmp/api.json'), broken, async () => ''));
    expect(deref).toMatchObject({ code: 'SOURCE_INVALID' });
    expect((deref as Error).cause).toBeInstanceOf(Error);
    expect(String(((deref as Error).cause as Error).message)).toContain('nope');
  });

  it('expressions: a template whose embedded expression does not parse', async () => {
    const err = await thrownBy(() => compileValue('Bearer {$inputs.}', { version: '1.0.1' }));
    expect(err).toMatchObject({ code: 'EXPRESSION_SYNTAX' });
    expect((err as Error).cause).toBeInstanceOf(ArazzoError);
  });

  it('criteria: a regex that needs backtracking, a condition that does not parse, a JSONPath that does not parse', async () => {
    await loadSelectionEngines('all');
    const regex = await thrownBy(() => compileCriterion({ context: '$response.body', condition: '(a)\\1', type: 'regex' }, { version: '1.0.1' }));
    expect(regex).toMatchObject({ code: 'CRITERION_SYNTAX' });
    expect((regex as Error).cause).toBeInstanceOf(Error);
    const simple = await thrownBy(() => compileCriterion({ condition: '$statusCode ==' }, { version: '1.0.1' }));
    expect(simple).toMatchObject({ code: 'CRITERION_SYNTAX' });
    expect((simple as Error).cause).toBeInstanceOf(Error);
    const jsonpath = await thrownBy(() => compileCriterion({ context: '$response.body', condition: '$[?', type: 'jsonpath' }, { version: '1.0.1' }));
    expect(jsonpath).toMatchObject({ code: 'CRITERION_SYNTAX' });
    expect((jsonpath as Error).cause).toBeInstanceOf(Error);
    // …and the JSONPath library's own error is kept below the JsonPathSyntaxError.
    expect((jsonpath as Error).cause).toBeInstanceOf(JsonPathSyntaxError);
    expect(((jsonpath as Error).cause as Error).cause).toBeInstanceOf(Error);
  });

  it('request bodies: replacements on a string payload that is not JSON', async () => {
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [
          {
            stepId: 's',
            operationId: 'echo',
            requestBody: { contentType: 'application/json', payload: 'not json', replacements: [{ target: '/a', value: 1 }] },
          },
        ],
      },
    ]);
    const body = workflowPlan(doc, 'w')?.steps[0]?.body;
    const err = await thrownBy(() => buildBody(body!, {} as EvalContext, () => undefined));
    expect(err).toMatchObject({ code: 'REPLACEMENT_TARGET_INVALID' });
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('parsing: a document that is not YAML (the YamlError), and an alias bomb (the YAML library refusal)', async () => {
    const syntax = await thrownBy(() => parseText('arazzo: [unclosed', '/tmp/bad.arazzo.yaml'));
    expect(syntax).toBeInstanceOf(DocumentError);
    expect((syntax as Error).cause).toBeInstanceOf(YamlError);

    const bomb = await thrownBy(() => parseText(aliasBomb(), '/tmp/bomb.arazzo.yaml'));
    expect(bomb).toMatchObject({ problems: [expect.objectContaining({ code: 'YAML_ALIAS_LIMIT' })] });
    const yaml = (bomb as Error).cause;
    expect(yaml).toBeInstanceOf(YamlError);
    expect((yaml as Error).cause).toBeInstanceOf(ReferenceError);
  });

  it('loading: a source that cannot be read is the DocumentError cause, the file system error below it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arazzo-cause-'));
    const doc = {
      arazzo: '1.0.1',
      info: { title: 't', version: '1' },
      sourceDescriptions: [{ name: 'api', url: './missing.openapi.yaml', type: 'openapi' }],
      workflows: [{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'op' }] }],
    };
    const err = await thrownBy(() => loadArazzo(doc, { baseUri: pathToFileURL(join(dir, 'doc.arazzo.yaml')).href }));
    expect(err).toBeInstanceOf(DocumentError);
    expect((err as DocumentError).problems.map((p) => p.code)).toContain('SOURCE_NOT_FOUND');
    const read = (err as Error).cause;
    expect(read).toBeInstanceOf(ReadError);
    expect(((read as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('selection: a regex JavaScript refuses, an XPath that does not compile', async () => {
    await loadSelectionEngines('all');
    const regex = await thrownBy(() => compileLinearRegex('[unclosed'));
    expect(regex).toBeInstanceOf(RegexSyntaxError);
    expect((regex as Error).cause).toBeInstanceOf(SyntaxError);

    const xpath = await thrownBy(() => checkXPath('//*['));
    expect(xpath).toBeInstanceOf(XPathSyntaxError);
    expect((xpath as Error).cause).toBeInstanceOf(Error);
  });

  it('transport: a request that cannot connect keeps what the transport threw as Error.cause, and its code in details', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const client = new FetchHttpClient((async () => {
      throw refused;
    }) as typeof fetch);
    const err = await thrownBy(() => client.send({ method: 'GET', url: 'http://127.0.0.1:1/pets', headers: {} }));
    expect(err).toMatchObject({ code: 'HTTP_CONNECTION', details: { cause: 'ECONNREFUSED' } });
    expect((err as Error).cause).toBe(refused);
  });

  it('command line: a TLS file that cannot be read, and a request body the simulator cannot parse', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'arazzo-cause-')), 'ca.pem');
    const err = await thrownBy(() => parseTlsFlags({ ca: [missing] }, [], { env: {}, readFile: (path) => readFileSync(path, 'utf8') }));
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ code: 'TLS_FILE_INVALID' });
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const invalid = new DocumentError([{ code: 'STEP_TARGET_MISSING', message: 'no target', severity: 'error', path: '$.workflows[0]' }], 'doc.yaml');
    const explained = await thrownBy(() =>
      loadOrExplain(
        async () => {
          throw invalid;
        },
        'doc.yaml',
        fakeIo(),
        'nothing was run',
      ),
    );
    expect(explained).toMatchObject({ code: 'DOCUMENT_INVALID' });
    expect((explained as Error).cause).toBe(invalid);

    const body = await thrownBy(() => parseJson('{"unclosed": '));
    expect(body).toBeInstanceOf(BodyError);
    expect((body as Error).cause).toBeInstanceOf(SyntaxError);
  });
});
