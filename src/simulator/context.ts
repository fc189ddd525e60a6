/** The simulator's mutable world: endpoints, tokens, time and faults, shared by the handlers. */
import type { EndpointRecord, Person, Timings } from './endpoint-state.js';
import {
  DEFAULT_DURATIONS,
  DEFAULT_NAMESPACE,
  DEFAULT_TOKEN,
  systemClock,
  type SimulatorClock,
  type SimulatorFaults,
  type SimulatorOptions,
} from './options.js';

export interface TokenInfo {
  readonly user: Person;
  /** Undefined: every namespace. */
  readonly namespaces: ReadonlySet<string> | undefined;
}

/** One registered Elasticsearch inference endpoint. */
export interface InferenceRecord {
  readonly inferenceId: string;
  readonly taskType: string;
  readonly service: string;
  readonly serviceSettings: Record<string, unknown>;
  readonly apiKey: string;
  readonly chunkingSettings?: Record<string, unknown>;
}

export class SimContext {
  readonly clock: SimulatorClock;
  readonly timings: Timings;
  readonly createStatus: number;
  readonly embeddingDimensions: number;
  readonly namespaces: Set<string>;
  readonly tokens = new Map<string, TokenInfo>();
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly endpointsById = new Map<string, EndpointRecord>();
  readonly inference = new Map<string, InferenceRecord>();
  readonly esApiKeys: ReadonlySet<string> | undefined;
  readonly elasticsearch: boolean;
  faults: SimulatorFaults;
  /** How many requests each fault rule has matched so far (index = rule position). */
  faultHits: number[] = [];
  baseUrl = '';

  constructor(readonly options: SimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    const scale = options.timeScale ?? 1;
    if (!(scale > 0)) throw new RangeError(`timeScale must be a positive number, got ${String(options.timeScale)}`);
    const d = { ...DEFAULT_DURATIONS, ...options.durations };
    this.timings = {
      pendingMs: d.pendingMs / scale,
      initializingMs: d.initializingMs / scale,
      updatingMs: d.updatingMs / scale,
      coldStartMs: d.coldStartMs / scale,
      scale: 1 / scale,
    };
    this.createStatus = options.createStatus ?? 200;
    this.embeddingDimensions = options.embeddingDimensions ?? 384;
    this.namespaces = new Set(options.namespaces ?? [DEFAULT_NAMESPACE]);
    for (const t of options.tokens ?? [DEFAULT_TOKEN]) {
      const spec = typeof t === 'string' ? { token: t } : t;
      const user = spec.user ?? 'simulator-user';
      this.tokens.set(spec.token, {
        user: { id: userId(user), name: user },
        namespaces: spec.namespaces ? new Set(spec.namespaces) : undefined,
      });
    }
    const es = options.elasticsearch ?? true;
    this.elasticsearch = es !== false;
    this.esApiKeys = typeof es === 'object' && es.apiKeys && es.apiKeys.length > 0 ? new Set(es.apiKeys) : undefined;
    this.faults = options.faults ?? {};
  }

  now(): number {
    return this.clock.now();
  }

  /** Wait on the simulator clock (a real timer when the clock has no `sleep`). */
  sleep(ms: number): Promise<void> {
    return this.clock.sleep ? this.clock.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  /** Whether a deploy or update of `name` is configured to fail. */
  failing(kind: 'deploy' | 'update', name: string): boolean {
    const f = kind === 'deploy' ? this.faults.failDeploy : this.faults.failUpdate;
    if (f === true) return true;
    return Array.isArray(f) && f.includes(name);
  }
}

function userId(name: string): string {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${h.toString(16).padStart(8, '0')}0000000000000000`.slice(0, 24);
}
