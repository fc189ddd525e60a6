/** `arazzo run` with --auth, --ca, --cert, --key and --insecure, in-process against loopback servers. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { fakeIo } from './cli-helpers.js';
import { json, startServer, type TestServer } from './engine-helpers.js';

const dir = fileURLToPath(new URL('./fixtures/auth/', import.meta.url));
const AUTH_DOC = join(dir, 'auth.arazzo.yaml');
const RESPECT_DOC = join(dir, 'respect-style.arazzo.yaml');
const tlsFile = (name: string) => fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url));

const SECRETS = { BASIC: 'alice:pw-basic-777', KEY: 'hk-file-888', CID: 'app-1', CSECRET: 'csecret-999' };

let server: TestServer;
let tokens = 0;
beforeEach(async () => {
  tokens = 0;
  server = await startServer((req, res) => {
    if (req.url === '/oauth/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from(`${SECRETS.CID}:${SECRETS.CSECRET}`).toString('base64')}`;
      return ok ? json(res, 200, { access_token: `issued-token-${++tokens}`, expires_in: 600 }) : json(res, 401, { error: 'invalid_client' });
    }
    json(res, 200, { authorization: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null });
  });
});
afterEach(async () => server.close());

/** `arazzo run` of the `authenticated` workflow against the loopback API. */
const runAuthenticated = () => ['run', AUTH_DOC, '--workflow', 'authenticated', '--server', `api=${server.url}/v1`];

async function arazzo(args: string[], env: Record<string, string> = {}) {
  const io = fakeIo(env);
  const code = await cli(args, io);
  return { code, stdout: io.out, stderr: io.err };
}

describe('arazzo run --auth', () => {
  it('sends the credentials each operation requires, and no output, report or trace shows any of them', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'arazzo-auth-'));
    const keyFile = join(tmp, 'key.txt');
    writeFileSync(keyFile, `${SECRETS.KEY}\n`);
    const har = join(tmp, 'run.har');
    const r = await arazzo(
      [
        ...runAuthenticated(),
        '--auth',
        'basicAuth=env:BASIC',
        '--auth',
        `headerKey=file:${keyFile}`,
        '--auth',
        'oauth.clientId=env:CID',
        '--auth',
        'api.oauth.clientSecret=env:CSECRET',
        '--json',
        '--verbose',
        '--trace',
        har,
      ],
      SECRETS,
    );
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const sent = server.requests.filter((q) => q.url.startsWith('/v1/'));
    expect(sent.map((q) => [q.url, q.headers.authorization ?? q.headers['x-api-key']])).toEqual([
      ['/v1/basic', `Basic ${Buffer.from(SECRETS.BASIC).toString('base64')}`],
      ['/v1/header-key', SECRETS.KEY],
      ['/v1/oauth', 'Bearer issued-token-1'],
    ]);
    // The outputs are the caller's, in clear (README "Secrets"); this workflow outputs what the
    // server echoed of the Authorization header. Everything else is masked.
    const report = JSON.parse(r.stdout) as { outputs: unknown };
    expect(report.outputs).toEqual({ seen: 'Bearer issued-token-1' });
    const everything = `${JSON.stringify({ ...report, outputs: undefined })}\n${r.stderr}\n${readFileSync(har, 'utf8')}`;
    const forms = [
      SECRETS.BASIC,
      'pw-basic-777',
      SECRETS.KEY,
      SECRETS.CSECRET,
      'issued-token-1',
      Buffer.from(SECRETS.BASIC).toString('base64'),
      Buffer.from(`${SECRETS.CID}:${SECRETS.CSECRET}`).toString('base64'),
    ];
    for (const secret of forms) expect(everything, secret).not.toContain(secret);
  });

  it('refuses an unknown scheme, a literal credential and an unset variable with exit 2, sending nothing', async () => {
    const base = runAuthenticated();
    const unknown = await arazzo([...base, '--auth', 'oaut.clientId=env:CID'], SECRETS);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('AUTH_SCHEME_UNKNOWN');
    expect(unknown.stderr).toContain('Did you mean "oauth"?');
    const literal = await arazzo([...base, '--auth', 'basicAuth=alice:pw'], SECRETS);
    expect(literal.code).toBe(2);
    expect(literal.stderr).toContain('AUTH_FLAG_INVALID');
    expect(literal.stderr).not.toContain('alice:pw');
    const unset = await arazzo([...base, '--auth', 'basicAuth=env:NOT_SET', '--json']);
    expect(unset.code).toBe(2);
    expect(JSON.parse(unset.stdout).error.code).toBe('AUTH_CREDENTIAL_MISSING');
    expect(server.requests).toEqual([]);
  });

  it('fails with exit 1 and AUTH_TOKEN_FAILED when the token endpoint refuses the client, the secret masked', async () => {
    const r = await arazzo(
      [
        ...runAuthenticated(),
        '--auth',
        'basicAuth=env:BASIC',
        '--auth',
        'headerKey=env:KEY',
        '--auth',
        'oauth.clientId=env:CID',
        '--auth',
        'oauth.clientSecret=env:BASIC',
        '--json',
      ],
      SECRETS,
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.error.code).toBe('AUTH_TOKEN_FAILED');
    expect(report.error.message).toContain('answered 401 (invalid_client)');
    expect(`${r.stdout}${r.stderr}`).not.toContain('pw-basic-777');
  });

  it('--dry-run shows the first request with its credential masked, and sends nothing, token requests included', async () => {
    const r = await arazzo([...runAuthenticated(), '--auth', 'basicAuth=env:BASIC', '--dry-run'], SECRETS);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`GET ${server.url}/v1/basic`);
    expect(r.stdout).toContain('Authorization: ***');
    expect(server.requests).toEqual([]);
  });

  it("runs a document written in Respect's style: x-security on workflows and steps, inputs, dependsOn", async () => {
    const r = await arazzo(
      [
        'run',
        RESPECT_DOC,
        '--workflow',
        'read-things',
        '--server',
        `api=${server.url}/v1`,
        '--input-env',
        'BEARER=TOKEN',
        '--input-env',
        'API_KEY=KEY',
        '--json',
      ],
      { TOKEN: 'respect-bearer-1', KEY: 'respect-key-2' },
    );
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => [q.url, q.headers.authorization, q.headers['x-api-key']])).toEqual([
      ['/v1/basic', `Basic ${Buffer.from('todd@example.com:sandbox-123456').toString('base64')}`, undefined],
      ['/v1/bearer', 'Bearer respect-bearer-1', undefined],
      ['/v1/header-key', 'Bearer respect-bearer-1', 'respect-key-2'],
    ]);
    for (const secret of ['sandbox-123456', 'respect-bearer-1', 'respect-key-2']) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
  });
});

describe('arazzo run --ca, --cert, --key, --insecure', () => {
  let https: Server;
  let url: string;
  let authorizations: Array<string | undefined>;
  const runMtls = () => ['run', AUTH_DOC, '--workflow', 'mtls', '--server', `api=${url}`];
  beforeEach(async () => {
    authorizations = [];
    // The API over HTTPS with the test CA's server certificate; it requires a client certificate signed by that CA.
    https = createServer(
      {
        cert: readFileSync(tlsFile('server.pem')),
        key: readFileSync(tlsFile('server.key')),
        ca: readFileSync(tlsFile('ca.pem')),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        authorizations.push(req.headers.authorization);
        const socket = req.socket as TLSSocket;
        if (!socket.authorized) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'client certificate required' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ client: socket.getPeerCertificate().subject.CN }));
      },
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/v1`;
  });
  afterEach(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  });

  it('is accepted with the client certificate (mTLS), for every request or only the source named', async () => {
    for (const prefix of ['', 'api=']) {
      const r = await arazzo(
        [
          ...runMtls(),
          '--ca',
          tlsFile('ca.pem'),
          '--cert',
          `${prefix}${tlsFile('client.pem')}`,
          '--key',
          `${prefix}${tlsFile('client.key')}`,
          '--auth',
          'basicAuth=env:BASIC',
        ],
        SECRETS,
      );
      expect(r.stderr).not.toContain('error');
      expect(r.code).toBe(0);
    }
    // security: [{ mtls: [] }, { basicAuth: [] }]: the certificate meets the first alternative, so no Basic credential is sent.
    expect(authorizations).toEqual([undefined, undefined]);
  });

  it('is refused without the client certificate, and cannot connect without the CA', async () => {
    const noCert = await arazzo([...runMtls(), '--ca', tlsFile('ca.pem'), '--json']);
    expect(noCert.code).toBe(1);
    expect(JSON.parse(noCert.stdout).steps[0].statusCode).toBe(401);
    const noCa = await arazzo([...runMtls(), '--json']);
    expect(noCa.code).toBe(1);
    expect(JSON.parse(noCa.stdout).error.code).toBe('HTTP_CONNECTION');
  });

  it('--insecure connects without the CA and warns that verification is off', async () => {
    const r = await arazzo([...runMtls(), '--insecure', '--cert', tlsFile('client.pem'), '--key', tlsFile('client.key')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: --insecure is on: server certificates are not verified');
  });

  it('refuses a certificate without its key, and a file that is not PEM, with exit 2', async () => {
    const noKey = await arazzo([...runMtls(), '--cert', tlsFile('client.pem')]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('TLS_FILE_INVALID');
    const notPem = await arazzo([...runMtls(), '--ca', AUTH_DOC]);
    expect(notPem.code).toBe(2);
    expect(notPem.stderr).toContain('TLS_CONFIG_INVALID');
  });
});
