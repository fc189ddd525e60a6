/**
 * The server of the `contract` benchmark, run as its own process (`node dist/bench/contract-server.js`)
 * so its CPU never counts against the client; started and stopped the way server-process.ts says.
 * It answers every request with the canned response of src/bench/contract-fixture.ts and the
 * `X-Rate-Limit` header the description requires.
 */
import { cannedResponse } from './contract-fixture.js';
import { serveOverStdio } from './server-process.js';

serveOverStdio((req, res) => {
  req.resume();
  req.on('end', () => {
    const { status, body } = cannedResponse(req.method ?? 'GET', req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json', 'x-rate-limit': '99', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
