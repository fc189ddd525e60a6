/**
 * The server of the `contract` benchmark, run as its own process (`node dist/bench/contract-server.js`)
 * so its CPU never counts against the client. It answers every request with the canned response
 * of src/bench/contract-fixture.ts and the `X-Rate-Limit` header the description requires. It
 * listens on 127.0.0.1, port 0, prints `{"port":N}` first on stdout, and exits when its stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cannedResponse } from './contract-fixture.js';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const { status, body } = cannedResponse(req.method ?? 'GET', req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json', 'x-rate-limit': '99', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
