/**
 * The life of one simulated Inference Endpoint. State is never advanced by timers: every read
 * settles the phase from (now - the time the phase began), so a test can jump the clock.
 *
 *   create/resume ─► pending ─► initializing ─► running | failed
 *   PUT (update)  ─► updating ─► running | updateFailed
 *   pause ─► paused;  scale-to-zero (or idle timeout) ─► scaledToZero ─(first request)─► cold start ─► running
 */
import { randomBytes } from 'node:crypto';
import { asRecord, isRecord } from '../util/guards.js';

export type EndpointState = 'pending' | 'initializing' | 'updating' | 'updateFailed' | 'running' | 'paused' | 'failed' | 'scaledToZero';

export type Phase =
  | { readonly kind: 'deploying'; readonly since: number; readonly outcome: 'running' | 'failed' }
  | { readonly kind: 'updating'; readonly since: number; readonly outcome: 'running' | 'updateFailed' }
  | { readonly kind: 'waking'; readonly since: number }
  | { readonly kind: 'running'; readonly since: number }
  | { readonly kind: 'failed'; readonly since: number }
  | { readonly kind: 'updateFailed'; readonly since: number }
  | { readonly kind: 'paused'; readonly since: number }
  | { readonly kind: 'scaledToZero'; readonly since: number };

/** Effective (already time-scaled) durations in real milliseconds of the simulator clock. */
export interface Timings {
  readonly pendingMs: number;
  readonly initializingMs: number;
  readonly updatingMs: number;
  readonly coldStartMs: number;
  /** Multiply a simulated duration (e.g. scaleToZeroTimeout minutes) to clock ms. */
  readonly scale: number;
}

export interface Person {
  readonly id: string;
  readonly name: string;
}

export interface EndpointRecord {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** The configuration as last accepted (type, provider, compute, model, route, tags, ...). */
  config: Record<string, unknown>;
  readonly createdAt: number;
  readonly createdBy: Person;
  updatedAt: number;
  updatedBy: Person;
  phase: Phase;
  /** Last inference request (for idle scale-to-zero). */
  lastUsedAt: number | undefined;
  logs: string[];
}

export function newEndpointId(): string {
  // Lowercase alphanumerics, like the real host label (vksrvs8pc1xnifhq).
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function recordLog(ep: EndpointRecord, time: number, line: string): void {
  ep.logs.push(`${iso(time)} ${line}`);
  if (ep.logs.length > 500) ep.logs.splice(0, ep.logs.length - 500);
}

/** Advances the phase to what it is at `now`, recording transitions as log lines. */
export function settle(ep: EndpointRecord, now: number, t: Timings): void {
  for (let end = phaseEnd(ep, t); end !== undefined && now >= end.at; end = phaseEnd(ep, t)) {
    ep.phase = { kind: end.next, since: end.at };
    ep.updatedAt = end.at;
    recordLog(ep, end.at, end.line);
  }
}

/** When the current phase ends on its own, what follows it and the log line; undefined when it lasts. */
function phaseEnd(ep: EndpointRecord, t: Timings): { at: number; next: 'running' | 'failed' | 'updateFailed' | 'scaledToZero'; line: string } | undefined {
  const p = ep.phase;
  switch (p.kind) {
    case 'deploying':
      return {
        at: p.since + t.pendingMs + t.initializingMs,
        next: p.outcome,
        line: p.outcome === 'running' ? 'Endpoint is ready' : 'Endpoint failed to deploy',
      };
    case 'updating':
      return { at: p.since + t.updatingMs, next: p.outcome, line: p.outcome === 'running' ? 'Update applied; endpoint is ready' : 'Endpoint failed to update' };
    case 'waking':
      return { at: p.since + t.coldStartMs, next: 'running', line: 'Replica started after scale-to-zero; endpoint is ready' };
    case 'running': {
      const idle = idleTimeoutMs(ep, t);
      if (idle === undefined) return undefined;
      return { at: Math.max(p.since, ep.lastUsedAt ?? 0) + idle, next: 'scaledToZero', line: 'Scaled to zero after idle timeout' };
    }
    default:
      return undefined;
  }
}

function idleTimeoutMs(ep: EndpointRecord, t: Timings): number | undefined {
  const scaling = asRecord(asRecord(ep.config['compute'])?.['scaling']);
  const minutes = scaling?.['scaleToZeroTimeout'];
  if (scaling?.['minReplica'] !== 0 || typeof minutes !== 'number' || minutes <= 0) return undefined;
  return minutes * 60_000 * t.scale;
}

/** The state as the API reports it. */
export function stateOf(ep: EndpointRecord, t: Timings, now: number): EndpointState {
  const p = ep.phase;
  switch (p.kind) {
    case 'deploying':
      return now - p.since < t.pendingMs ? 'pending' : 'initializing';
    case 'updating':
      return 'updating';
    case 'waking':
      return 'initializing';
    default:
      return p.kind;
  }
}

const MESSAGES: Record<EndpointState, string> = {
  pending: 'Endpoint waiting to be scheduled',
  initializing: 'Endpoint is initializing',
  updating: 'Endpoint waiting for the update',
  updateFailed: 'Endpoint failed to update',
  running: 'Endpoint is ready',
  paused: 'Endpoint is paused',
  failed: 'Endpoint failed to deploy',
  scaledToZero: 'Endpoint is scaled to zero',
};

/** Why a failed deploy or update failed, as `status.errorMessage`. */
export function failureDetail(ep: EndpointRecord, state: EndpointState): string | undefined {
  const model = asRecord(ep.config['model']) ?? {};
  if (state === 'failed') {
    return `Simulated deployment failure: the container for ${String(model['repository'])} exited with code 1 while loading the model. Delete the endpoint and create it again.`;
  }
  if (state === 'updateFailed') {
    return `Simulated update failure: the new configuration for ${String(model['repository'])} did not become healthy; the endpoint keeps its previous configuration.`;
  }
  return undefined;
}

function hasUrl(state: EndpointState, phase: Phase): boolean {
  if (state === 'running' || state === 'updating' || state === 'updateFailed' || state === 'scaledToZero') return true;
  return phase.kind === 'waking';
}

/** The `EndpointWithStatus` JSON body, with every key huggingface_hub reads. */
export function describe(ep: EndpointRecord, t: Timings, now: number, baseUrl: string): Record<string, unknown> {
  settle(ep, now, t);
  const state = stateOf(ep, t, now);
  const c = ep.config;
  const ready = state === 'running' || state === 'updateFailed' ? 1 : 0;
  const target = state === 'paused' || state === 'scaledToZero' || state === 'pending' ? 0 : 1;
  const updatedAt = ep.phase.kind === 'deploying' && state === 'initializing' ? ep.phase.since + t.pendingMs : ep.updatedAt;
  const errorMessage = failureDetail(ep, state);
  const status: Record<string, unknown> = {
    createdAt: iso(ep.createdAt),
    createdBy: ep.createdBy,
    updatedAt: iso(updatedAt),
    updatedBy: ep.updatedBy,
    private: null,
    state,
    message: errorMessage ? `${MESSAGES[state]}: ${errorMessage}` : MESSAGES[state],
    url: hasUrl(state, ep.phase) ? `${baseUrl}/endpoints/${ep.id}` : null,
    readyReplica: ready,
    targetReplica: target,
  };
  if (errorMessage) status['errorMessage'] = errorMessage;
  if (ep.lastUsedAt !== undefined) status['lastUsedAt'] = iso(ep.lastUsedAt);
  return {
    accountId: c['accountId'] ?? null,
    name: ep.name,
    type: c['type'],
    provider: c['provider'],
    compute: c['compute'],
    model: c['model'],
    healthRoute: healthRouteOf(c),
    experimentalFeatures: { cacheHttpResponses: c['cacheHttpResponses'] === true },
    tags: c['tags'] ?? [],
    ...(c['route'] !== undefined ? { route: c['route'] } : {}),
    status,
  };
}

/** The image's health route (`healthRoute`, or the legacy `health_route`), default `/health`. */
export function healthRouteOf(config: Record<string, unknown>): string {
  const image = asRecord(asRecord(config['model'])?.['image']);
  if (image) {
    for (const v of Object.values(image)) {
      if (isRecord(v)) {
        const route = v['healthRoute'] ?? v['health_route'];
        if (typeof route === 'string' && route.startsWith('/')) return route;
      }
    }
  }
  return '/health';
}
