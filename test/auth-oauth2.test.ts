import { describe, expect, it } from 'vitest';
import { type ClientGrant, TokenCache, type TokenTransport } from '../src/auth/oauth2.js';
import { ManualClock } from '../src/engine/clock.js';
import { Masker } from '../src/engine/mask.js';
import type { HttpRequest, HttpResponse } from '../src/engine/types.js';
import { ArazzoError } from '../src/errors.js';

const grant: ClientGrant = {
  tokenUrl: 'https://auth.example/token',
  clientId: 'app-1',
  clientSecret: 'client-secret-xyz',
  scopes: ['read', 'write'],
  clientAuth: 'basic',
  label: 'scheme oauth (oauth2) of source "api"',
};

/** A token endpoint double: records requests, answers with the next scripted response. */
function endpoint(answers: Array<Partial<HttpResponse> & { body?: unknown }>): { send: TokenTransport; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  let i = 0;
  const send: TokenTransport = async (req) => {
    requests.push(req);
    const a = answers[Math.min(i++, answers.length - 1)] ?? {};
    return { statusCode: a.statusCode ?? 200, headers: { 'content-type': 'application/json' }, bodyText: a.bodyText ?? JSON.stringify(a.body ?? {}) };
  };
  return { send, requests };
}

describe('OAuth2 client credentials tokens', () => {
  it('posts grant_type, scope and HTTP Basic client authentication, and masks the secret, the pair and the token', async () => {
    const clock = new ManualClock();
    const masker = new Masker();
    const { send, requests } = endpoint([{ body: { access_token: 'tok-1111', token_type: 'Bearer', expires_in: 3600 } }]);
    const token = await new TokenCache().get(grant, send, () => clock.now(), masker);
    expect(token.value).toBe('tok-1111');
    expect(requests).toHaveLength(1);
    const req = requests[0] as HttpRequest;
    expect(req.method).toBe('POST');
    expect(new URLSearchParams(req.body as string).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(req.body as string).get('scope')).toBe('read write');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('app-1:client-secret-xyz').toString('base64')}`);
    const shown = masker.text(`${req.headers.authorization} client-secret-xyz tok-1111 ${Buffer.from('app-1:client-secret-xyz').toString('base64')}`);
    expect(shown).not.toMatch(/client-secret|tok-1111|YXBw/);
  });

  it('sends client_id and client_secret in the form with clientAuth "post"', async () => {
    const { send, requests } = endpoint([{ body: { access_token: 'tok-post' } }]);
    await new TokenCache().get({ ...grant, clientAuth: 'post' }, send, () => 0, new Masker());
    const form = new URLSearchParams(requests[0]?.body as string);
    expect(form.get('client_id')).toBe('app-1');
    expect(form.get('client_secret')).toBe('client-secret-xyz');
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('fetches once per (token URL, client, scopes) and shares a fetch between callers at the same time', async () => {
    const { send, requests } = endpoint([{ body: { access_token: 'tok-a', expires_in: 600 } }, { body: { access_token: 'tok-b', expires_in: 600 } }]);
    const cache = new TokenCache();
    const masker = new Masker();
    const [a, b] = await Promise.all([cache.get(grant, send, () => 0, masker), cache.get(grant, send, () => 0, masker)]);
    expect([a.value, b.value]).toEqual(['tok-a', 'tok-a']);
    expect((await cache.get({ ...grant, scopes: ['write', 'read'] }, send, () => 0, masker)).value).toBe('tok-a');
    expect(requests).toHaveLength(1);
    expect((await cache.get({ ...grant, scopes: ['read'] }, send, () => 0, masker)).value).toBe('tok-b');
    expect(requests).toHaveLength(2);
  });

  it('fetches again shortly before the token expires, by the injected clock', async () => {
    const clock = new ManualClock();
    const { send, requests } = endpoint([{ body: { access_token: 'tok-1', expires_in: 300 } }, { body: { access_token: 'tok-2', expires_in: 300 } }]);
    const cache = new TokenCache();
    const now = () => clock.now();
    expect((await cache.get(grant, send, now, new Masker())).value).toBe('tok-1');
    await clock.advance(269_000);
    expect((await cache.get(grant, send, now, new Masker())).value).toBe('tok-1');
    await clock.advance(1_000); // 30 s before expiry
    expect((await cache.get(grant, send, now, new Masker())).value).toBe('tok-2');
    expect(requests).toHaveLength(2);
  });

  it('keeps a token without expires_in until it is invalidated, and invalidating an old token keeps the newer one', async () => {
    const { send, requests } = endpoint([{ body: { access_token: 'tok-1' } }, { body: { access_token: 'tok-2' } }]);
    const cache = new TokenCache();
    const key = TokenCache.keyOf(grant);
    expect((await cache.get(grant, send, () => 0, new Masker())).value).toBe('tok-1');
    expect((await cache.get(grant, send, () => 9e12, new Masker())).value).toBe('tok-1');
    cache.invalidate(key, 'tok-1');
    expect((await cache.get(grant, send, () => 0, new Masker())).value).toBe('tok-2');
    cache.invalidate(key, 'tok-1');
    expect(cache.peek(key, 0)?.value).toBe('tok-2');
    expect(requests).toHaveLength(2);
  });

  it('fails with AUTH_TOKEN_FAILED naming the endpoint, the status and the OAuth error, with the secret masked', async () => {
    const masker = new Masker();
    const { send } = endpoint([{ statusCode: 401, body: { error: 'invalid_client', error_description: 'bad secret client-secret-xyz' } }]);
    const err = (await new TokenCache().get(grant, send, () => 0, masker).catch((e: unknown) => e)) as ArazzoError;
    expect(err).toBeInstanceOf(ArazzoError);
    expect(err.code).toBe('AUTH_TOKEN_FAILED');
    expect(err.message).toContain('https://auth.example/token');
    expect(err.message).toContain('answered 401 (invalid_client: bad secret');
    expect(err.message).toContain('check the client id and secret');
    expect(masker.text(err.message)).not.toContain('client-secret-xyz');
  });

  it('fails clearly on an answer without access_token, a non-Bearer token type, and a transport failure', async () => {
    const cases: Array<[TokenTransport, string]> = [
      [endpoint([{ bodyText: '<html>login</html>' }]).send, 'has no access_token'],
      [endpoint([{ body: { access_token: 'mac-token', token_type: 'mac' } }]).send, 'token of type "mac"'],
      [
        async () => {
          throw new ArazzoError('HTTP_CONNECTION', 'POST https://auth.example/token failed: ECONNREFUSED.');
        },
        'the request failed: POST https://auth.example/token failed: ECONNREFUSED',
      ],
    ];
    for (const [send, text] of cases) {
      const err = (await new TokenCache().get(grant, send, () => 0, new Masker()).catch((e: unknown) => e)) as ArazzoError;
      expect(err.code).toBe('AUTH_TOKEN_FAILED');
      expect(err.message).toContain(text);
    }
  });

  it('lets a cancellation through unchanged and does not keep a failed fetch', async () => {
    let calls = 0;
    const send: TokenTransport = async () => {
      calls++;
      if (calls === 1) throw new ArazzoError('RUN_CANCELLED', 'The run was cancelled by its AbortSignal.');
      return { statusCode: 200, headers: {}, bodyText: '{"access_token":"tok-after"}' };
    };
    const cache = new TokenCache();
    const err = (await cache.get(grant, send, () => 0, new Masker()).catch((e: unknown) => e)) as ArazzoError;
    expect(err.code).toBe('RUN_CANCELLED');
    expect((await cache.get(grant, send, () => 0, new Masker())).value).toBe('tok-after');
  });

  it("a caller waiting on another run's fetch that was cancelled fetches for itself", async () => {
    let release: (() => void) | undefined;
    const cancelled: TokenTransport = () =>
      new Promise((_resolve, reject) => {
        release = () => reject(new ArazzoError('RUN_CANCELLED', 'cancelled'));
      });
    const { send, requests } = endpoint([{ body: { access_token: 'tok-mine' } }]);
    const cache = new TokenCache();
    const first = cache.get(grant, cancelled, () => 0, new Masker()).catch((e: unknown) => e);
    const second = cache.get(grant, send, () => 0, new Masker());
    release?.();
    expect(((await first) as ArazzoError).code).toBe('RUN_CANCELLED');
    expect((await second).value).toBe('tok-mine');
    expect(requests).toHaveLength(1);
  });
});

describe('OpenID Connect discovery', () => {
  it('reads token_endpoint once per URL and picks client_secret_post when basic is not offered', async () => {
    const { send, requests } = endpoint([
      {
        body: { issuer: 'https://id.example', token_endpoint: 'https://id.example/oauth/token', token_endpoint_auth_methods_supported: ['client_secret_post'] },
      },
    ]);
    const cache = new TokenCache();
    const [a, b] = await Promise.all([
      cache.discover('https://id.example/.well-known/openid-configuration', send, 'x'),
      cache.discover('https://id.example/.well-known/openid-configuration', send, 'x'),
    ]);
    expect(a).toEqual({ tokenEndpoint: 'https://id.example/oauth/token', clientAuth: 'post' });
    expect(b).toBe(a);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('GET');
  });

  it('fails with AUTH_TOKEN_FAILED on a 404 or a document without token_endpoint, and tries again next time', async () => {
    const { send, requests } = endpoint([{ statusCode: 404, body: {} }, { body: { issuer: 'x' } }, { body: { token_endpoint: 'https://id.example/t' } }]);
    const cache = new TokenCache();
    const url = 'https://id.example/.well-known/openid-configuration';
    const first = (await cache.discover(url, send, 'scheme oidc').catch((e: unknown) => e)) as ArazzoError;
    expect(first.code).toBe('AUTH_TOKEN_FAILED');
    expect(first.message).toContain('answered 404');
    const second = (await cache.discover(url, send, 'scheme oidc').catch((e: unknown) => e)) as ArazzoError;
    expect(second.message).toContain('no absolute http(s) token_endpoint');
    expect((await cache.discover(url, send, 'scheme oidc')).tokenEndpoint).toBe('https://id.example/t');
    expect(requests).toHaveLength(3);
  });
});
