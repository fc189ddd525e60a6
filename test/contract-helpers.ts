/** The pets API of the contract tests: it breaks its OpenAPI description on purpose, one way per pet id. */
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Received } from './engine-helpers.js';

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/contract/${name}`, import.meta.url));

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-rate-limit': '10', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The API, breaking its description in one way per pet id. */
export function petsApi(req: Received, res: ServerResponse): void {
  const url = new URL(req.url, 'http://x');
  const animal = /^\/api\/animals\/(\w+)$/.exec(url.pathname);
  if (animal) {
    const id = animal[1];
    send(res, 200, id === 'cat' ? { kind: 'cat', lives: 9 } : id === 'dog' ? { kind: 'dog', lives: 9 } : { kind: 'bird' });
    return;
  }
  if (url.pathname.endsWith('/form')) {
    res.writeHead(200);
    res.end();
    return;
  }
  if (req.method === 'POST') {
    send(res, 201, { id: 5, name: JSON.parse(req.body).name, petType: 'Cat', huntingSkill: 'lazy' });
    return;
  }
  if (url.pathname === '/api/pets') {
    send(res, 200, [{ id: 1, name: 'Rex' }]);
    return;
  }
  const id = Number(/\/pets\/(\d+)/.exec(url.pathname)?.[1]);
  if (id === 6) {
    // a missing required header
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 6, name: 'Rex' }));
    return;
  }
  const [status, body, headers] = PETS[id] ?? [500, 'unexpected'];
  send(res, status, body, headers);
}

/** Pet id → the response: one violation each, besides the clean one. */
const PETS: Record<number, [number, unknown, Record<string, string>?]> = {
  1: [200, { id: 1, name: 'Rex', tag: null }], // clean: tag is nullable
  2: [200, { id: 2 }], // a missing required field
  3: [200, { id: 'three', name: 'Rex' }], // a wrong type
  4: [418, { message: "I'm a teapot" }], // an undeclared status
  5: [200, '<p>Rex</p>', { 'content-type': 'text/html' }], // a wrong content type
  7: [200, { id: 7, name: 'Rex', owner: null }], // null where the schema is not nullable
  8: [200, { id: 8, name: 'Rex' }, { 'x-rate-limit': 'plenty' }], // an invalid header value
  9: [404, { message: 'no such pet' }], // a declared error status: no finding (the criterion fails the step)
  10: [503, { message: 'later' }, { 'content-type': 'application/problem+json' }], // a declared range, with a +json type
  11: [200, { id: 11, name: 'Rex', born: 1900 }], // exclusiveMinimum (3.0 boolean form)
  12: [200, '{"id": 12, "name": '], // not JSON at all
};
