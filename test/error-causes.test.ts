/**
 * An error that wraps another keeps it as `Error.cause` (docs/ARCHITECTURE.md, "Error codes"), so
 * a caller who logs the error, or a debugger, still reaches what really went wrong: the file
 * system's ENOENT, the YAML parser's error, the regex engine's refusal, a fetch's TypeError.
 */
import { mkdtempSync } from 'node:fs';
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
});
