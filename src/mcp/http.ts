/**
 * Streamable HTTP hosting for `arazzo mcp --http <port>`: one MCP session per client (the
 * `Mcp-Session-Id` header), each with its own server, on the `/mcp` path.
 *
 * Safety: on a loopback address the server only answers requests whose Host (and Origin, when a
 * browser sends one) is a loopback name, so a web page cannot reach it through DNS rebinding. Any
 * other address requires a bearer token, compared in constant time. Sessions are capped; idle
 * ones are closed when a new one needs room.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isLoopback } from './loopback.js';
import type { WorkflowServer } from './server.js';

export const MCP_PATH = '/mcp';
/** The most sessions open at once; beyond it idle sessions are closed, else a new one is refused. */
export const MAX_SESSIONS = 64;
/** A session with nothing running and no request for this long may be closed to make room. */
export const IDLE_SESSION_MS = 30 * 60_000;

export interface HttpHostOptions {
  readonly port: number;
  readonly host: string;
  /** Required `Authorization: Bearer <token>`; undefined: none (loopback only). */
  readonly token?: string;
  readonly createServer: () => WorkflowServer;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

export interface HttpHost {
  /** `http://127.0.0.1:8080/mcp` */
  readonly url: string;
  readonly port: number;
  sessions(): number;
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly mcp: WorkflowServer;
  lastSeen: number;
  open: number;
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const loopbackOnly = isLoopback(options.host);
  const expected = options.token !== undefined ? digest(options.token) : undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log(`http: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) reply(res, 500, -32603, 'Internal server error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MCP_PATH) return reply(res, 404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}`);
    if (loopbackOnly && !loopbackRequest(req)) {
      return reply(res, 403, -32000, 'Forbidden: this server only answers requests addressed to a loopback host (Host and Origin)');
    }
    if (expected !== undefined && !authorized(req, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="arazzo mcp"');
      return reply(res, 401, -32001, 'Unauthorized: send Authorization: Bearer <token> (the value of the variable named by --token-env)');
    }
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (session === undefined) return reply(res, 404, -32001, 'Session not found: it was closed or expired; initialize a new one');
      session.lastSeen = now();
      session.open++;
      res.on('close', () => {
        session.open--;
        session.lastSeen = now();
      });
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return reply(res, 400, -32000, 'Bad request: no Mcp-Session-Id header; start with an initialize request (POST)');
    if (sessions.size >= MAX_SESSIONS && !evictIdle()) {
      return reply(res, 503, -32000, `Too many open sessions (${MAX_SESSIONS}); close one (HTTP DELETE) and retry`);
    }
    const mcp = options.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, mcp, lastSeen: now(), open: 0 });
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined && sessions.get(id)?.transport === transport) sessions.delete(id);
      void mcp.close().catch(() => undefined);
    };
    await mcp.server.connect(transport);
    await transport.handleRequest(req, res);
    // A POST that was not an initialize request gets an error from the transport and no session.
    if (transport.sessionId === undefined) await mcp.close().catch(() => undefined);
  }

  /** Close the longest-idle session with nothing running; false when none qualifies. */
  function evictIdle(): boolean {
    let oldest: [string, Session] | undefined;
    for (const entry of sessions) {
      const s = entry[1];
      if (s.open > 0 || s.mcp.running() > 0 || now() - s.lastSeen < IDLE_SESSION_MS) continue;
      if (oldest === undefined || s.lastSeen < oldest[1].lastSeen) oldest = entry;
    }
    if (oldest === undefined) return false;
    sessions.delete(oldest[0]);
    void oldest[1].transport.close().catch(() => undefined);
    return true;
  }

  function loopbackRequest(req: IncomingMessage): boolean {
    const host = header(req, 'host');
    if (host === undefined || !isLoopback(hostName(host))) return false;
    const origin = header(req, 'origin');
    if (origin === undefined) return true;
    try {
      return isLoopback(new URL(origin).hostname);
    } catch {
      return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    port,
    sessions: () => sessions.size,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((s) => s.transport.close().catch(() => undefined)));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `127.0.0.1:8080` → `127.0.0.1`; `[::1]:8080` → `::1`. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!.trim()), expected);
}

function reply(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
