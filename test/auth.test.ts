import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthCredentials } from '../src/auth/types.js';
import type { LoadedDocument } from '../src/document/loaded.js';
import { ManualClock } from '../src/engine/clock.js';
import { prepareFirstRequest, runWorkflow } from '../src/engine/run.js';
import type { RunEvent, RunOptions, RunResult } from '../src/engine/types.js';
import { createContractChecks } from '../src/contract/checker.js';
import { DocumentError } from '../src/errors.js';
import { loadArazzo } from '../src/load.js';
import { json, type Received, startServer, type TestServer } from './engine-helpers.js';

const FIXTURES = new URL('./fixtures/auth/', import.meta.url);
const CLIENT = { clientId: 'app-1', clientSecret: 's3cret-client' };

/** The API and its authorization server on one loopback port. Tokens are tok-1, tok-2, ...; `valid` holds those the API accepts. */
interface AuthServer extends TestServer {
  valid: Set<string>;
  tokenRequests: Received[];
}

let server: AuthServer;
let issued = 0;

beforeEach(async () => {
  issued = 0;
  const valid = new Set<string>();
  const tokenRequests: Received[] = [];
  const base = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, 200, { issuer: server.url, token_endpoint: `${server.url}/oidc/token`, token_endpoint_auth_methods_supported: ['client_secret_basic'] });
      return;
    }
    if (url.pathname === '/oauth/token' || url.pathname === '/oidc/token') {
      tokenRequests.push(req);
      const expected = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
      const token = `tok-${++issued}`;
      valid.add(token);
      json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      return;
    }
    const authorization = req.headers.authorization;
    if ((url.pathname === '/v1/oauth' || url.pathname === '/v1/oidc') && !valid.has(String(authorization).replace(/^Bearer /, ''))) {
      return json(res, 401, { error: 'invalid_token' });
    }
    json(res, 200, { authorization: authorization ?? null, key: req.headers['x-api-key'] ?? null, cookie: req.headers.cookie ?? null, url: req.url });
  });
  server = Object.assign(base, { valid, tokenRequests });
});
afterEach(async () => server.close());

function load(workflows: unknown[]): Promise<LoadedDocument> {
  return loadArazzo(
    {
      arazzo: '1.0.1',
      info: { title: 'auth test', version: '1.0.0' },
      sourceDescriptions: [{ name: 'api', url: './api.openapi.yml', type: 'openapi' }],
      workflows,
    },
    { baseUri: pathToFileURL(FIXTURES.pathname).href },
  );
}

/** A workflow calling each operation once, in order. */
function calls(...operationIds: string[]): unknown {
  return { workflowId: 'w', steps: operationIds.map((operationId, i) => ({ stepId: `s${i}`, operationId })) };
}

async function run(doc: LoadedDocument, options: RunOptions = {}, inputs: Record<string, unknown> = {}): Promise<RunResult & { events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await runWorkflow(doc, 'w', inputs, { servers: { api: `${server.url}/v1` }, onEvent: (e) => events.push(e), history: true, ...options });
  return { ...result, events };
}

/** What the API saw, per request (token and discovery requests excluded). */
function seen(): Array<{ path: string; authorization?: string; key?: string; cookie?: string }> {
  return server.requests
    .filter((r) => r.url.startsWith('/v1/'))
    .map((r) => ({
      path: r.url,
      ...(r.headers.authorization ? { authorization: r.headers.authorization } : {}),
      ...(r.headers['x-api-key'] ? { key: String(r.headers['x-api-key']) } : {}),
      ...(r.headers.cookie ? { cookie: r.headers.cookie } : {}),
    }));
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication from the security schemes', () => {
  it('applies apiKey (header, query, cookie), http basic and bearer where the operation requires them, and nothing elsewhere', async () => {
    const workflow = calls('headerKey', 'queryKey', 'cookieKey', 'basic', 'bearer', 'public') as { steps: Array<Record<string, unknown>> };
    (workflow.steps[0] as Record<string, unknown>).outputs = { sentKey: '$request.header.X-API-Key' };
    const doc = await load([{ ...workflow, outputs: { sentKey: '$steps.s0.outputs.sentKey' } }]);
    const auth: AuthCredentials = {
      headerKey: { apiKey: 'hk-111' },
      queryKey: { apiKey: 'qk 222&x' },
      cookieKey: { token: 'ck-333' },
      basicAuth: { username: 'alice', password: 'pw-444' },
      bearerAuth: { token: 'bt-555' },
    };
    const result = await run(doc, { auth });
    expect(result.status).toBe('succeeded');
    // $request sees the request as sent, credential included: the final outputs are the caller's,
    // in clear; the step record masks it like every secret.
    expect(result.outputs).toEqual({ sentKey: 'hk-111' });
    expect(result.steps?.[0]?.outputs).toEqual({ sentKey: '***' });
    expect(seen()).toEqual([
      { path: '/v1/header-key', key: 'hk-111' },
      { path: '/v1/query-key?api_key=qk%20222%26x' },
      { path: '/v1/cookie-key', cookie: 'session_key=ck-333' },
      { path: '/v1/basic', authorization: basic('alice', 'pw-444') },
      { path: '/v1/bearer', authorization: 'Bearer bt-555' },
      { path: '/v1/public' },
    ]);
  });

  it('keeps what the step writes itself: its own Authorization header, query parameter or cookie wins', async () => {
    const doc = await load([
      {
        workflowId: 'w',
        steps: [
          { stepId: 'a', operationId: 'bearer', parameters: [{ name: 'authorization', in: 'header', value: 'Bearer from-the-step' }] },
          { stepId: 'b', operationId: 'queryKey', parameters: [{ name: 'api_key', in: 'query', value: 'step-key' }] },
          { stepId: 'c', operationId: 'cookieKey', parameters: [{ name: 'Cookie', in: 'header', value: 'session_key=step-cookie; other=1' }] },
        ],
      },
    ]);
    await run(doc, { auth: { bearerAuth: { token: 'bt-555' }, queryKey: { apiKey: 'qk-222' }, cookieKey: { apiKey: 'ck-333' } } });
    expect(seen()).toEqual([
      { path: '/v1/bearer', authorization: 'Bearer from-the-step' },
      { path: '/v1/query-key?api_key=step-key' },
      { path: '/v1/cookie-key', cookie: 'session_key=step-cookie; other=1' },
    ]);
  });

  it('picks the first alternative whose credentials are all given, applies combined schemes together, and treats {} as optional', async () => {
    const doc = await load([calls('either', 'both', 'optional', 'either')]);
    await run(doc, { auth: { headerKey: { apiKey: 'hk-1' }, queryKey: { apiKey: 'qk-2' } } });
    await run(doc, { auth: { basicAuth: { username: 'u', password: 'pw-3' }, headerKey: { apiKey: 'hk-1' }, bearerAuth: { token: 'bt-4' } } });
    expect(seen()).toEqual([
      // only headerKey can be met for `either`; `both` needs headerKey and queryKey; {} lets `optional` go without
      { path: '/v1/either', key: 'hk-1' },
      { path: '/v1/both?api_key=qk-2', key: 'hk-1' },
      { path: '/v1/optional' },
      { path: '/v1/either', key: 'hk-1' },
      // basicAuth comes first in `either`; queryKey is missing for `both`, so it goes as written; optional gets the bearer token
      { path: '/v1/either', authorization: basic('u', 'pw-3') },
      { path: '/v1/both' },
      { path: '/v1/optional', authorization: 'Bearer bt-4' },
      { path: '/v1/either', authorization: basic('u', 'pw-3') },
    ]);
  });

  it('prefers a credential qualified by source (source.scheme) over the bare scheme name', async () => {
    const doc = await load([calls('bearer')]);
    await run(doc, { auth: { bearerAuth: { token: 'bare' }, 'api.bearerAuth': { token: 'qualified' } } });
    expect(seen()).toEqual([{ path: '/v1/bearer', authorization: 'Bearer qualified' }]);
  });

  it('fails the step with AUTH_CREDENTIAL_INVALID when a credential does not fit its scheme', async () => {
    const doc = await load([calls('basic')]);
    const result = await run(doc, { auth: { basicAuth: { token: 'not-basic' } } });
    expect(result.error?.code).toBe('AUTH_CREDENTIAL_INVALID');
    expect(result.error?.message).toContain(
      'RunOptions.auth["basicAuth"] does not fit scheme basicAuth (http basic) of source "api": it needs { username, password }',
    );
    expect(seen()).toEqual([]);
  });
});

describe('Swagger 2.0 security definitions', () => {
  it('applies basic, apiKey and the oauth2 application flow (client credentials)', async () => {
    const doc = await loadArazzo(
      {
        arazzo: '1.0.1',
        info: { title: 'auth test', version: '1.0.0' },
        sourceDescriptions: [{ name: 'legacy', url: './api.swagger.yml', type: 'openapi' }],
        workflows: [calls('basic', 'queryKey', 'oauth')],
      },
      { baseUri: pathToFileURL(FIXTURES.pathname).href },
    );
    const result = await runWorkflow(
      doc,
      'w',
      {},
      {
        servers: { legacy: `${server.url}/v1` },
        auth: { legacyBasic: { username: 'old', password: 'pw-2' }, legacyKey: { apiKey: 'k-2' }, legacyOauth: CLIENT },
      },
    );
    expect(result.status).toBe('succeeded');
    expect(seen()).toEqual([
      { path: '/v1/basic', authorization: basic('old', 'pw-2') },
      { path: '/v1/query-key?key=k-2' },
      { path: '/v1/oauth', authorization: 'Bearer tok-1' },
    ]);
  });
});

describe('OAuth2 client credentials', () => {
  it("fetches a token once for every step and every run given the same credentials, with the operation's scopes", async () => {
    const doc = await load([calls('oauth', 'oauth', 'oauth')]);
    const auth: AuthCredentials = { oauth: CLIENT };
    expect((await run(doc, { auth })).status).toBe('succeeded');
    expect((await run(doc, { auth })).status).toBe('succeeded');
    expect(server.tokenRequests).toHaveLength(1);
    expect(new URLSearchParams(server.tokenRequests[0]?.body).get('scope')).toBe('read');
    expect(new URLSearchParams(server.tokenRequests[0]?.body).get('grant_type')).toBe('client_credentials');
    expect(seen().map((s) => s.authorization)).toEqual(Array(6).fill('Bearer tok-1'));
  });

  it('fetches a fresh token when the server answers 401, and sends the step once more', async () => {
    const doc = await load([calls('oauth', 'oauth')]);
    const auth: AuthCredentials = { oauth: CLIENT };
    const events: RunEvent[] = [];
    const result = await run(doc, {
      auth,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step.finished' && e.stepId === 's0') server.valid.clear(); // the server revokes tok-1
      },
    });
    expect(result.status).toBe('succeeded');
    expect(seen().map((s) => s.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(server.tokenRequests).toHaveLength(2);
    expect(result.steps?.map((s) => s.statusCode)).toEqual([200, 200]);
    // Both attempts are in the event stream (and so in a HAR trace), the token masked.
    expect(events.filter((e) => e.type === 'response.received').map((e) => (e.type === 'response.received' ? e.response.statusCode : 0))).toEqual([
      200, 401, 200,
    ]);
    expect(JSON.stringify(events)).not.toMatch(/tok-\d/);
  });

  it("retries only once: a second 401 is the step's result", async () => {
    const doc = await load([calls('oauth')]);
    let tokens = 0;
    const result = await run(doc, {
      auth: { oauth: CLIENT },
      onEvent: (e) => {
        if (e.type === 'request.sent') {
          tokens++;
          server.valid.clear();
        }
      },
    });
    expect(tokens).toBe(2);
    expect(result.status).toBe('failed');
    expect(result.steps?.[0]?.statusCode).toBe(401);
  });

  it('fetches again when the token expires, by the injected clock', async () => {
    const clock = new ManualClock();
    const doc = await load([calls('oauth')]);
    const auth: AuthCredentials = { oauth: CLIENT };
    await run(doc, { auth, clock });
    await clock.advance(3_600_000 - 31_000);
    await run(doc, { auth, clock });
    expect(server.tokenRequests).toHaveLength(1);
    await clock.advance(2_000);
    await run(doc, { auth, clock });
    expect(server.tokenRequests).toHaveLength(2);
    expect(seen().map((s) => s.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it("sends token requests through the run's own transport (here a WHATWG fetch)", async () => {
    const doc = await load([calls('oauth')]);
    const urls: string[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      urls.push(`${init?.method} ${String(input)}`);
      const body = String(input).endsWith('/oauth/token') ? { access_token: 'fetched-by-fetch' } : { ok: true };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const result = await runWorkflow(doc, 'w', {}, { servers: { api: 'http://api.invalid/v1' }, fetch: fetchImpl, auth: { oauth: CLIENT } });
    expect(result.status).toBe('succeeded');
    expect(urls).toEqual(['POST http://api.invalid/oauth/token', 'GET http://api.invalid/v1/oauth']);
  });

  it('a dry run (prepareFirstRequest) fetches no token, and its stand-in token never reaches a real run given the same credentials', async () => {
    const doc = await load([calls('oauth')]);
    const auth: AuthCredentials = { oauth: CLIENT };
    const first = await prepareFirstRequest(doc, 'w', {}, { servers: { api: `${server.url}/v1` }, auth });
    expect(first).toMatchObject({ request: { url: `${server.url}/v1/oauth`, headers: { Authorization: '***' } } });
    expect(server.requests).toEqual([]);
    expect((await run(doc, { auth })).status).toBe('succeeded');
    expect(seen()).toEqual([{ path: '/v1/oauth', authorization: 'Bearer tok-1' }]);
  });

  it('finds the token endpoint of an openIdConnect scheme by discovery', async () => {
    const doc = await load([calls('oidc', 'oidc')]);
    const result = await run(doc, { auth: { oidc: CLIENT } });
    expect(result.status).toBe('succeeded');
    expect(server.requests.filter((r) => r.url === '/.well-known/openid-configuration')).toHaveLength(1);
    expect(server.tokenRequests.map((r) => r.url)).toEqual(['/oidc/token']);
    expect(new URLSearchParams(server.tokenRequests[0]?.body).get('scope')).toBe('openid');
  });

  it('fails the step with AUTH_TOKEN_FAILED, naming the endpoint and the OAuth error, when the client is refused', async () => {
    const doc = await load([calls('oauth')]);
    const result = await run(doc, { auth: { oauth: { clientId: 'app-1', clientSecret: 'wrong-secret' } } });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('AUTH_TOKEN_FAILED');
    expect(result.error?.message).toContain(`${server.url}/oauth/token`);
    expect(result.error?.message).toContain('answered 401 (invalid_client: client authentication failed)');
    expect(result.steps?.[0]).toMatchObject({ method: 'GET', url: `${server.url}/v1/oauth`, outcome: 'failed' });
    expect(seen()).toEqual([]);
  });

  it('bounds a token request by the request timeout', async () => {
    const slow = await startServer(() => undefined); // never answers
    try {
      const doc = await load([calls('oauth')]);
      const result = await run(doc, { auth: { oauth: { ...CLIENT, tokenUrl: `${slow.url}/token` } }, limits: { requestTimeoutMs: 200 } });
      expect(result.error?.code).toBe('AUTH_TOKEN_FAILED');
      expect(result.error?.message).toContain('within 200 ms');
    } finally {
      await slow.close();
    }
  });
});

describe('secrets of authentication', () => {
  it('never appear in events, results or errors, in any form', async () => {
    const doc = await load([calls('basic', 'headerKey', 'queryKey', 'oauth', 'bearer')]);
    const auth: AuthCredentials = {
      basicAuth: { username: 'alice', password: 'pw-secret-1' },
      headerKey: { apiKey: 'hk-secret-2' },
      queryKey: { apiKey: 'qk/secret 3' },
      oauth: CLIENT,
      bearerAuth: { token: 'bt-secret-4' },
    };
    const result = await run(doc, { auth });
    expect(result.status).toBe('succeeded');
    const everything = JSON.stringify({ events: result.events, result: { ...result, events: undefined, state: undefined } });
    for (const secret of ['pw-secret-1', 'hk-secret-2', 'qk/secret 3', 'qk%2Fsecret%203', 'qk%2Fsecret', 's3cret-client', 'tok-1', 'bt-secret-4']) {
      expect(everything, secret).not.toContain(secret);
    }
    for (const pair of ['alice:pw-secret-1', 'app-1:s3cret-client']) expect(everything).not.toContain(Buffer.from(pair).toString('base64'));
    expect(everything).toContain('/v1/query-key?api_key=***');
  });
});

describe("Respect's x-security", () => {
  const doc = () =>
    load([
      {
        workflowId: 'w',
        inputs: { type: 'object', properties: { TOKEN: { type: 'string' }, KEY: { type: 'string' }, USER: { type: 'string' }, PASS: { type: 'string' } } },
        'x-security': [{ schemeName: 'bearerAuth', values: { token: '$inputs.TOKEN' } }],
        steps: [
          { stepId: 'wf-level', operationId: 'bearer' },
          { stepId: 'by-name', operationId: 'headerKey', 'x-security': [{ schemeName: 'headerKey', values: { apiKey: '$inputs.KEY' } }] },
          {
            stepId: 'inline',
            operationId: 'public',
            'x-security': [{ scheme: { type: 'http', scheme: 'basic' }, values: { username: '$inputs.USER', password: '$inputs.PASS' } }],
          },
          { stepId: 'override', operationId: 'bearer', 'x-security': [{ schemeName: 'bearerAuth', values: { token: 'literal-step-token' } }] },
          {
            stepId: 'qualified',
            operationId: 'oauth',
            'x-security': [{ schemeName: '$sourceDescriptions.api.oauth', values: { clientId: 'app-1', clientSecret: '$inputs.PASS' } }],
          },
        ],
      },
    ]);

  it("applies workflow and step entries, by scheme name, inline or qualified, step entries replacing the workflow's", async () => {
    const result = await run(await doc(), {}, { TOKEN: 'wf-token-1', KEY: 'key-2', USER: 'bob', PASS: CLIENT.clientSecret });
    expect(result.status).toBe('succeeded');
    expect(seen()).toEqual([
      { path: '/v1/bearer', authorization: 'Bearer wf-token-1' },
      { path: '/v1/header-key', authorization: 'Bearer wf-token-1', key: 'key-2' },
      { path: '/v1/public', authorization: basic('bob', CLIENT.clientSecret) },
      { path: '/v1/bearer', authorization: 'Bearer literal-step-token' },
      { path: '/v1/oauth', authorization: 'Bearer tok-1' },
    ]);
    const everything = JSON.stringify(result.events);
    for (const secret of ['wf-token-1', 'key-2', 'literal-step-token', CLIENT.clientSecret, 'tok-1']) expect(everything, secret).not.toContain(secret);
  });

  it('wins over RunOptions.auth for its scheme, and fails the step when a value resolves to nothing', async () => {
    const result = await run(await doc(), { auth: { bearerAuth: { token: 'from-options' } } }, { KEY: 'k', USER: 'u', PASS: 'p' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('AUTH_CREDENTIAL_INVALID');
    expect(result.error?.message).toContain('x-security value "token" for bearerAuth (http bearer) resolved to nothing');
    expect(seen()).toEqual([]);
  });

  it('refuses malformed entries at load, each once, with its path', async () => {
    const err = await load([
      {
        workflowId: 'w',
        'x-security': [{ schemeName: 'nope', values: {} }],
        steps: [
          { stepId: 'a', operationId: 'bearer' },
          { stepId: 'b', operationId: 'basic', 'x-security': [{ schemeName: 'basicAuth', values: { username: 'x' } }] },
          { stepId: 'c', operationId: 'basic', 'x-security': [{ scheme: { type: 'http', scheme: 'digest' }, values: { username: 'x', password: 'y' } }] },
          { stepId: 'd', operationId: 'basic', 'x-security': [{ schemeName: 'basicAuth', scheme: { type: 'http', scheme: 'basic' }, values: {} }] },
        ],
      },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentError);
    const problems = (err as DocumentError).problems.map((p) => `${p.code} ${p.path}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringContaining(
        'X_SECURITY_INVALID $.workflows[0].x-security[0].schemeName: x-security schemeName "nope" names no security scheme of source "api"',
      ),
      expect.stringContaining(
        'X_SECURITY_INVALID $.workflows[0].steps[1].x-security[0].values: x-security for basicAuth (http basic) needs values username and password',
      ),
      expect.stringContaining('X_SECURITY_INVALID $.workflows[0].steps[2].x-security[0]: x-security scheme inline http digest (http digest) cannot be applied'),
      expect.stringContaining('X_SECURITY_INVALID $.workflows[0].steps[3].x-security[0]: An x-security entry has both schemeName and scheme'),
    ]);
  });
});

describe('RunOptions.tls', () => {
  it("cannot be combined with a transport of the caller's own: runWorkflow throws TLS_CONFIG_INVALID before anything is sent", async () => {
    const doc = await load([calls('public')]);
    const { Agent } = await import('undici');
    for (const own of [{ dispatcher: new Agent() }, { fetch: globalThis.fetch }]) {
      const err = await runWorkflow(doc, 'w', {}, { servers: { api: `${server.url}/v1` }, tls: { insecure: true }, ...own }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('TLS_CONFIG_INVALID');
      expect((err as Error).message).toContain(`RunOptions.tls cannot be combined with RunOptions.${'dispatcher' in own ? 'dispatcher' : 'fetch'}`);
    }
    expect(server.requests).toEqual([]);
  });
});

describe('authentication with contract checks', () => {
  it("a 401 answered with a fresh token and a retry is not the step's response: no status finding for it", async () => {
    const doc = await load([calls('oauth', 'oauth')]);
    const checks = await createContractChecks(doc);
    const result = await run(doc, {
      auth: { oauth: CLIENT },
      checks,
      onEvent: (e) => {
        if (e.type === 'step.finished' && e.stepId === 's0') server.valid.clear(); // the server revokes tok-1
      },
    });
    expect(seen().map((s) => s.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(result.checks).toBeUndefined();
    expect(result.status).toBe('succeeded');
  });

  it('a 401 that stays (the retry got one too) is checked like any response', async () => {
    const doc = await load([calls('oauth')]);
    const checks = await createContractChecks(doc);
    const result = await run(doc, {
      auth: { oauth: CLIENT },
      checks,
      onEvent: (e) => {
        if (e.type === 'request.sent') server.valid.clear();
      },
    });
    expect(result.checks).toEqual([expect.objectContaining({ check: 'status', rule: 'undeclared-status', value: '401', stepId: 's0' })]);
    expect(result.error?.code).toBe('CONTRACT_RESPONSE_INVALID');
  });
});
