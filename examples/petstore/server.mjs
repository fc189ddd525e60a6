// A tiny in-memory pet store that implements petstore.openapi.yaml, for trying the engine.
// Usage: node examples/petstore/server.mjs [port] [--retry-after <seconds>]
// It prints its base URL on the first line of stdout. Port 0 (the default) picks a free port.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const args = process.argv.slice(2);
const retryIdx = args.indexOf('--retry-after');
const retryAfter = retryIdx >= 0 ? args[retryIdx + 1] : '1';
const port = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--retry-after') ?? 0);

const USER = { username: 'alice', password: 's3cret' };
const pets = [
  { id: 1, name: 'Rex', status: 'available', tags: ['dog', 'good'] },
  { id: 2, name: 'Tom', status: 'sold', tags: ['cat'] },
  { id: 3, name: 'Kiki', status: 'pending', tags: ['bird', 'good'] },
];
let nextId = 4;
const tokens = new Set();
const sessions = new Set();
let ordersSeen = 0;
let requestsSeen = 0;

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

function xmlPet(p) {
  const tags = p.tags.map((t) => `<tag>${t}</tag>`).join('');
  return `<?xml version="1.0"?><pet id="${p.id}"><name>${p.name}</name><status>${p.status}</status><tags>${tags}</tags></pet>`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Just enough multipart/form-data parsing for this example.
function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!m) return undefined;
  const boundary = `--${m[1] ?? m[2]}`;
  const parts = {};
  for (const chunk of buf.toString('latin1').split(boundary).slice(1)) {
    if (chunk.startsWith('--')) break;
    const [head, ...rest] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (!name) continue;
    parts[name] = { head, body: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
  }
  return parts;
}

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k) out[k] = v.join('=');
  }
  return out;
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const body = await readBody(req);
    const path = url.pathname;
    // Not part of the API: how many API requests this server has answered, for tests.
    if (req.method === 'GET' && path === '/_requests') return send(res, 200, { count: requestsSeen });
    requestsSeen += 1;

    if (req.method === 'GET' && path === '/pets') {
      const statuses = url.searchParams.getAll('status');
      const tags = (url.searchParams.get('tags') ?? '').split(',').filter(Boolean);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const found = pets
        .filter((p) => statuses.length === 0 || statuses.includes(p.status))
        .filter((p) => tags.every((t) => p.tags.includes(t)))
        .slice(0, limit);
      return send(res, 200, { pets: found, query: url.search });
    }

    if (req.method === 'POST' && path === '/pets') {
      const auth = req.headers.authorization ?? '';
      if (!tokens.has(auth.replace(/^Bearer /, ''))) return send(res, 401, { error: 'a valid Bearer token is required' });
      const input = JSON.parse(body.toString('utf8') || '{}');
      if (typeof input.name !== 'string') return send(res, 400, { error: 'name is required' });
      const pet = { id: nextId++, name: input.name, status: input.status ?? 'available', tags: input.tags ?? [] };
      pets.push(pet);
      return send(res, 201, pet, { location: `/pets/${pet.id}` });
    }

    let m = /^\/pets\/(\d+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const pet = pets.find((p) => p.id === Number(m[1]));
      if (!pet) return send(res, 404, { error: `no pet with id ${m[1]}` });
      if ((req.headers.accept ?? '').includes('xml')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(xmlPet(pet));
      }
      return send(res, 200, pet);
    }

    m = /^\/pets\/(\d+)\/photo$/.exec(path);
    if (req.method === 'POST' && m) {
      const parts = parseMultipart(body, req.headers['content-type']);
      if (!parts?.file) return send(res, 400, { error: 'expected multipart/form-data with a file part' });
      return send(res, 201, {
        photoUrl: `/photos/${m[1]}.png`,
        caption: parts.caption?.body ?? '',
        bytes: Buffer.from(parts.file.body, 'latin1').length,
        fileContentType: /content-type:\s*([^\r\n]+)/i.exec(parts.file.head)?.[1] ?? null,
      });
    }

    if (req.method === 'POST' && path === '/login') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('username') !== USER.username || form.get('password') !== USER.password) {
        return send(res, 401, { error: 'wrong username or password' });
      }
      const token = randomUUID();
      const session = randomUUID();
      tokens.add(token);
      sessions.add(session);
      return send(
        res,
        200,
        { welcome: USER.username },
        {
          'x-auth-token': token,
          'set-cookie': `session=${session}; Path=/; HttpOnly`,
        },
      );
    }

    if (req.method === 'POST' && path === '/store/orders') {
      if (!sessions.has(cookies(req).session)) return send(res, 401, { error: 'log in first: the session cookie is missing or unknown' });
      ordersSeen += 1;
      if (ordersSeen === 1) return send(res, 429, { error: 'too many orders, slow down' }, { 'retry-after': retryAfter });
      const input = JSON.parse(body.toString('utf8') || '{}');
      return send(res, 201, {
        id: `order-${ordersSeen}`,
        status: 'placed',
        petId: input.petId,
        quantity: input.quantity,
        idempotencyKey: req.headers['idempotency-key'] ?? null,
      });
    }

    return send(res, 404, { error: `no route for ${req.method} ${path}` });
  } catch (err) {
    return send(res, 500, { error: String(err) });
  }
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`http://127.0.0.1:${actual}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
