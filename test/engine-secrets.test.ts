import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWorkflows, isSecretName, loadArazzo } from '../src/index.js';
import { runWorkflow } from '../src/engine/run.js';
import { createMasker, maskValue, Masker, MASK } from '../src/engine/mask.js';
import type { RunEvent } from '../src/engine/types.js';
import { serializeCookie, serializeHeader, serializePath, serializeQuery, serializeQueryString } from '../src/engine/serialize.js';
import { truncateForMessage } from '../src/util/truncate.js';
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
    // Everything but the outputs, which are the caller's in clear (README "Secrets").
    const everything = JSON.stringify({ events, result: { ...result, state: undefined, outputs: undefined } });
    for (const secret of ['pin-9876', 'key-abcdef', 'extra-literal-secret', 'cookie-value-123']) expect(everything).not.toContain(secret);
    expect(everything).toContain('alice');
    expect(result.outputs.echoed).toBe('Basic pin-9876');
    expect(events.find((e) => e.type === 'run.finished')).toMatchObject({ outputs: { echoed: '***' } });
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
    const text = JSON.stringify({ events, result: { ...result, state: undefined, outputs: undefined } });
    for (const form of [token, JSON.stringify(token).slice(1, -1), encodeURIComponent(token), Buffer.from(token).toString('base64').replace(/=+$/, '')]) {
      expect(text).not.toContain(form);
    }
    expect(events.find((e) => e.type === 'run.finished')).toMatchObject({ outputs: { url: `https://h/cb?t=${MASK}`, b64: MASK } });
    expect(result.outputs).toEqual({ url: `https://h/cb?t=${encodeURIComponent(token)}`, b64: Buffer.from(token).toString('base64') });
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

/** Secrets with characters that each encoding treats differently (issue 9, item 2). */
const NASTY = ["s3cret*tok(en)'x!", 's3cret "q\\ é+€ ~/?#[]@$&,;=%zz'];

/** Every text the engine produces for a value: each parameter location, style and explode, and bodies. */
function everyEncoding(secret: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const values: Array<[string, unknown]> = [
    ['scalar', secret],
    ['array', ['a', secret]],
    ['object', { k: secret }],
  ];
  for (const [kind, value] of values) {
    for (const style of ['simple', 'label', 'matrix']) {
      for (const explode of [false, true])
        out.push([`path ${style} explode=${explode} ${kind}`, serializePath('p', value, { style, explode, allowReserved: false })]);
    }
    for (const style of ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject']) {
      for (const explode of [false, true]) {
        for (const allowReserved of [false, true]) {
          out.push([`query ${style} explode=${explode} allowReserved=${allowReserved} ${kind}`, serializeQuery('q', value, { style, explode, allowReserved })]);
        }
      }
    }
    for (const explode of [false, true])
      out.push([`cookie explode=${explode} ${kind}`, serializeCookie('c', value, { style: 'form', explode, allowReserved: false })]);
    out.push([`header ${kind}`, serializeHeader(value, { style: 'simple', explode: false, allowReserved: false })]);
    out.push([
      `query as JSON content ${kind}`,
      serializeQuery('q', value, { style: 'form', explode: true, allowReserved: false, contentType: 'application/json' }),
    ]);
    out.push([`querystring form ${kind}`, serializeQueryString({ k: value }, 'application/x-www-form-urlencoded')]);
    out.push([`querystring JSON ${kind}`, serializeQueryString({ k: value }, 'application/json')]);
    out.push([`JSON body ${kind}`, JSON.stringify({ k: value })]);
  }
  out.push(['form body', new URLSearchParams({ k: secret }).toString()]);
  out.push(['base64', Buffer.from(secret).toString('base64')]);
  // What comes back: a URL re-serialised by a URL parser, hex in lower case from another encoder.
  const url = `http://h/p/${serializePath('p', secret, { style: 'simple', explode: false, allowReserved: false })}?${serializeQuery('q', secret, { style: 'form', explode: true, allowReserved: true })}`;
  out.push(['WHATWG URL', new URL(url).href]);
  out.push(['lower-case hex', url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())]);
  return out;
}

describe('the secret-name rule', () => {
  it('takes credentials for secrets, and counts or descriptions of tokens for plain values', () => {
    const secret = [
      'hfToken',
      'accessToken',
      'refresh_token',
      'id-token',
      'token',
      'apiKey',
      'api_key',
      'clientSecret',
      'password',
      'Authorization',
      'tokenSecret',
    ];
    const plain = [
      'maxTokens',
      'completionTokens',
      'prompt_tokens',
      'tokenCount',
      'token_limit',
      'tokenUsage',
      'tokenType',
      'tokenUrl',
      'tokenEndpoint',
      'tokenExpiresIn',
      'name',
      'namespace',
    ];
    expect(secret.filter((n) => !isSecretName(n))).toEqual([]);
    expect(plain.filter((n) => isSecretName(n))).toEqual([]);
  });

  it("leaves the chat workflow's maxTokens input a plain value and its hfToken a secret", async () => {
    const doc = await loadArazzo(fileURLToPath(new URL('../workflows/hugging-face-chat-completion-workflow.yml', import.meta.url)));
    const inputs = describeWorkflows(doc.document).flatMap((w) => w.inputs);
    expect(inputs.find((i) => i.name === 'maxTokens')?.secret).toBe(false);
    expect(inputs.find((i) => i.name === 'hfToken')?.secret).toBe(true);
  });
});

describe('secret masking of encoded forms (issue 9)', () => {
  it('masks every form the engine encodes a secret into, for every style and explode', () => {
    for (const secret of NASTY) {
      const masker = new Masker([secret]);
      for (const [where, text] of everyEncoding(secret)) {
        const shown = masker.text(`before ${text} after`);
        expect(shown.includes('s3cret') || shown.includes('zz') || shown.includes('tok(en)'), `${where}: ${text} -> ${shown}`).toBe(false);
        expect(shown, where).toContain(MASK);
      }
    }
  });

  it('masks the prefix of a secret left before the mark of a truncated message', () => {
    const masker = new Masker(['s3cret-token-value']);
    const message = `GET http://h/x?q=${encodeURIComponent('s3cret-token-value')}&more`;
    for (const cut of [18, 20, 24, 30]) {
      const shown = masker.text(truncateForMessage(message, cut));
      expect(shown).toMatch(/…\[\+\d+ chars\]$/);
      expect(shown).not.toContain('s3c');
      expect(shown.startsWith('GET http://h/x?q=')).toBe(true);
    }
    // A text that only happens to end like a secret's start, without a mark, stays as it is.
    expect(masker.text('prefix s3cre')).toBe('prefix s3cre');
  });
});

describe('masking deep and hostile values (issue 9)', () => {
  /** `depth` nested arrays around `inner`, built without recursion. */
  function nested(depth: number, inner: unknown): unknown {
    let value: unknown = inner;
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
    return value;
  }
  function innermost(value: unknown): unknown {
    let v = value;
    while (v !== null && typeof v === 'object') v = Array.isArray(v) ? v[0] : (v as { d: unknown }).d;
    return v;
  }

  it('masks a secret at any depth, without recursion, in Masker.value and maskValue', () => {
    const deep = nested(100_000, 'the s3cret-value here');
    const masker = new Masker(['s3cret-value']);
    expect(innermost(masker.value(deep))).toBe(`the ${MASK} here`);
    expect(innermost(maskValue(deep, createMasker(['s3cret-value'])))).toBe(`the ${MASK} here`);
    expect(innermost(deep)).toBe('the s3cret-value here');
  });

  it('copies a __proto__ key as an own key, never as the prototype', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":"yes"},"a":"s3cret-value"}') as Record<string, unknown>;
    for (const copy of [new Masker(['s3cret-value']).value(hostile), maskValue(hostile, createMasker(['s3cret-value']))]) {
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.hasOwn(copy, '__proto__')).toBe(true);
      expect((copy as { polluted?: string }).polluted).toBeUndefined();
      expect(JSON.stringify(copy)).toBe(`{"__proto__":{"polluted":"yes"},"a":"${MASK}"}`);
    }
  });

  it('copies a shared value once and a cyclic value without looping', () => {
    const shared = { s: 's3cret-value' };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    const copy = new Masker(['s3cret-value']).value(cyclic);
    expect(copy.self).toBe(copy);
    expect(copy.shared).toBe(copy.again);
    expect(copy.shared).toEqual({ s: MASK });
  });

  it('masks a secret a server echoes 200 levels deep in events (RunResult.outputs keep it, in clear)', async () => {
    const secret = 'deep-s3cret-4711';
    server = await startServer((req, res) => json(res, 200, nested(200, `echo ${req.headers['x-trace']}`)));
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { apiToken: { type: 'string' } } },
        steps: [
          {
            stepId: 's',
            operationId: 'getStatus',
            parameters: [{ name: 'X-Trace', in: 'header', value: '$inputs.apiToken' }],
            outputs: { body: '$response.body' },
          },
        ],
        outputs: { body: '$steps.s.outputs.body' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { apiToken: secret }, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    expect(innermost(result.outputs.body)).toBe(`echo ${secret}`);
    const finished = events.find((e) => e.type === 'step.finished');
    expect(innermost(finished?.type === 'step.finished' ? finished.record.outputs.body : undefined)).toBe(`echo ${MASK}`);
    const end = events.find((e) => e.type === 'run.finished');
    expect(innermost(end?.type === 'run.finished' ? end.outputs.body : undefined)).toBe(`echo ${MASK}`);
  });

  it('keeps a __proto__ key of a response in the outputs, and when masking copies them for events', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"__proto__":{"polluted":"yes"},"ok":1}');
    });
    const doc = await loadDoc([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { apiToken: { type: 'string' } } },
        steps: [{ stepId: 's', operationId: 'getStatus', outputs: { body: '$response.body' } }],
        outputs: { body: '$steps.s.outputs.body' },
      },
    ]);
    const events: RunEvent[] = [];
    const result = await runWorkflow(doc, 'w', { apiToken: 'some-s3cret-value' }, { servers: { api: server.url }, onEvent: (e) => events.push(e) });
    const end = events.find((e) => e.type === 'run.finished');
    for (const body of [result.outputs.body, end?.type === 'run.finished' ? end.outputs.body : undefined] as Array<Record<string, unknown>>) {
      expect(Object.hasOwn(body, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
      expect(JSON.stringify(body)).toBe('{"__proto__":{"polluted":"yes"},"ok":1}');
    }
  });
});
