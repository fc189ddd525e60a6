/** Shared helpers for engine tests: a scripted loopback server and a driver for the manual clock. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManualClock } from '../src/engine/clock.js';
import type { RunEvent } from '../src/engine/types.js';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Received, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      Promise.resolve(handler(r, res)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * An event listener that lets a run's delays elapse on the manual clock: on every `delay.started`
 * it moves the clock forward by the delay. Request timeouts never fire by themselves.
 */
export function autoAdvance(clock: ManualClock, sink?: RunEvent[]): (e: RunEvent) => void {
  return (e) => {
    sink?.push(e);
    if (e.type === 'delay.started') setImmediate(() => void clock.advance(e.ms));
  };
}

import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { loadArazzo } from '../src/load.js';
import type { LoadedDocument } from '../src/compile/loaded.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/engine/', import.meta.url));

/** Load an in-memory Arazzo document whose single source `api` is fixtures/engine/api.openapi.yml. */
export function loadDoc(workflows: unknown[], extra: Record<string, unknown> = {}, version = '1.0.1'): Promise<LoadedDocument> {
  return loadArazzo(
    {
      arazzo: version,
      info: { title: 'engine test', version: '1.0.0' },
      sourceDescriptions: [{ name: 'api', url: './api.openapi.yml', type: 'openapi' }],
      workflows,
      ...extra,
    },
    { baseUri: pathToFileURL(FIXTURES).href },
  );
}
