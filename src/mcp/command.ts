/**
 * `arazzo mcp <file>...`: serve every workflow of the documents as an MCP tool, over stdio (the
 * default) or Streamable HTTP (`--http <port>`). The server's own inputs (`--input-env`,
 * `--input`, `--inputs`) and base URLs (`--server`) are read once, at start; each call adds them
 * to the arguments the client sends. The SDK is loaded only by this command.
 */
import { readFile } from 'node:fs/promises';
import type { LoadedDocument } from '../compile/loaded.js';
import { createMasker } from '../engine/mask.js';
import { splitAssignment } from '../cli/args.js';
import { CliError } from '../cli/errors.js';
import { gatherInputs } from '../cli/inputs.js';
import { packageVersion, type CliIo } from '../cli/io.js';
import { loadLibrary } from '../cli/library.js';
import { parseLimits, parseServers } from '../cli/run.js';
import { loadOrExplain } from '../cli/validate.js';
import { didYouMean } from '../util/suggest.js';
import { isLoopback } from './loopback.js';
import type { CallContext } from './call.js';
import { buildResources, resourceListing, type ServedResource } from './resources.js';
import { buildTools, type ServedDocument, type SuppliedInputs, toolListing, type WorkflowTool } from './tools.js';
import { workflowViews } from './workflow-view.js';

export interface McpFlags {
  server?: string[];
  input?: string[];
  'input-env'?: string[];
  inputs?: string;
  http?: string;
  host?: string;
  'token-env'?: string;
  timeout?: string;
  'max-steps'?: string;
  strict?: boolean;
}

export interface Transport {
  readonly http?: { readonly port: number; readonly host: string; readonly token?: string };
}

/** What the command has read and checked before it serves: the tools, resources and call context. */
export interface PreparedMcp {
  readonly tools: readonly WorkflowTool[];
  readonly resources: readonly ServedResource[];
  readonly transport: Transport;
  /** The context of every call (runWorkflow, secrets, mask, log, limits). */
  readonly context: CallContext;
}

export async function mcpCommand(files: readonly string[], values: Record<string, unknown>, io: CliIo): Promise<number> {
  const prepared = await prepareMcp(files, values, io);
  const { tools, resources, transport, context } = prepared;
  if (values['dry-run'] === true) {
    io.stdout.write(`${JSON.stringify({ tools: tools.map(toolListing), resources: resources.map(resourceListing) }, null, 2)}\n`);
    return 0;
  }

  const { createWorkflowServer } = await import('./server.js');
  let calls = 0;
  const newServer = () => createWorkflowServer({ ...context, tools, resources, version: packageVersion(), nextCallNumber: () => ++calls });
  const serving = `serving ${tools.length} tool${tools.length === 1 ? '' : 's'} (${tools.map((t) => t.name).join(', ')})`;

  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const removeInterrupt = io.onInterrupt(() => stop());
  try {
    if (transport.http) {
      const { startHttpHost } = await import('./http.js');
      let host: Awaited<ReturnType<typeof startHttpHost>>;
      try {
        host = await startHttpHost({ ...transport.http, createServer: newServer, log: context.log });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'EADDRINUSE' ? 'the port is in use; choose another with --http <port> (0 picks a free one)' : (err as Error).message;
        throw new CliError('CLI_USAGE', `Could not listen on ${transport.http.host}:${transport.http.port}: ${why}.`, { flag: '--http' }, { cause: err });
      }
      context.log(`${serving} on ${host.url}${transport.http.token !== undefined ? ' (bearer token required)' : ''}`);
      await stopped;
      context.log('stopping');
      await host.close();
    } else {
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      const mcp = newServer();
      const stdio = new StdioServerTransport(process.stdin, process.stdout);
      stdio.onclose = () => stop();
      // The client closing our stdin ends the session.
      process.stdin.once('end', () => stop());
      await mcp.server.connect(stdio);
      context.log(`${serving} over stdio`);
      await stopped;
      await mcp.close();
    }
  } finally {
    removeInterrupt();
  }
  return 0;
}

/** Check the flags, load the documents, gather the server's inputs and build the tools. */
export async function prepareMcp(files: readonly string[], values: Record<string, unknown>, io: CliIo): Promise<PreparedMcp> {
  const flags = values as McpFlags;
  const transport = parseTransport(flags, io.env);
  const limits = parseLimits(flags);
  if (flags.inputs === '-') {
    throw new CliError(
      'CLI_USAGE',
      '--inputs - (stdin) cannot be used with "arazzo mcp": stdin carries the protocol. Give a JSON file: --inputs inputs.json.',
      {
        flag: '--inputs',
      },
    );
  }

  const { loadArazzo, runWorkflow } = await loadLibrary();
  const loaded: Array<{ file: string; doc: LoadedDocument }> = [];
  const options = flags.strict === true ? { strict: true } : {};
  for (const file of files) loaded.push({ file, doc: await loadOrExplain((f) => loadArazzo(f, options), file, io, 'nothing is served') });

  const documents = await Promise.all(
    loaded.map(async ({ file, doc }): Promise<ServedDocument> => {
      const sources = new Set(sourceNames(doc));
      const servers = parseServers(
        (flags.server ?? []).filter((s) => sources.has(s.slice(0, s.indexOf('=')))),
        doc,
      );
      return { file, doc, workflows: workflowViews(doc), servers, source: await sourceText(file, doc) };
    }),
  );
  checkServersKnown(flags.server ?? [], documents);

  const { supplied, secrets } = await gatherSupplied(flags, documents, io);
  const mask = createMasker(secrets);
  const log = (line: string) => io.stderr.write(`${mask(`arazzo mcp: ${line}`)}\n`);
  const tools = buildTools(documents, (served, id) => supplied.get(served)?.get(id) ?? {});
  for (const tool of tools) {
    if (tool.missingSecrets.length > 0) {
      const which = `${tool.missingSecrets.length === 1 ? 'input' : 'inputs'} ${tool.missingSecrets.join(', ')}`;
      log(
        `warning: tool ${tool.name} needs the secret ${which}, which only the server may supply; every call fails until it is started with --input-env ${tool.missingSecrets[0]}=VAR.`,
      );
    }
  }
  return {
    tools,
    resources: buildResources(documents, tools),
    transport,
    context: { runWorkflow, secrets, mask, log, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
  };
}

function parseTransport(flags: McpFlags, env: Readonly<Record<string, string | undefined>>): Transport {
  if (flags.http === undefined) {
    for (const flag of ['host', 'token-env'] as const) {
      if (flags[flag] !== undefined)
        throw new CliError('CLI_USAGE', `--${flag} applies to --http only; add --http <port>, or drop --${flag} to serve over stdio.`, { flag: `--${flag}` });
    }
    return {};
  }
  const port = Number(flags.http);
  if (!/^\d+$/.test(flags.http) || port > 65535) {
    throw new CliError('CLI_USAGE', `--http takes a port number from 0 to 65535 (0 picks a free one), not "${flags.http}".`, { flag: '--http' });
  }
  const host = flags.host ?? '127.0.0.1';
  let token: string | undefined;
  if (flags['token-env'] !== undefined) {
    const variable = flags['token-env'];
    token = env[variable];
    if (token === undefined || token.trim() === '') {
      throw new CliError(
        'CLI_USAGE',
        `--token-env ${variable}: the variable is ${token === undefined ? 'not set' : 'empty'}. Set it to the bearer token clients must send (export ${variable}=...).`,
        {
          flag: '--token-env',
        },
      );
    }
    token = token.trim();
  }
  if (!isLoopback(host) && token === undefined) {
    throw new CliError(
      'CLI_USAGE',
      `--host ${host} is not a loopback address: anyone who reaches it could run the workflows with the server's credentials. Require a bearer token with --token-env VAR, or serve on 127.0.0.1.`,
      { flag: '--host' },
    );
  }
  return { http: { port, host, ...(token !== undefined ? { token } : {}) } };
}

function sourceNames(doc: LoadedDocument): string[] {
  return doc.sources.size > 0 ? [...doc.sources.keys()] : (doc.document.sourceDescriptions ?? []).map((s) => s.name);
}

/** Each `--server name=url` must name a source of at least one document. */
function checkServersKnown(items: readonly string[], documents: readonly ServedDocument[]): void {
  const all = [...new Set(documents.flatMap((d) => sourceNames(d.doc)))];
  for (const item of items) {
    const [name] = splitAssignment(item, '--server', 'sourceName=baseUrl');
    if (!all.includes(name)) {
      throw new CliError(
        'SERVER_UNKNOWN_SOURCE',
        `--server ${name}=…: no served document has a source description named "${name}". Sources: ${all.join(', ') || 'none'}.`,
        {
          source: name,
          sources: all,
        },
      );
    }
  }
}

/** The document as written, for its resource: the file's text, or JSON for a document read from a URL. */
async function sourceText(file: string, doc: LoadedDocument): Promise<ServedDocument['source']> {
  if (!/^https?:\/\//i.test(file)) {
    try {
      const text = await readFile(file, 'utf8');
      return { text, mimeType: /\.json$/i.test(file) ? 'application/json' : 'application/yaml' };
    } catch {
      // fall through: serve what was loaded
    }
  }
  return { text: `${JSON.stringify(doc.document, null, 2)}\n`, mimeType: 'application/json' };
}

/**
 * The inputs the server supplies, per document and workflow: each `--input`/`--input-env` and each
 * key of `--inputs` goes to every workflow that declares that input, and must be declared by one.
 */
async function gatherSupplied(
  flags: McpFlags,
  documents: readonly ServedDocument[],
  io: CliIo,
): Promise<{ supplied: Map<ServedDocument, Map<string, SuppliedInputs>>; secrets: string[] }> {
  const supplied = new Map<ServedDocument, Map<string, SuppliedInputs>>();
  const secrets = new Set<string>();
  const used = new Set<string>();
  const given = new Set<string>();
  const nameOf = (item: string, flag: string) => splitAssignment(item, flag, flag === '--input' ? 'name=value' : 'name=ENV_VAR')[0];
  for (const item of flags.input ?? []) given.add(nameOf(item, '--input'));
  for (const item of flags['input-env'] ?? []) given.add(nameOf(item, '--input-env'));

  for (const served of documents) {
    const perWorkflow = new Map<string, SuppliedInputs>();
    supplied.set(served, perWorkflow);
    for (const workflow of served.workflows) {
      const declared = new Set(workflow.inputs.inputs.map((i) => i.name));
      const mine = (items: readonly string[] | undefined, flag: string) => (items ?? []).filter((item) => declared.has(nameOf(item, flag)));
      const gathered = await gatherInputs(
        {
          ...(flags.inputs !== undefined ? { inputsFile: flags.inputs } : {}),
          input: mine(flags.input, '--input'),
          inputEnv: mine(flags['input-env'], '--input-env'),
          env: io.env,
          readStdin: () => Promise.reject(new Error('stdin is not available')),
        },
        workflow.inputs,
      );
      const inputs: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(gathered.inputs)) {
        given.add(name);
        if (!declared.has(name)) continue;
        inputs[name] = value;
        used.add(name);
      }
      for (const s of gathered.secrets) secrets.add(s);
      perWorkflow.set(workflow.workflowId, inputs);
    }
  }
  const unused = [...given].filter((name) => !used.has(name));
  if (unused.length > 0) {
    const declared = [...new Set(documents.flatMap((d) => d.workflows.flatMap((w) => w.inputs.inputs.map((i) => i.name))))];
    throw new CliError(
      'INPUT_UNKNOWN',
      `No served workflow declares the input${unused.length === 1 ? '' : 's'} ${unused.join(', ')} (given with --input, --input-env or --inputs).${didYouMean(unused[0]!, declared)} Inputs: ${declared.join(', ') || 'none'}.`,
      { inputs: unused },
    );
  }
  return { supplied, secrets: [...secrets] };
}
