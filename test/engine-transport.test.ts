import { AsyncLocalStorage } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import { runWorkflow } from '../src/engine/run.js';
import { UndiciHttpClient } from '../src/engine/transport.js';
import { json, loadDoc, startServer, type TestServer } from './engine-helpers.js';

let server: TestServer | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const c of cleanups.splice(0)) await c();
});

const statusWorkflow = [
  { workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus', outputs: { via: '$response.body#/via' } }], outputs: { via: '$steps.s.outputs.via' } },
];

describe('transports', () => {
  it('sends through a caller-supplied undici dispatcher (MockAgent)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('http://mocked.test')
      .intercept({ path: '/base/status', method: 'GET' })
      .reply(200, { via: 'mock' }, { headers: { 'content-type': 'application/json' } });
    cleanups.push(() => agent.close());
    const result = await runWorkflow(await loadDoc(statusWorkflow), 'w', {}, { dispatcher: agent, servers: { api: 'http://mocked.test/base' } });
    expect(result.outputs).toEqual({ via: 'mock' });
    agent.assertNoPendingInterceptors();
  });

  it('uses HTTP_PROXY from the environment (EnvHttpProxyAgent) when no transport is given', async () => {
    server = await startServer((_req, res) => json(res, 200, { via: 'origin' }));
    const seen: string[] = [];
    const proxy = createServer((req: IncomingMessage, res) => {
      // Plain proxying of an absolute-form request.
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url ?? '/');
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    process.env.HTTP_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    cleanups.push(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      proxy.closeAllConnections();
      proxy.close();
    });
    const result = await runWorkflow(await loadDoc(statusWorkflow), 'w', {}, { servers: { api: `${server.url}/base` } });
    expect(result.error).toBeUndefined();
    expect(result.outputs).toEqual({ via: 'origin' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toContain(new URL(server.url).port);
  });
});

describe('UndiciHttpClient (the default transport)', () => {
  it('reads a body without its UTF-8 byte order mark, chunked or with a Content-Length', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    server = await startServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(bom);
        res.end('{"a":1}');
      } else {
        const body = Buffer.concat([bom, Buffer.from('{"a":2}')]);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.end(body);
      }
    });
    const client = new UndiciHttpClient();
    const chunked = await client.send({ method: 'GET', url: `${server.url}/chunked`, headers: {} });
    const sized = await client.send({ method: 'GET', url: `${server.url}/sized`, headers: {} });
    expect(chunked.headers['content-length']).toBeUndefined();
    expect(chunked.bodyText).toBe('{"a":1}');
    expect(sized.bodyText).toBe('{"a":2}');
  });

  it('does not hold a HEAD response to the size its Content-Length declares (it has no body)', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '5000000' });
      res.end();
    });
    const result = await new UndiciHttpClient().send({ method: 'HEAD', url: `${server.url}/file`, headers: {} }, { maxBodyBytes: 1000 });
    expect(result).toMatchObject({ statusCode: 200, bodyText: '' });
    await expect(new UndiciHttpClient().send({ method: 'GET', url: `${server.url}/file`, headers: {} }, { maxBodyBytes: 1000 })).rejects.toMatchObject({
      code: 'HTTP_BODY_TOO_LARGE',
    });
  });

  it('an AbortSignal aborts the request in flight with RUN_CANCELLED, and no listener stays on the signal', async () => {
    const ac = new AbortController();
    server = await startServer((req, res) => {
      if (req.url === '/hang') ac.abort();
      else json(res, 200, { ok: true });
    });
    const client = new UndiciHttpClient();
    const spare = new AbortController();
    await client.send({ method: 'GET', url: `${server.url}/fast`, headers: {} }, { signal: spare.signal });
    expect(getEventListeners(spare.signal, 'abort')).toHaveLength(0);
    await expect(client.send({ method: 'GET', url: `${server.url}/hang`, headers: {} }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'RUN_CANCELLED',
    });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    await expect(client.send({ method: 'GET', url: `${server.url}/fast`, headers: {} }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'RUN_CANCELLED',
    });
    expect(server.requests.filter((r) => r.url === '/fast')).toHaveLength(1);
  });

  it("keeps the caller's AsyncLocalStorage context across requests (tracing and logging rely on it)", async () => {
    server = await startServer((_req, res) => json(res, 200, { via: 'origin' }));
    const store = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const doc = await loadDoc(statusWorkflow);
    const result = await store.run('trace-42', () =>
      runWorkflow(
        doc,
        'w',
        {},
        { servers: { api: `${server?.url}/base` }, onEvent: (e) => void (e.type === 'response.received' && seen.push(store.getStore())) },
      ),
    );
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual(['trace-42']);
  });
});
