/**
 * The commands, their flags and their help text. Kept free of heavy imports: `arazzo --help`
 * loads only this file, the argv parser and the suggestion helper.
 */
import type { FlagSpecs } from './args.js';

export type CommandName = 'run' | 'test' | 'validate' | 'list' | 'graph' | 'mcp' | 'worker' | 'submit' | 'status' | 'cancel';

export interface CommandSpec {
  readonly name: CommandName;
  readonly usage: string;
  readonly summary: string;
  readonly flags: FlagSpecs;
  readonly examples: readonly string[];
  readonly notes?: readonly string[];
}

const help = { type: 'boolean', short: 'h', description: 'Show this help.' } as const;
const check = {
  type: 'string',
  multiple: true,
  arg: 'name=level',
  description: 'Level of a contract check: status, content-type, schema, headers, request, or all; error, warn or off.',
} as const;
const maxSourceBytes = {
  type: 'string',
  arg: '<size>',
  description: 'Largest document or source description read, e.g. 128MiB (default 64MiB).',
} as const;
const strict = {
  type: 'boolean',
  description:
    "Refuse other runners' spellings (sourceName.operationId, $steps.<id>.<name>, body dot paths, x-operation, …): each DIALECT_* warning becomes an error.",
} as const;

/**
 * Credentials for the security schemes and TLS settings: every command that sends requests takes
 * them (src/cli/security-flags.ts reads them).
 */
export const SECURITY_FLAGS = {
  auth: {
    type: 'string',
    multiple: true,
    arg: 'scheme=env:VAR',
    description:
      'A credential for a security scheme of the OpenAPI sources (source.scheme when several define it), from an environment variable or file:path; never a literal. Fields: scheme.clientId=…, scheme.clientSecret=…, scheme.username=…, scheme.password=…',
  },
  ca: {
    type: 'string',
    multiple: true,
    arg: '[source=]file',
    description: 'Trust this CA certificate (PEM) besides the system roots, for every request or one source’s.',
  },
  cert: { type: 'string', multiple: true, arg: '[source=]file', description: 'Client certificate (PEM) for mutual TLS, with --key.' },
  key: { type: 'string', multiple: true, arg: '[source=]file', description: 'Private key (PEM, unencrypted) of --cert.' },
  insecure: { type: 'boolean', description: 'Do not verify server certificates (a warning is printed). Prefer --ca.' },
} as const;

/** The Redis of the queue commands (worker, submit, status, cancel). */
const queueFlags = {
  redis: { type: 'string', arg: '<url>', description: 'Redis URL, e.g. redis://127.0.0.1:6379 (default: $ARAZZO_REDIS_URL).' },
  queue: { type: 'string', arg: '<name>', description: 'Queue name (default runs): keys are <prefix>:<name>:*.' },
  prefix: { type: 'string', arg: '<prefix>', description: 'Redis key prefix (default arazzo).' },
} as const;

/** Workflows shipped in the package, used by the examples (a test runs every example). */
const DEPLOY = 'workflows/hugging-face-deploy-and-wait-workflow.yml';
const CHAT = 'workflows/hugging-face-chat-completion-workflow.yml';
const LIFECYCLE = 'workflows/hugging-face-endpoint-lifecycle-workflow.yml';

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  run: {
    name: 'run',
    usage: 'arazzo run <file> [options]',
    summary: 'Run a workflow against the live APIs',
    flags: {
      workflow: { type: 'string', short: 'w', arg: '<id>', description: 'Workflow to run (optional when the document has one).' },
      input: {
        type: 'string',
        multiple: true,
        short: 'i',
        arg: 'name=value',
        description: "An input, coerced by the input's schema type (number, boolean, object/array as JSON).",
      },
      'input-env': {
        type: 'string',
        multiple: true,
        arg: 'name=ENV_VAR',
        description: 'An input read from an environment variable; treated as a secret and masked everywhere.',
      },
      inputs: {
        type: 'string',
        arg: '<file.json|->',
        description: 'All inputs as a JSON object from a file, or from stdin with "-". --input wins on the same key.',
      },
      server: {
        type: 'string',
        multiple: true,
        arg: 'source=url',
        description: 'Send the requests of a source description to this base URL instead of its OpenAPI servers.',
      },
      ...SECURITY_FLAGS,
      'max-steps': { type: 'string', arg: '<n>', description: 'Fail the run after this many step executions (default 10000).' },
      timeout: { type: 'string', arg: '<seconds>', description: 'Fail the run when it takes longer than this.' },
      json: { type: 'boolean', description: 'Print one JSON report on stdout (progress still goes to stderr).' },
      trace: { type: 'string', arg: '<file.har>', description: 'Write every HTTP exchange to a HAR 1.2 file (open it in a browser network panel).' },
      'dry-run': { type: 'boolean', description: 'Check the inputs and print the first request, fully resolved, without sending it.' },
      check: { ...check, description: `${check.description} Turns the checks on for this run (off by default; \`arazzo test\` has them on).` },
      verbose: { type: 'boolean', short: 'v', description: 'Also show requests and responses with their headers (secrets masked), actions and delays.' },
      quiet: { type: 'boolean', short: 'q', description: 'Show only errors.' },
      'max-source-bytes': maxSourceBytes,
      strict,
      help,
    },
    examples: [
      '# Deploy a model and wait until it runs; the token comes from the environment (export HF_TOKEN=hf_...)',
      `arazzo run ${DEPLOY} --input namespace=acme --input name=demo --input repository=openai-community/gpt2 --input-env hfToken=HF_TOKEN --timeout 1800`,
      '# The same against a local simulator (node dist/simulator/cli.js --port 8080 --token $HF_TOKEN --namespace acme), with a report and a trace',
      `arazzo run ${DEPLOY} --server inferenceEndpointsApi=http://127.0.0.1:8080 --input namespace=acme --input name=demo --input repository=openai-community/gpt2 --input-env hfToken=HF_TOKEN --json --trace run.har > report.json`,
      '# Inputs as JSON from stdin; --dry-run prints the first request instead of sending it',
      `echo '{"namespace":"acme","name":"demo","repository":"openai-community/gpt2"}' | arazzo run ${DEPLOY} --inputs - --input-env hfToken=HF_TOKEN --dry-run`,
    ],
    notes: [
      'Exit codes: 0 succeeded, 1 the workflow failed, 2 bad usage / invalid document / invalid inputs (nothing is sent), 130 interrupted (Ctrl-C), 143 SIGTERM, 129 SIGHUP.',
      'Secrets (format: password inputs, --input-env values, --auth credentials and fetched tokens, Authorization and Cookie headers, API keys) are masked in all output.',
      'Auth: --auth bearerAuth=env:API_TOKEN, --auth basicAuth=file:/run/secrets/basic (user:password), --auth oauth.clientId=env:CID --auth oauth.clientSecret=env:CSECRET (client credentials; the token is fetched, cached and refreshed). See docs/auth.md.',
    ],
  },
  test: {
    name: 'test',
    usage: 'arazzo test <file|dir|glob>... [options]',
    summary: 'Run every workflow as a test, checking each exchange against the OpenAPI description',
    flags: {
      workflow: { type: 'string', multiple: true, short: 'w', arg: '<id>', description: 'Test only this workflow (default: every workflow of every file).' },
      input: {
        type: 'string',
        multiple: true,
        short: 'i',
        arg: 'name=value',
        description: 'An input, given to every workflow that declares it, coerced by its schema type.',
      },
      'input-env': {
        type: 'string',
        multiple: true,
        arg: 'name=ENV_VAR',
        description: 'An input read from an environment variable; a secret, masked in every report.',
      },
      inputs: { type: 'string', arg: '<file.json|->', description: 'Inputs as a JSON object; each workflow takes the names it declares.' },
      server: { type: 'string', multiple: true, arg: 'source=url', description: 'Send the requests of a source description to this base URL.' },
      reporter: {
        type: 'string',
        multiple: true,
        arg: '<pretty|json|junit>',
        description: 'A report format (default pretty, on stderr; json and junit go to stdout).',
      },
      output: {
        type: 'string',
        multiple: true,
        arg: '[reporter=]file',
        description: 'Write a report to a file: junit=report.xml (adds that reporter), or a bare file for the only reporter.',
      },
      check,
      ...SECURITY_FLAGS,
      bail: { type: 'boolean', description: 'Start no more workflows after the first one fails (those left are reported skipped).' },
      parallel: { type: 'string', arg: '<n>', description: 'Run up to n independent workflows at a time (default 1).' },
      timeout: { type: 'string', arg: '<seconds>', description: 'Fail a workflow that takes longer than this.' },
      strict,
      'max-source-bytes': maxSourceBytes,
      help,
    },
    examples: [
      '# Every workflow of a document as a test, the JUnit report on stdout (workflows whose required inputs are not given are skipped)',
      `arazzo test ${LIFECYCLE} --reporter junit`,
      '# Two documents, schema problems as warnings only, two workflows at a time, the JSON report on stdout',
      `arazzo test ${DEPLOY} ${CHAT} --input namespace=acme --check schema=warn --parallel 2 --reporter json`,
    ],
    notes: [
      'Checks (each at error by default; x-arazzo-checks in the document refines them): status, content-type, schema, headers, request (before sending).',
      'A workflow whose required inputs are missing is skipped, with their names; so is one that depends on a workflow that failed or was skipped.',
      'Exit codes: 0 every workflow passed, 1 a workflow or an error-level check failed, 2 bad usage / invalid document / invalid inputs (nothing is sent), 130 interrupted.',
    ],
  },
  validate: {
    name: 'validate',
    usage: 'arazzo validate <file> [options]',
    summary: 'Check a document and list every problem',
    flags: {
      json: { type: 'boolean', description: 'Print the problems as a JSON array on stdout.' },
      strict,
      'no-sources': {
        type: 'boolean',
        description: 'Check the document alone, without reading its source descriptions (when they cannot be reached); says what was skipped.',
      },
      'max-source-bytes': maxSourceBytes,
      help,
    },
    examples: [
      `arazzo validate ${DEPLOY}`,
      `arazzo validate ${CHAT} --json | jq '.[] | select(.severity=="error")'`,
      `arazzo validate ${DEPLOY} --strict --no-sources`,
    ],
    notes: [
      'Prints one line per problem: file:line:col  code  message  (json path).',
      'Exit 2 when any problem is an error; warnings alone exit 0.',
      'Accepted spellings of other runners, and what --strict refuses: docs/dialects.md.',
    ],
  },
  list: {
    name: 'list',
    usage: 'arazzo list <file> [options]',
    summary: 'Show the workflows of a document and their inputs',
    flags: {
      json: { type: 'boolean', description: 'Print the workflows and inputs as JSON on stdout.' },
      'max-source-bytes': maxSourceBytes,
      help,
    },
    examples: [`arazzo list ${DEPLOY}`, `arazzo list ${LIFECYCLE} --json`],
  },
  graph: {
    name: 'graph',
    usage: 'arazzo graph <file> [options]',
    summary: 'Draw a workflow as a Mermaid flowchart',
    flags: {
      workflow: { type: 'string', short: 'w', arg: '<id>', description: 'Workflow to draw (default: every workflow).' },
      direction: { type: 'string', arg: '<TD|LR>', description: 'Flowchart direction (default TD).' },
      'max-source-bytes': maxSourceBytes,
      help,
    },
    examples: [`arazzo graph ${DEPLOY} > deploy.mmd`, `arazzo graph ${LIFECYCLE} --workflow endpoint-lifecycle --direction LR`],
    notes: ['Solid arrows: success paths; dashed arrows: failure paths (retry, goto, end); double-bordered boxes call another workflow.'],
  },
  mcp: {
    name: 'mcp',
    usage: 'arazzo mcp <file>... [options]',
    summary: 'Serve the workflows as tools to AI agents (Model Context Protocol)',
    flags: {
      server: {
        type: 'string',
        multiple: true,
        arg: 'source=url',
        description: 'Send the requests of a source description (in any of the documents) to this base URL.',
      },
      'input-env': {
        type: 'string',
        multiple: true,
        arg: 'name=ENV_VAR',
        description: 'An input the server supplies from an environment variable (a secret: masked everywhere, never in a tool schema).',
      },
      input: {
        type: 'string',
        multiple: true,
        short: 'i',
        arg: 'name=value',
        description: 'An input the server supplies to every workflow that declares it; it leaves the tool schemas.',
      },
      inputs: { type: 'string', arg: '<file.json>', description: 'Inputs the server supplies, as a JSON object; each goes to the workflows that declare it.' },
      http: { type: 'string', arg: '<port>', description: 'Serve Streamable HTTP on this port (0: any free port) at /mcp, instead of stdio.' },
      host: { type: 'string', arg: '<addr>', description: 'Address to listen on with --http (default 127.0.0.1). Any non-loopback address needs --token-env.' },
      'token-env': { type: 'string', arg: '<ENV_VAR>', description: 'With --http: clients must send "Authorization: Bearer <the value of this variable>".' },
      'max-steps': { type: 'string', arg: '<n>', description: 'Fail a call after this many step executions (default 10000).' },
      timeout: { type: 'string', arg: '<seconds>', description: 'Fail a call that takes longer than this (default: none).' },
      'dry-run': { type: 'boolean', description: 'Check the documents and inputs, print the tools and resources as JSON, and exit without serving.' },
      strict,
      help,
    },
    examples: [
      '# Claude Desktop, Cursor, VS Code…: the client starts the server; the token comes from its environment',
      `arazzo mcp ${DEPLOY} ${LIFECYCLE} --input-env hfToken=HF_TOKEN`,
      '# The same against a local simulator, with a fixed namespace',
      `arazzo mcp ${DEPLOY} --server inferenceEndpointsApi=http://127.0.0.1:8080 --input namespace=acme --input-env hfToken=HF_TOKEN`,
      '# Streamable HTTP on http://127.0.0.1:3000/mcp',
      `arazzo mcp ${DEPLOY} --input-env hfToken=HF_TOKEN --http 3000`,
    ],
    notes: [
      'One tool per workflow; the inputs the server supplies and every secret input are left out of the tool schemas.',
      'Logs go to stderr (stdout carries the protocol over stdio). Stops on Ctrl-C, SIGTERM, or when the client closes stdin.',
    ],
  },
  worker: {
    name: 'worker',
    usage: 'arazzo worker [options]',
    summary: 'Run queued workflow runs from Redis (durable, across machines)',
    flags: {
      ...queueFlags,
      concurrency: { type: 'string', arg: '<n>', description: 'Runs processed at once (default 10); a run in a long wait takes no slot.' },
      'delay-threshold': {
        type: 'string',
        arg: '<seconds>',
        description: 'A wait at least this long parks the run in the delayed set instead of holding a slot (default 1).',
      },
      'stall-timeout': {
        type: 'string',
        arg: '<seconds>',
        description: 'A run whose worker died is taken over by another after about this long (default 30).',
      },
      events: { type: 'string', arg: '<all|steps|none>', description: 'Events stored per run: steps (default), all (with requests and responses), none.' },
      quiet: { type: 'boolean', short: 'q', description: 'Log only errors, not every run.' },
      help,
    },
    examples: [
      '# Redis from the environment (export ARAZZO_REDIS_URL=redis://127.0.0.1:6379), secret inputs too (export HF_TOKEN=hf_...)',
      'arazzo worker --concurrency 50',
    ],
    notes: [
      'Runs until SIGINT or SIGTERM, then hands its runs back to the queue (another worker resumes them) and exits 0; a second signal exits at once.',
      'A worker killed outright loses no run: another worker resumes it from its last checkpoint after --stall-timeout (a request in flight is sent again).',
      'ARAZZO_SEAL_KEY (32 random bytes in base64 or hex, the same on every worker; make one with: openssl rand -base64 32) seals the secrets a run obtains at run time (a login token) in its stored state. Without it, such a run fails with QUEUE_SEAL_KEY_REQUIRED before it would store one.',
    ],
  },
  submit: {
    name: 'submit',
    usage: 'arazzo submit <file> [options]',
    summary: 'Queue a run for the workers; print its id',
    flags: {
      workflow: { type: 'string', short: 'w', arg: '<id>', description: 'Workflow to run (optional when the document has one).' },
      input: {
        type: 'string',
        multiple: true,
        short: 'i',
        arg: 'name=value',
        description: "An input, coerced by the input's schema type. Secret inputs must use --input-env.",
      },
      'input-env': {
        type: 'string',
        multiple: true,
        arg: 'name=ENV_VAR',
        description: 'A secret input the worker reads from ENV_VAR in its own environment; the value never reaches Redis.',
      },
      inputs: { type: 'string', arg: '<file.json|->', description: 'All inputs as a JSON object from a file, or from stdin with "-".' },
      server: {
        type: 'string',
        multiple: true,
        arg: 'source=url',
        description: 'Send the requests of a source description to this base URL instead of its OpenAPI servers.',
      },
      'max-steps': { type: 'string', arg: '<n>', description: 'Fail the run after this many step executions (default 10000).' },
      timeout: { type: 'string', arg: '<seconds>', description: 'Fail the run when it takes longer than this.' },
      'run-id': { type: 'string', arg: '<id>', description: 'The run id to use; submitting the same id again starts no second run.' },
      wait: { type: 'boolean', description: 'Show the run\'s progress like "arazzo run" and exit like it once the run is over.' },
      json: { type: 'boolean', description: 'Print {"runId"} on stdout; with --wait, the report "arazzo run --json" prints.' },
      verbose: { type: 'boolean', short: 'v', description: 'With --wait: also show requests and responses (when the workers store them: --events all).' },
      quiet: { type: 'boolean', short: 'q', description: 'With --wait: show only errors.' },
      ...queueFlags,
      'max-source-bytes': maxSourceBytes,
      help,
    },
    examples: [
      '# The worker reads HF_TOKEN from its own environment; Redis from --redis or ARAZZO_REDIS_URL',
      `arazzo submit ${DEPLOY} --input namespace=acme --input name=demo --input repository=openai-community/gpt2 --input-env hfToken=HF_TOKEN`,
      '# Wait for it as "arazzo run" would, with an id of your own (a retried submit starts no second run)',
      `arazzo submit ${DEPLOY} --run-id deploy-demo-1 --input namespace=acme --input name=demo --input repository=openai-community/gpt2 --input-env hfToken=HF_TOKEN --wait`,
    ],
    notes: [
      'The document and its sources are stored in Redis with the run, so workers need no copy of the files.',
      'Exit codes: 0 queued (with --wait: as "arazzo run"), 2 bad usage / invalid document / invalid inputs (nothing is queued). Ctrl-C stops waiting; the run goes on.',
    ],
  },
  status: {
    name: 'status',
    usage: 'arazzo status <runId> [options]',
    summary: 'Show where a queued run is',
    flags: { ...queueFlags, json: { type: 'boolean', description: 'Print the status as JSON on stdout.' }, help },
    examples: ['arazzo status deploy-demo-1', 'arazzo status deploy-demo-1 --json | jq .state'],
    notes: ['States: queued, running, delayed (a long wait, holding no worker), succeeded, failed, cancelled. Exit 2 for an unknown run id.'],
  },
  cancel: {
    name: 'cancel',
    usage: 'arazzo cancel <runId> [options]',
    summary: 'Cancel a queued run wherever it is',
    flags: { ...queueFlags, json: { type: 'boolean', description: "Print the outcome and the run's status as JSON on stdout." }, help },
    examples: ['arazzo cancel deploy-demo-1'],
    notes: ['A queued or delayed run is removed at once; a running one is stopped by its worker, its request in flight aborted. Exit 2 for an unknown run id.'],
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function mainHelp(version: string): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return [
    `arazzo ${version} — run and inspect Arazzo API workflows`,
    '',
    'Usage: arazzo <command> <file> [options]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    '',
    'Options:',
    '  -h, --help     Show help (also: arazzo <command> --help)',
    '  -V, --version  Print the version',
    '',
    'Examples (the workflows/ directory ships with the package):',
    `  arazzo list ${DEPLOY}`,
    `  arazzo validate ${DEPLOY}`,
    `  arazzo run ${DEPLOY} --input namespace=acme --input name=demo --input repository=openai-community/gpt2 --input-env hfToken=HF_TOKEN`,
    `  arazzo graph ${DEPLOY} > deploy.mmd`,
    '',
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}`;
    return [left, f.description + (f.multiple ? ' Repeatable.' : '')] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `${spec.summary}.`,
    '',
    `Usage: ${spec.usage}`,
    '',
    'Options:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
    ...(spec.notes && spec.notes.length > 0 ? ['', ...spec.notes] : []),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
