/**
 * A stateful local simulator of the Hugging Face Inference Endpoints management API, with a served
 * fake model behind every running endpoint and an Elasticsearch `_inference` emulation, on one port:
 *
 *   /v2/...                 the management API (Bearer tokens, namespaces, states, faults)
 *   /endpoints/<id>/...     the deployed endpoint's own API (status.url points here)
 *   /elasticsearch/...      Elasticsearch `_inference` for the `hugging_face` service
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimContext } from './context.js';
import { describe } from './endpoint-state.js';
import { handleElasticsearch } from './elasticsearch.js';
import { matchFault } from './faults.js';
import { BodyError, hfError, json, parseJson, readBody, writeReply, type Reply } from './http.js';
import { handleManagement } from './management.js';
import { handleModel } from './model-server.js';
import type { SimulatorFaults, SimulatorOptions } from './options.js';

export type {
  ElasticsearchOptions,
  FaultRule,
  SimulatorClock,
  SimulatorDurations,
  SimulatorFaults,
  SimulatorOptions,
  SimulatorToken,
} from './options.js';
export { DEFAULT_DURATIONS, DEFAULT_NAMESPACE, DEFAULT_TOKEN } from './options.js';
export { embed } from './model-server.js';

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the management API is under `/v2`). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Base URL of the Elasticsearch emulation (`<url>/elasticsearch`). */
  readonly elasticsearchUrl: string;
  /** Replaces the fault configuration (hit counters restart). */
  setFaults(faults: SimulatorFaults): void;
  /**
   * The current `EndpointWithStatus` of every endpoint (all namespaces), plus `namespace` and
   * `servedUrl` (where its model is served once it runs, known even before `status.url` is set).
   */
  endpoints(): Record<string, unknown>[];
  /** Number of HTTP requests handled so far (faulted ones included). */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const ctx = new SimContext(options);
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    void handle(ctx, req, res, `sim-${requests}`);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.baseUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  return {
    url,
    port,
    host,
    elasticsearchUrl: `${url}/elasticsearch`,
    setFaults(faults) {
      ctx.faults = faults;
      ctx.faultHits = [];
    },
    endpoints() {
      const now = ctx.now();
      return [...ctx.endpoints.values()].map((ep) => ({
        namespace: ep.namespace,
        servedUrl: `${ctx.baseUrl}/endpoints/${ep.id}`,
        ...describe(ep, ctx.timings, now, ctx.baseUrl),
      }));
    },
    requestCount: () => requests,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  let pathname = '/';
  let query = new URLSearchParams();
  try {
    const parsed = new URL(req.url ?? '/', 'http://simulator.local');
    pathname = parsed.pathname;
    query = parsed.searchParams;
  } catch {
    // keep defaults
  }
  let reply: Reply;
  try {
    const fault = matchFault(ctx, method, pathname);
    if (fault?.delayMs !== undefined && fault.delayMs > 0) {
      await ctx.sleep(fault.delayMs);
    }
    if (fault?.drop) {
      req.socket.destroy();
      ctx.options.log?.(`${method} ${pathname} -> dropped (fault)`);
      return;
    }
    if (fault && (fault.status !== undefined || fault.retryAfter !== undefined)) {
      await readBody(req).catch(() => '');
      const status = fault.status ?? 429;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      reply = fault.body !== undefined ? json(status, fault.body, headers) : hfError(status, `Simulated fault: HTTP ${status}`, headers);
    } else {
      reply = await route(ctx, req, method, pathname, query);
    }
  } catch (err) {
    reply = err instanceof BodyError ? hfError(err.status, err.message) : hfError(500, `Simulator error: ${(err as Error).message}`);
  }
  ctx.options.log?.(`${method} ${pathname} -> ${reply.status}`);
  if (!res.destroyed) writeReply(res, reply, requestId);
}

async function route(ctx: SimContext, req: IncomingMessage, method: string, pathname: string, query: URLSearchParams): Promise<Reply> {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const body = hasBody ? parseJson(await readBody(req)) : undefined;
  const [head, ...rest] = segments;
  if (head === 'v2') return handleManagement(ctx, req, method, rest, body, query);
  if (head === 'endpoints' && rest[0] !== undefined) {
    const prefix = `/endpoints/${encodeURIComponent(rest[0])}`;
    const sub = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : `/${rest.slice(1).join('/')}`;
    return handleModel(ctx, req, method, rest[0], sub === '/' ? '' : sub, body);
  }
  if (head === 'elasticsearch' && ctx.elasticsearch) return handleElasticsearch(ctx, req, method, rest, body);
  if (head === undefined && method === 'GET') {
    return json(200, {
      name: 'Hugging Face Inference Endpoints simulator',
      managementApi: `${ctx.baseUrl}/v2`,
      elasticsearch: ctx.elasticsearch ? `${ctx.baseUrl}/elasticsearch` : null,
    });
  }
  return hfError(404, `No route for ${method} ${pathname}; the management API is under /v2`);
}
