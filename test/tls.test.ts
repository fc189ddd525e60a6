import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { tlsTransport } from '../src/engine/tls.js';
import { ArazzoError } from '../src/errors.js';

/** Test-only certificates (test/fixtures/tls/generate.sh): a throwaway CA, a 127.0.0.1 server and a client. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url), 'utf8');
const CA = fixture('ca.pem');
const SERVER = { cert: fixture('server.pem'), key: fixture('server.key') };
const CLIENT = { cert: fixture('client.pem'), key: fixture('client.key') };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An HTTPS server on 127.0.0.1 that answers with the client certificate's CN: it asks for none, asks for one, or requires one. */
async function start(client: 'none' | 'ask' | 'require'): Promise<string> {
  const s = createServer({ ...SERVER, ca: CA, requestCert: client !== 'none', rejectUnauthorized: client === 'require' }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client: peer?.subject?.CN ?? null }));
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

async function get(url: string, tls: Parameters<typeof tlsTransport>[0], source?: string): Promise<unknown> {
  const { http } = tlsTransport(tls, { proxyFromEnv: false });
  const res = await http.send({ method: 'GET', url, headers: {} }, source !== undefined ? { source } : {});
  return JSON.parse(res.bodyText);
}

async function failure(p: Promise<unknown>): Promise<ArazzoError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArazzoError);
  return err as ArazzoError;
}

describe('TLS settings (RunOptions.tls)', () => {
  it('trusts a server certificate signed by --ca, and refuses it without', async () => {
    const url = await start('none');
    expect(await get(url, { ca: CA })).toEqual({ client: null });
    const err = await failure(get(url, {}));
    expect(err.code).toBe('HTTP_CONNECTION');
    expect(err.message).toMatch(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|unable to verify|self.signed/i);
  });

  it('skips verification only when insecure is set, and says so', async () => {
    const url = await start('none');
    const transport = tlsTransport({ insecure: true }, { proxyFromEnv: false });
    expect(transport.insecure).toBe(true);
    expect(await get(url, { insecure: true })).toEqual({ client: null });
  });

  it('presents the client certificate to a server that requires one (mTLS), and is refused without it', async () => {
    const url = await start('require');
    expect(await get(url, { ca: CA, ...CLIENT })).toEqual({ client: 'arazzo-engine test client' });
    const err = await failure(get(url, { ca: CA }));
    expect(err.code).toBe('HTTP_CONNECTION');
  });

  it('applies per-source settings over the global ones: only the named source presents the certificate', async () => {
    const url = await start('ask');
    const tls = { ca: CA, sources: { bank: CLIENT } };
    expect(await get(url, tls, 'bank')).toEqual({ client: 'arazzo-engine test client' });
    expect(await get(url, tls, 'other')).toEqual({ client: null });
    expect(await get(url, tls)).toEqual({ client: null });
    const transport = tlsTransport(tls);
    expect(transport.clientCertificate('bank')).toBe(true);
    expect(transport.clientCertificate('other')).toBe(false);
  });

  it('refuses unusable settings before anything is sent, with TLS_CONFIG_INVALID', () => {
    const cases: Array<[Parameters<typeof tlsTransport>[0], RegExp]> = [
      [{ ca: 'not a certificate' }, /cannot be used/],
      [{ cert: CLIENT.cert }, /client certificate \(cert\) but no key/],
      [{ key: CLIENT.key }, /key but no client certificate/],
      [{ cert: CLIENT.cert, key: SERVER.key }, /cannot be used/],
      [{ sources: { bank: { cert: CLIENT.cert } } }, /sources\["bank"\] has a client certificate \(cert\) but no key/],
    ];
    for (const [tls, message] of cases) {
      let err: unknown;
      try {
        tlsTransport(tls);
      } catch (e) {
        err = e;
      }
      expect(err, String(message)).toBeInstanceOf(ArazzoError);
      expect((err as ArazzoError).code).toBe('TLS_CONFIG_INVALID');
      expect((err as ArazzoError).message).toMatch(message);
    }
  });

  it('builds one transport per options object, so runs given the same object share connections', () => {
    const tls = { ca: CA };
    expect(tlsTransport(tls)).toBe(tlsTransport(tls));
    expect(tlsTransport({ ca: CA })).not.toBe(tlsTransport(tls));
  });
});
