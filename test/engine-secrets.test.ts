import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { Masker } from '../src/engine/mask.js';
import type { RunEvent } from '../src/engine/types.js';
import { json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer;
afterEach(async () => server?.close());

describe('secret masking (P21)', () => {
  it('masks password-format inputs, secret-named inputs and RunOptions.secrets in events, results and errors', async () => {
    server = await startServer((req, res) => {
      res.setHeader('set-cookie', 'sid=cookie-value-123; Path=/');
      json(res, 401, { error: `bad credentials for ${req.headers['x-trace']}`, echo: req.headers.authorization });
    });
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: {
          type: 'object',
          properties: { pin: { type: 'string', format: 'password' }, apiKey: { type: 'string' }, user: { type: 'string' } },
        },
        steps: [
          {
            stepId: 's',
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', value: '$inputs.user' },
              { name: 'Authorization', in: 'header', value: 'Basic {$inputs.pin}' },
              { name: 'X-Trace', in: 'header', value: '{$inputs.apiKey}:extra-literal-secret' },
            ],
            outputs: { echoed: '$response.body#/echo', err: '$response.body#/error' },
          },
        ],
        outputs: { echoed: '$steps.s.outputs.echoed', err: '$steps.s.outputs.err' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { pin: 'pin-9876', apiKey: 'key-abcdef', user: 'alice' }, {
      servers: { api: `${server.url}/base` },
      secrets: ['extra-literal-secret'],
      onEvent: (e) => events.push(e),
      history: true,
    });
    const everything = JSON.stringify({ events, result: { ...result, state: undefined } });
    for (const secret of ['pin-9876', 'key-abcdef', 'extra-literal-secret', 'cookie-value-123']) expect(everything).not.toContain(secret);
    expect(everything).toContain('alice');
    expect(result.outputs.echoed).toBe('***');
    expect(result.error?.responseExcerpt).toContain('***');
    const received = events.find((e) => e.type === 'response.received');
    expect(received).toMatchObject({ response: { headers: { 'set-cookie': '***' } } });
  });

  it('Masker replaces every occurrence, longest secret first, and hides secret headers by name', () => {
    const m = new Masker(['abc', 'abcdef']);
    expect(m.text('x abcdef y abc')).toBe('x *** y ***');
    m.addFromHeader('Authorization', 'Bearer t0ken-zz');
    expect(m.text('token=t0ken-zz')).toBe('token=***');
    expect(m.headers({ Authorization: 'Bearer t0ken-zz', Accept: 'abc' })).toEqual({ Authorization: '***', Accept: '***' });
    expect(m.value({ a: ['abc', 1], b: { c: 'no' } })).toEqual({ a: ['***', 1], b: { c: 'no' } });
  });
});
