/**
 * Form-urlencoded payloads written as text (`grant_type=password&user=x`): replacements apply to
 * the form's fields, as Respect does (issue 10 §4), instead of failing because the text is no JSON.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArazzo, runWorkflow } from '../src/index.js';
import { json, startServer, type TestServer } from './engine-helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/dialects/', import.meta.url));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function formDoc(requestBody: Record<string, unknown>) {
  return loadArazzo(
    {
      arazzo: '1.0.1',
      info: { title: 'form', version: '1' },
      sourceDescriptions: [{ name: 'api', url: './api.openapi.yaml', type: 'openapi' }],
      workflows: [
        {
          workflowId: 'w',
          inputs: { type: 'object', properties: { user: { type: 'string' } } },
          steps: [{ stepId: 's', operationId: 'postForm', requestBody, outputs: { sent: '$request.body#/user' } }],
          outputs: { sent: '$steps.s.outputs.sent' },
        },
      ],
    },
    { baseUri: pathToFileURL(join(FIXTURES, '/')).href },
  );
}

describe('replacements into a form-urlencoded payload written as text', () => {
  it('replace and add fields, keep the others and repeated names, and send the form encoded', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    const doc = await formDoc({
      contentType: 'application/x-www-form-urlencoded',
      payload: 'grant_type=password&user=placeholder&tag=a&tag=b',
      replacements: [
        { target: '/user', value: '$inputs.user' },
        { target: '/scope', value: 'read write' },
      ],
    });
    const result = await runWorkflow(doc, 'w', { user: 'ada lovelace' }, { servers: { api: server.url } });
    expect(result.status).toBe('succeeded');
    const request = server.requests[0];
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toBe('grant_type=password&user=ada+lovelace&tag=a&tag=b&scope=read+write');
    // $request.body sees the fields.
    expect(result.outputs).toEqual({ sent: 'ada lovelace' });
  });

  it('a payload without replacements is sent exactly as written', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    const doc = await formDoc({ contentType: 'application/x-www-form-urlencoded', payload: 'a=%20x&b=1' });
    await runWorkflow(doc, 'w', {}, { servers: { api: server.url } });
    expect(server.requests[0]?.body).toBe('a=%20x&b=1');
  });
});
