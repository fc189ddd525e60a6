/**
 * The management API (`/v2/...`): list, create, get, update, delete, pause, resume, scale-to-zero,
 * logs, metrics and providers, with the status codes and error bodies of the real service.
 */
import type { IncomingMessage } from 'node:http';
import { computeId, providerItems, providerVendors } from './catalog.js';
import type { SimContext, TokenInfo } from './context.js';
import { checkCreate, checkUpdate, nameProblem } from './endpoint-config.js';
import { describe, newEndpointId, recordLog, settle, stateOf, type EndpointRecord } from './endpoint-state.js';
import { bearerToken, hfError, json, type Reply } from './http.js';
import { asRecord, isRecord, isStringArray } from '../util/guards.js';

const UNAUTHORIZED = 'A valid user or organization token, sent as a Bearer, is required';

export const METRICS = [
  'request-count',
  'median-latency',
  'p95-latency',
  'success-throughput',
  'bad-request-throughput',
  'server-error-throughput',
  'cpu-usage',
  'memory-usage',
  'gpu-usage',
  'gpu-memory-usage',
  'average-latency',
  'success-rate',
  'bad-request-rate',
  'server-error-rate',
];

type Auth = { token: TokenInfo } | { reply: Reply };

function authorize(ctx: SimContext, req: IncomingMessage, namespace: string | undefined): Auth {
  const token = bearerToken(req);
  const info = token === undefined ? undefined : ctx.tokens.get(token);
  if (!info) return { reply: hfError(401, UNAUTHORIZED) };
  if (namespace !== undefined) {
    const allowed = info.namespaces ? info.namespaces.has(namespace) : ctx.namespaces.has(namespace) || namespace === info.user.name;
    if (!allowed) return { reply: hfError(401, `${UNAUTHORIZED} for namespace '${namespace}': this token has no access to it`) };
  }
  return { token: info };
}

function methodNotAllowed(method: string, allowed: string): Reply {
  return hfError(405, `Method ${method} is not allowed here; use ${allowed}`, { allow: allowed });
}

/** Handles `/v2/...`; `segments` is the path split on `/` after `v2`. */
export function handleManagement(ctx: SimContext, req: IncomingMessage, method: string, segments: string[], body: unknown, query: URLSearchParams): Reply {
  const [root, namespace, name, action, extra] = segments;
  if (root === 'provider') {
    if (method !== 'GET') return methodNotAllowed(method, 'GET');
    if (namespace === undefined) return json(200, providerItems());
    const ns = namespace === 'quotas' ? name : namespace;
    const auth = authorize(ctx, req, ns);
    if ('reply' in auth) return auth.reply;
    return json(
      200,
      providerVendors((id) => usedAccelerators(ctx, ns ?? '', id)),
    );
  }
  if (root !== 'endpoint' || namespace === undefined || segments.length > 5) return hfError(404, `No route for ${method} /v2/${segments.join('/')}`);
  const auth = authorize(ctx, req, namespace);
  if ('reply' in auth) return auth.reply;
  const user = auth.token.user;
  const now = ctx.now();

  if (name === undefined) {
    if (method === 'GET') return list(ctx, namespace, query, now);
    if (method === 'POST') return create(ctx, namespace, body, user, now);
    return methodNotAllowed(method, 'GET, POST');
  }
  const ep = ctx.endpoints.get(ctx.key(namespace, name));
  if (!ep) {
    const bad = nameProblem(name);
    return hfError(404, bad ? `Endpoint '${name}' not found in namespace '${namespace}' (${bad})` : `Endpoint '${name}' not found in namespace '${namespace}'`);
  }
  settle(ep, now, ctx.timings);
  if (action === undefined) {
    if (method === 'GET') return json(200, view(ctx, ep, now));
    if (method === 'PUT') return update(ctx, ep, body, user, now);
    if (method === 'DELETE') {
      ctx.endpoints.delete(ctx.key(namespace, name));
      ctx.endpointsById.delete(ep.id);
      return json(200, {});
    }
    return methodNotAllowed(method, 'GET, PUT, DELETE');
  }
  if (action === 'logs' && extra === undefined) {
    if (method !== 'GET') return methodNotAllowed(method, 'GET');
    const tail = Number(query.get('tail') ?? '');
    const lines = Number.isInteger(tail) && tail > 0 ? ep.logs.slice(-tail) : ep.logs;
    return { status: 200, body: lines.join('\n') + (lines.length ? '\n' : ''), text: true };
  }
  if (action === 'metrics') {
    if (method !== 'POST') return methodNotAllowed(method, 'POST');
    return metrics(ep, extra, body, now);
  }
  if (extra !== undefined) return hfError(404, `No route for ${method} /v2/${segments.join('/')}`);
  if (action === 'pause' || action === 'resume' || action === 'scale-to-zero') {
    if (method !== 'POST') return methodNotAllowed(method, 'POST');
    const reply = lifecycle(ctx, ep, action, now);
    if (reply) return reply;
    ep.updatedAt = now;
    ep.updatedBy = user;
    return json(200, view(ctx, ep, now));
  }
  return hfError(404, `No route for ${method} /v2/${segments.join('/')}`);
}

function view(ctx: SimContext, ep: EndpointRecord, now: number): Record<string, unknown> {
  return describe(ep, ctx.timings, now, ctx.baseUrl);
}

function list(ctx: SimContext, namespace: string, query: URLSearchParams, now: number): Reply {
  const search = query.get('search');
  const tags = query.get('tags')?.split(',').filter(Boolean);
  const items = [...ctx.endpoints.values()]
    .filter((ep) => ep.namespace === namespace)
    .filter((ep) => !search || ep.name.includes(search))
    .filter((ep) => !tags || tags.every((t) => isStringArray(ep.config['tags']) && ep.config['tags'].includes(t)))
    .map((ep) => view(ctx, ep, now));
  const limit = Number(query.get('limit') ?? 20);
  const size = Number.isInteger(limit) && limit > 0 ? limit : 20;
  const start = Math.max(0, Number(query.get('cursor') ?? 0) || 0);
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? String(start + size) : null;
  const prev = start > 0 ? String(Math.max(0, start - size)) : null;
  return json(200, { items: page, nextCursor: next, prevCursor: prev });
}

function create(ctx: SimContext, namespace: string, body: unknown, user: EndpointRecord['createdBy'], now: number): Reply {
  const checked = checkCreate(body);
  if ('error' in checked) return hfError(400, checked.error);
  const name = String(asRecord(body)?.['name']);
  if (ctx.endpoints.has(ctx.key(namespace, name))) {
    return hfError(409, `An endpoint with the same name already exists: '${name}' in namespace '${namespace}'`);
  }
  const ep: EndpointRecord = {
    id: newEndpointId(),
    namespace,
    name,
    config: checked.config,
    createdAt: now,
    createdBy: user,
    updatedAt: now,
    updatedBy: user,
    phase: { kind: 'deploying', since: now, outcome: ctx.failing('deploy', name) ? 'failed' : 'running' },
    lastUsedAt: undefined,
    logs: [],
  };
  recordLog(ep, now, `Endpoint ${name} created; waiting to be scheduled`);
  ctx.endpoints.set(ctx.key(namespace, name), ep);
  ctx.endpointsById.set(ep.id, ep);
  return json(ctx.createStatus, view(ctx, ep, now));
}

function update(ctx: SimContext, ep: EndpointRecord, body: unknown, user: EndpointRecord['createdBy'], now: number): Reply {
  const checked = checkUpdate(ep.config, body);
  if ('error' in checked) return hfError(400, checked.error);
  if (isRecord(body) && typeof body['name'] === 'string' && body['name'] !== ep.name) {
    return hfError(400, `An endpoint cannot be renamed (from '${ep.name}' to '${body['name']}'); create a new one instead`);
  }
  ep.config = checked.config;
  ep.updatedAt = now;
  ep.updatedBy = user;
  const state = stateOf(ep, ctx.timings, now);
  if (state === 'paused') {
    recordLog(ep, now, 'Configuration updated while paused');
  } else if (state === 'pending' || state === 'initializing' || state === 'failed') {
    ep.phase = { kind: 'deploying', since: now, outcome: ctx.failing('deploy', ep.name) ? 'failed' : 'running' };
    recordLog(ep, now, 'Configuration updated; redeploying');
  } else {
    ep.phase = { kind: 'updating', since: now, outcome: ctx.failing('update', ep.name) ? 'updateFailed' : 'running' };
    recordLog(ep, now, 'Update requested');
  }
  return json(200, view(ctx, ep, now));
}

/** Pause, resume or scale to zero; returns an error reply, or undefined after changing the phase. */
function lifecycle(ctx: SimContext, ep: EndpointRecord, action: 'pause' | 'resume' | 'scale-to-zero', now: number): Reply | undefined {
  const state = stateOf(ep, ctx.timings, now);
  if (action === 'pause') {
    if (state !== 'paused') {
      ep.phase = { kind: 'paused', since: now };
      recordLog(ep, now, 'Endpoint paused');
    }
    return undefined;
  }
  if (action === 'resume') {
    if (state === 'running') return hfError(400, `Endpoint '${ep.name}' is already running`);
    if (state === 'failed') {
      return hfError(400, `Endpoint '${ep.name}' failed to deploy and cannot be resumed; delete it and create it again`);
    }
    if (state === 'paused' || state === 'scaledToZero' || state === 'updateFailed') {
      ep.phase = { kind: 'deploying', since: now, outcome: ctx.failing('deploy', ep.name) ? 'failed' : 'running' };
      recordLog(ep, now, 'Endpoint resumed; waiting to be scheduled');
    }
    return undefined;
  }
  if (state === 'scaledToZero') return undefined;
  if (state !== 'running' && state !== 'updateFailed') {
    return hfError(400, `Endpoint '${ep.name}' is ${state}; only a running endpoint can be scaled to zero`);
  }
  ep.phase = { kind: 'scaledToZero', since: now };
  recordLog(ep, now, 'Endpoint scaled to zero');
  return undefined;
}

function metrics(ep: EndpointRecord, metric: string | undefined, body: unknown, now: number): Reply {
  if (metric !== undefined && !METRICS.includes(metric)) {
    return hfError(404, `Unknown metric '${metric}'; use one of: ${METRICS.join(', ')}`);
  }
  const b = isRecord(body) ? body : {};
  const to = typeof b['to'] === 'number' ? b['to'] : Math.floor(now / 1000);
  const from = typeof b['from'] === 'number' ? b['from'] : to - 3600;
  const step = typeof b['step'] === 'number' && b['step'] > 0 ? b['step'] : 60;
  if (from > to) return hfError(400, 'Field from must not be after to (both epoch seconds)');
  const points: Array<[number, number]> = [];
  for (let t = from; t <= to && points.length < 1000; t += step) points.push([t, 0]);
  const one = (name: string): Record<string, unknown> => ({ metric: name, endpoint: ep.name, from, to, step, values: points });
  return json(200, metric !== undefined ? one(metric) : { items: METRICS.map(one) });
}

function usedAccelerators(ctx: SimContext, namespace: string, id: string): number {
  let used = 0;
  for (const ep of ctx.endpoints.values()) {
    if (ep.namespace !== namespace || ep.phase.kind === 'paused') continue;
    const p = asRecord(ep.config['provider']) ?? {};
    const c = asRecord(ep.config['compute']) ?? {};
    if (
      computeId(String(p['vendor'] ?? ''), String(p['region'] ?? ''), String(c['instanceType']), String(c['instanceSize'])) === id &&
      c['accelerator'] === 'gpu'
    ) {
      used += Number(asRecord(c['scaling'])?.['maxReplica'] ?? 1);
    }
  }
  return used;
}
