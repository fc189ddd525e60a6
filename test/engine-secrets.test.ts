import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../src/engine/run.js';
import { createMasker, maskValue, Masker, MASK } from '../src/engine/mask.js';
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
    const result = await runWorkflow(
      doc,
      'w',
      { pin: 'pin-9876', apiKey: 'key-abcdef', user: 'alice' },
      {
        servers: { api: `${server.url}/base` },
        secrets: ['extra-literal-secret'],
        onEvent: (e) => events.push(e),
        history: true,
      },
    );
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
  it('masks the URL-encoded, JSON-escaped and base64 forms of a secret wherever a server echoes them', async () => {
    const token = 'p@ss/w"rd+1';
    server = await startServer((req, res) => {
      const sent = (req.headers['x-trace'] as string).slice('T '.length);
      json(res, 400, { raw: sent, url: `https://h/cb?t=${encodeURIComponent(sent)}`, b64: Buffer.from(sent).toString('base64') });
    });
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { apiToken: { type: 'string' } } },
        steps: [
          {
            stepId: 's',
            operationId: 'getStatus',
            parameters: [{ name: 'X-Trace', in: 'header', value: 'T {$inputs.apiToken}' }],
            outputs: { url: '$response.body#/url', b64: '$response.body#/b64' },
          },
        ],
        outputs: { url: '$steps.s.outputs.url', b64: '$steps.s.outputs.b64' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { apiToken: token }, { servers: { api: server.url }, onEvent: (e) => events.push(e), history: true });
    const text = JSON.stringify({ events, result: { ...result, state: undefined } });
    for (const form of [token, JSON.stringify(token).slice(1, -1), encodeURIComponent(token), Buffer.from(token).toString('base64').replace(/=+$/, '')]) {
      expect(text).not.toContain(form);
    }
    expect(result.outputs).toEqual({ url: `https://h/cb?t=${MASK}`, b64: MASK });
    const body = events.find((e) => e.type === 'response.received')?.response.body;
    expect(body).toBe(`{"raw":"${MASK}","url":"https://h/cb?t=${MASK}","b64":"${MASK}"}`);
  });

  it('masks the user:password pair and the password behind a Basic Authorization header', async () => {
    const basic = Buffer.from('bob:hunter2-pw').toString('base64');
    server = await startServer((req, res) => {
      const pair = Buffer.from((req.headers.authorization as string).slice('Basic '.length), 'base64').toString();
      json(res, 403, { message: `user ${pair} refused`, password: pair.split(':')[1] });
    });
    // The credential is written in the document: nothing marks it secret until the request is built.
    const doc = await loadDoc([
      {
        workflowId: 'w',
        steps: [{ stepId: 's', operationId: 'getBasicSecured', parameters: [{ name: 'Authorization', in: 'header', value: `Basic ${basic}` }] }],
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: `${server.url}/base` }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('failed');
    const text = JSON.stringify({ events, error: result.error });
    expect(text).not.toContain('hunter2-pw');
    expect(text).not.toContain(basic);
    expect(result.error?.responseExcerpt).toBe(`{"message":"user ${MASK} refused","password":"${MASK}"}`);
  });

  it('createMasker and maskValue (used by the CLI printers) hide every form of the given secrets, object keys included', () => {
    const mask = createMasker(['tok/en+"1"', 'ab', 42_000]);
    expect(mask('Bearer tok/en+"1" n=42000')).toBe(`Bearer ${MASK} n=${MASK}`);
    expect(mask('https://h/?t=tok%2Fen%2B%221%22')).toBe(`https://h/?t=${MASK}`);
    expect(mask(JSON.stringify({ t: 'tok/en+"1"' }))).toBe(`{"t":"${MASK}"}`);
    expect(mask(`b64 ${Buffer.from('tok/en+"1"').toString('base64')}`)).toBe(`b64 ${MASK}`);
    expect(mask('ab stays: too short to mask safely')).toBe('ab stays: too short to mask safely');
    expect(maskValue({ list: ['x tok/en+"1"'], n: 1, 'tok/en+"1"': true }, mask)).toEqual({ list: [`x ${MASK}`], n: 1, [MASK]: true });
    expect(maskValue({ a: 'tok/en+"1"' }, new Masker(['tok/en+"1"']))).toEqual({ a: MASK });
  });
});
