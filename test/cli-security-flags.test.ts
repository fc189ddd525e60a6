import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FlagIo, type KnownScheme, parseAuthFlags, parseTlsFlags } from '../src/cli/security-flags.js';
import { ArazzoError } from '../src/errors.js';

const known: KnownScheme[] = [
  { source: 'api', scheme: { name: 'bearerAuth', type: 'http', scheme: 'bearer' } },
  { source: 'api', scheme: { name: 'basicAuth', type: 'http', scheme: 'basic' } },
  { source: 'api', scheme: { name: 'key', type: 'apiKey', in: 'query', paramName: 'api_key' } },
  { source: 'api', scheme: { name: 'oauth', type: 'oauth2', tokenUrl: '/token', flows: ['clientCredentials'] } },
  { source: 'api', scheme: { name: 'codeOnly', type: 'oauth2', flows: ['authorizationCode'] } },
  { source: 'api', scheme: { name: 'digestAuth', type: 'http', scheme: 'digest' } },
  { source: 'api', scheme: { name: 'mtls', type: 'mutualTLS' } },
  { source: 'billing', scheme: { name: 'bearerAuth', type: 'apiKey', in: 'header', paramName: 'X-Key' } },
  { source: 'billing', scheme: { name: 'basicAuth', type: 'http', scheme: 'bearer' } },
];

const io = (env: Record<string, string> = {}, files: Record<string, string> = {}): FlagIo => ({
  env,
  readFile: (path) => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return files[path] as string;
  },
});

function parse(items: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const secrets: string[] = [];
  return { credentials: parseAuthFlags(items, known, io(env, files), secrets), secrets };
}

function error(fn: () => unknown): ArazzoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArazzoError);
    return err as ArazzoError;
  }
  throw new Error('expected an error');
}

describe('--auth', () => {
  it('reads a token, a key and user:password from the environment or a file, by the kind of scheme', () => {
    const { credentials, secrets } = parse(
      ['api.bearerAuth=env:TOKEN', 'key=file:/run/secrets/key', 'api.basicAuth=env:BASIC'],
      {
        TOKEN: 'tok-123',
        BASIC: 'alice:pa:ss',
      },
      { '/run/secrets/key': 'key-456\n' },
    );
    expect(credentials).toEqual({
      'api.bearerAuth': { token: 'tok-123' },
      'api.key': { apiKey: 'key-456' },
      'api.basicAuth': { username: 'alice', password: 'pa:ss' },
    });
    expect(secrets).toEqual(expect.arrayContaining(['tok-123', 'key-456', 'alice:pa:ss', 'pa:ss']));
    expect(secrets).not.toContain('alice');
  });

  it('assembles client credentials and basic auth from fields', () => {
    const { credentials, secrets } = parse(
      ['oauth.clientId=env:CID', 'oauth.clientSecret=env:CSECRET', 'api.basicAuth.username=env:U', 'api.basicAuth.password=env:P'],
      {
        CID: 'app-1',
        CSECRET: 'shh-secret',
        U: 'bob',
        P: 'hunter2-pw',
      },
    );
    expect(credentials).toEqual({
      'api.oauth': { clientId: 'app-1', clientSecret: 'shh-secret' },
      'api.basicAuth': { username: 'bob', password: 'hunter2-pw' },
    });
    expect(secrets).toEqual(['shh-secret', 'hunter2-pw']);
  });

  it('refuses a credential written on the command line, and says why', () => {
    const err = error(() => parse(['bearerAuth=tok-literal']));
    expect(err.code).toBe('AUTH_FLAG_INVALID');
    expect(err.message).toContain('env:VAR');
    expect(err.message).toContain('never written on the command line');
    expect(err.message).not.toContain('tok-literal');
  });

  it('names an unknown scheme with a suggestion and the list', () => {
    const err = error(() => parse(['bearerAut=env:T'], { T: 'x' }));
    expect(err.code).toBe('AUTH_SCHEME_UNKNOWN');
    expect(err.message).toContain('Did you mean "bearerAuth"?');
    expect(err.message).toContain('api.oauth');
  });

  it('says which variable is unset or empty, and which file cannot be read', () => {
    expect(error(() => parse(['bearerAuth=env:NOPE'])).message).toContain('NOPE is not set');
    expect(error(() => parse(['bearerAuth=env:EMPTY'], { EMPTY: '' })).message).toContain('EMPTY is empty');
    const file = error(() => parse(['api.bearerAuth=file:missing.txt']));
    expect(file.code).toBe('AUTH_CREDENTIAL_MISSING');
    expect(file.message).toContain('missing.txt cannot be read (ENOENT)');
  });

  it('asks to qualify a name that sources define as different kinds of scheme', () => {
    expect(parse(['bearerAuth=env:T'], { T: 'x' }).credentials).toEqual({ bearerAuth: { token: 'x' } });
    const err = error(() => parse(['basicAuth=env:T'], { T: 'x' }));
    expect(err.code).toBe('AUTH_FLAG_INVALID');
    expect(err.message).toContain('qualify it with the source name');
    const fields = error(() => parse(['basicAuth.username=env:T', 'basicAuth.password=env:T'], { T: 'x' }));
    expect(fields.message).toContain('several sources define "basicAuth"; qualify it');
    expect(parse(['billing.bearerAuth=env:T'], { T: 'x' }).credentials).toEqual({ 'billing.bearerAuth': { apiKey: 'x' } });
  });

  it('refuses credentials that do not fit the scheme, half a pair, and schemes it cannot apply', () => {
    const env = { A: 'a', B: 'b' };
    const cases: Array<[string[], string]> = [
      [['api.basicAuth=env:A'], 'the value must be user:password'],
      [['oauth.clientId=env:A'], 'api.oauth.clientId given without api.oauth.clientSecret'],
      [['api.bearerAuth.clientId=env:A', 'api.bearerAuth.clientSecret=env:B'], 'does not take clientId and clientSecret'],
      [['codeOnly.clientId=env:A', 'codeOnly.clientSecret=env:B'], 'has no clientCredentials flow'],
      [['digestAuth=env:A'], 'needs a challenge from the server'],
      [['mtls=env:A'], 'give the client certificate with --cert and --key'],
      [['api.bearerAuth=env:A', 'api.bearerAuth=env:B'], 'given twice'],
    ];
    for (const [items, text] of cases) {
      const err = error(() => parse(items, env));
      expect(err.code, items.join(' ')).toBe('AUTH_FLAG_INVALID');
      expect(err.message).toContain(text);
    }
  });
});

describe('--ca, --cert, --key, --insecure', () => {
  const pem = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url), 'utf8');
  const files = { 'ca.pem': pem('ca.pem'), 'client.pem': pem('client.pem'), 'client.key': pem('client.key'), 'bad.pem': 'hello' };

  it('builds global and per-source settings, a source prefix only when it names a source', () => {
    const tls = parseTlsFlags({ ca: ['ca.pem'], cert: ['api=client.pem'], key: ['api=client.key'] }, ['api', 'billing'], io({}, files));
    expect(tls).toEqual({ ca: [files['ca.pem']], sources: { api: { cert: files['client.pem'], key: files['client.key'] } } });
    expect(parseTlsFlags({}, ['api'], io())).toBeUndefined();
    expect(parseTlsFlags({ insecure: true }, ['api'], io())).toEqual({ insecure: true });
  });

  it('refuses a certificate without its key, an unknown source, an unreadable or unusable file', () => {
    const cases: Array<[Parameters<typeof parseTlsFlags>[0], string, string]> = [
      [{ cert: ['client.pem'] }, 'TLS_FILE_INVALID', 'has no --key'],
      [{ cert: ['api=client.pem'] }, 'TLS_FILE_INVALID', 'for source "api" has no --key'],
      [{ key: ['client.key'] }, 'TLS_FILE_INVALID', '--key client.key has no --cert'],
      [{ ca: ['biling=ca.pem'] }, 'TLS_FILE_INVALID', 'no source named "biling". Did you mean "billing"?'],
      [{ ca: ['nowhere.pem'] }, 'TLS_FILE_INVALID', 'nowhere.pem: the file cannot be read (ENOENT)'],
      [{ ca: ['bad.pem'] }, 'TLS_CONFIG_INVALID', 'cannot be used'],
    ];
    for (const [flags, code, text] of cases) {
      const err = error(() => parseTlsFlags(flags, ['api', 'billing'], io({}, files)));
      expect(err.code, JSON.stringify(flags)).toBe(code);
      expect(err.message).toContain(text);
    }
  });
});

describe('securityOptions over several documents (arazzo test)', () => {
  it('knows the schemes and sources of every document, and returns one auth object for all their runs', async () => {
    const { loadArazzo } = await import('../src/load.js');
    const { securityOptions } = await import('../src/cli/security-flags.js');
    const auth = await loadArazzo(new URL('./fixtures/auth/auth.arazzo.yaml', import.meta.url));
    const respect = await loadArazzo(new URL('./fixtures/auth/respect-style.arazzo.yaml', import.meta.url));
    const options = securityOptions({ auth: ['bearerAuth=env:T', 'oauth.clientId=env:C', 'oauth.clientSecret=env:S'], insecure: true }, [auth, respect], {
      T: 'tok',
      C: 'cid',
      S: 'sec',
    });
    expect(options.auth).toEqual({ 'api.bearerAuth': { token: 'tok' }, 'api.oauth': { clientId: 'cid', clientSecret: 'sec' } });
    expect(options.tls).toEqual({ insecure: true });
    expect(options.warnings).toEqual([expect.stringContaining('--insecure is on')]);
    expect(options.secrets).toEqual(['tok', 'sec']);
  });
});
