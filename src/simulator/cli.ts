#!/usr/bin/env node
/**
 * `node dist/simulator/cli.js --port 8080 --time-scale 30 --create-status 201`
 * Starts the simulator in the foreground until Ctrl-C.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE, DEFAULT_TOKEN, startSimulator, type FaultRule, type SimulatorOptions } from './index.js';

const HELP = `Hugging Face Inference Endpoints simulator

Usage: node dist/simulator/cli.js [options]

  --port <n>                 port to listen on (default 8080; 0 = any free port)
  --host <addr>              interface (default 127.0.0.1)
  --time-scale <x>           divide every simulated duration by x (default 1)
  --create-status <code>     status of a successful create: 200 (default, like the real API), 201 or 202
  --token <token>            accepted Bearer token (repeatable; default hf_simulator_token)
  --namespace <ns>           existing namespace (repeatable; default demo)
  --pending-seconds <s>      simulated time in pending (default 10)
  --initializing-seconds <s> simulated time in initializing (default 90)
  --updating-seconds <s>     simulated time in updating (default 30)
  --fail-deploy [names]      deployments end failed (bare: all; or a comma-separated list of names)
  --fail-update [names]      updates end updateFailed (bare: all; or a comma-separated list of names)
  --fault <json>             a request fault rule (repeatable), e.g.
                             '{"method":"POST","path":"/v2/endpoint/*","status":429,"retryAfter":2,"times":1}'
  --es-api-key <key>         require this Elasticsearch API key (repeatable; default: no auth)
  --no-elasticsearch         do not serve the Elasticsearch emulation
  --verbose                  log every request to stderr
  --help                     show this help
`;

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${flag} needs a non-negative number, got '${value}'`);
  return n;
}

function names(value: string | undefined): boolean | string[] | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'true') return true;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Flags whose value is optional: bare `--fail-deploy` means every endpoint. */
const OPTIONAL_VALUE = new Set(['--fail-deploy', '--fail-update']);

/** Rewrites a bare optional-value flag (last, or followed by another flag) to `--flag=`. */
function expandOptionalValues(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const next = argv[i + 1];
    return OPTIONAL_VALUE.has(arg) && (next === undefined || next.startsWith('--')) ? `${arg}=` : arg;
  });
}

const SIM_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'time-scale': { type: 'string' },
  'create-status': { type: 'string' },
  token: { type: 'string', multiple: true },
  namespace: { type: 'string', multiple: true },
  'pending-seconds': { type: 'string' },
  'initializing-seconds': { type: 'string' },
  'updating-seconds': { type: 'string' },
  'fail-deploy': { type: 'string' },
  'fail-update': { type: 'string' },
  fault: { type: 'string', multiple: true },
  'es-api-key': { type: 'string', multiple: true },
  'no-elasticsearch': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parseSimArgs(argv: string[]) {
  return parseArgs({ args: expandOptionalValues(argv), options: SIM_OPTIONS, strict: true, allowPositionals: false });
}

export function parseSimulatorArgs(argv: string[]): SimulatorOptions | 'help' {
  let parsed: ReturnType<typeof parseSimArgs>;
  try {
    parsed = parseSimArgs(argv);
  } catch (err) {
    fail((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const createStatus = number(v['create-status'], '--create-status');
  if (createStatus !== undefined && createStatus !== 200 && createStatus !== 201 && createStatus !== 202) {
    fail(`--create-status must be 200, 201 or 202, got ${createStatus}`);
  }
  const timeScale = number(v['time-scale'], '--time-scale');
  if (timeScale === 0) fail('--time-scale must be greater than 0');
  const faults: FaultRule[] = (v.fault ?? []).map((text) => {
    try {
      const rule = JSON.parse(text) as FaultRule;
      if (typeof rule !== 'object' || rule === null) throw new Error('not an object');
      return rule;
    } catch (err) {
      return fail(`--fault needs a JSON object, got '${text}' (${(err as Error).message})`);
    }
  });
  const seconds = (flag: 'pending-seconds' | 'initializing-seconds' | 'updating-seconds'): number | undefined => {
    const s = number(v[flag], `--${flag}`);
    return s === undefined ? undefined : s * 1000;
  };
  const durations: Record<string, number> = {};
  const pending = seconds('pending-seconds');
  const initializing = seconds('initializing-seconds');
  const updating = seconds('updating-seconds');
  if (pending !== undefined) durations['pendingMs'] = pending;
  if (initializing !== undefined) durations['initializingMs'] = initializing;
  if (updating !== undefined) durations['updatingMs'] = updating;
  const failDeploy = names(v['fail-deploy']);
  const failUpdate = names(v['fail-update']);
  return {
    port: number(v.port, '--port') ?? 8080,
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    ...(createStatus !== undefined ? { createStatus: createStatus as 200 | 201 | 202 } : {}),
    ...(v.token ? { tokens: v.token } : {}),
    ...(v.namespace ? { namespaces: v.namespace } : {}),
    durations,
    faults: {
      ...(failDeploy !== undefined ? { failDeploy } : {}),
      ...(failUpdate !== undefined ? { failUpdate } : {}),
      requests: faults,
    },
    elasticsearch: v['no-elasticsearch'] ? false : { apiKeys: v['es-api-key'] ?? [] },
    ...(v.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  };
}

async function main(): Promise<void> {
  const options = parseSimulatorArgs(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const sim = await startSimulator(options).catch((err: Error) => fail(`cannot listen: ${err.message}`));
  process.stdout.write(
    `Hugging Face Inference Endpoints simulator listening on ${sim.url}\n` +
      `  management API  ${sim.url}/v2   (token: ${(options.tokens ?? [DEFAULT_TOKEN]).join(', ')}; namespaces: ${(options.namespaces ?? [DEFAULT_NAMESPACE]).join(', ')})\n` +
      `  elasticsearch   ${options.elasticsearch === false ? 'off' : sim.elasticsearchUrl}\n`,
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
if (invokedDirectly()) void main();
