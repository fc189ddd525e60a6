/**
 * Configuration of the Hugging Face Inference Endpoints simulator: who may call it, how long each
 * deployment phase lasts, and which faults to inject.
 */

/** Time as the simulator sees it. Tests inject a fake one and move it forward. */
export interface SimulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Used for slow-response faults; defaults to a real timer when absent. */
  sleep?(ms: number): Promise<void>;
}

/** A bearer token the simulator accepts. A bare string is a token of user `simulator-user`. */
export type SimulatorToken =
  | string
  | {
      readonly token: string;
      /** The user name shown as `createdBy.name` (default `simulator-user`). */
      readonly user?: string;
      /** Namespaces this token may use; default: every configured namespace. */
      readonly namespaces?: readonly string[];
    };

/** Simulated durations in milliseconds of simulated time (before the time scale applies). */
export interface SimulatorDurations {
  /** `pending` after create or resume (default 10 s). */
  readonly pendingMs?: number;
  /** `initializing` after `pending` (default 90 s). */
  readonly initializingMs?: number;
  /** `updating` after a PUT (default 30 s). */
  readonly updatingMs?: number;
  /** Cold start of a scaled-to-zero endpoint on its first request (default 30 s). */
  readonly coldStartMs?: number;
}

/**
 * A request-level fault. It applies to matching requests (method and path), after `skip` of them
 * have passed, for `times` of them (default: all).
 */
export interface FaultRule {
  /** HTTP method to match (any when absent). */
  readonly method?: string;
  /**
   * Path to match: an exact pathname, a prefix ending in `*` (`/v2/endpoint/demo/*`), or a RegExp.
   * Any path when absent.
   */
  readonly path?: string | RegExp;
  /** Let this many matching requests through before the fault starts (default 0). */
  readonly skip?: number;
  /** Apply the fault to this many matching requests (default: unlimited). */
  readonly times?: number;
  /** Answer with this status instead of handling the request (e.g. 503, or 429). */
  readonly status?: number;
  /** `Retry-After` seconds (sets status 429 when `status` is absent). */
  readonly retryAfter?: number;
  /** Body to send with `status` (default `{"error": "<reason phrase>"}`). */
  readonly body?: unknown;
  /** Destroy the connection without any response. */
  readonly drop?: boolean;
  /** Wait this long (ms, on the simulator clock) before answering (a slow response). */
  readonly delayMs?: number;
}

export interface SimulatorFaults {
  /** Deployments end `failed` instead of `running`: all (`true`) or these endpoint names. */
  readonly failDeploy?: boolean | readonly string[];
  /** Updates end `updateFailed` instead of `running`: all (`true`) or these endpoint names. */
  readonly failUpdate?: boolean | readonly string[];
  /** Request-level faults (5xx bursts, 429 with Retry-After, dropped connections, slow answers). */
  readonly requests?: readonly FaultRule[];
}

export interface ElasticsearchOptions {
  /** Accepted credentials: `Authorization: ApiKey <key>` or `Bearer <key>`. None configured = no auth. */
  readonly apiKeys?: readonly string[];
}

export interface SimulatorOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 0: a free port). */
  readonly port?: number;
  /** Accepted bearer tokens (default `['hf_simulator_token']`). */
  readonly tokens?: readonly SimulatorToken[];
  /** Namespaces that exist (default `['demo']`). */
  readonly namespaces?: readonly string[];
  /** Status of a successful create: 200 like today's API (default), 201 (the seed), or 202 (2023). */
  readonly createStatus?: 200 | 201 | 202;
  readonly durations?: SimulatorDurations;
  /** Divide every simulated duration by this (default 1; the demo uses 30). */
  readonly timeScale?: number;
  readonly clock?: SimulatorClock;
  readonly faults?: SimulatorFaults;
  /** Serve the Elasticsearch `_inference` emulation under `/elasticsearch` (default true). */
  readonly elasticsearch?: boolean | ElasticsearchOptions;
  /** Dimension of the served embeddings (default 384, as MiniLM). */
  readonly embeddingDimensions?: number;
  /** Base URL used in `status.url` (default: the listening address). */
  readonly publicUrl?: string;
  /** Called with one line per handled request (for the CLI's `--verbose`). */
  readonly log?: (line: string) => void;
}

export const DEFAULT_TOKEN = 'hf_simulator_token';
export const DEFAULT_NAMESPACE = 'demo';

export const DEFAULT_DURATIONS: Required<SimulatorDurations> = {
  pendingMs: 10_000,
  initializingMs: 90_000,
  updatingMs: 30_000,
  coldStartMs: 30_000,
};

export const systemClock: SimulatorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
