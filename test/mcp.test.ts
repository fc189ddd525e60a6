/**
 * `arazzo mcp` driven by the MCP SDK's own client, over stdio (a spawned `arazzo mcp`) and over
 * Streamable HTTP (the command run in-process with `--http 0`), against the Hugging Face
 * simulator. The same scenarios run on both transports.
 *
 * No real waiting: the workflow polls with `pollIntervalSeconds: 0`, and the simulator's clock
 * moves 40 s forward at each status poll, so a deployment is pending, initializing, then running.
 * A "hanging" poll is a simulator fault whose delay only ends when the test releases it.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import type { CliIo } from '../src/cli/io.js';
import { type SimulatorClock, startSimulator, type Simulator } from '../src/simulator/index.js';
import { BUILT_CLI, ROOT } from './cli-helpers.js';

const DEPLOY = join(ROOT, 'workflows', 'hugging-face-deploy-and-wait-workflow.yml');
const LIFECYCLE = join(ROOT, 'workflows', 'hugging-face-endpoint-lifecycle-workflow.yml');
const TOKEN = 'hf_mcp_test_secret_7c41e2';
const NAMESPACE = 'acme';

/** The simulator's time: moved by the test; delayed answers (faults) wait until released. */
class SimTime implements SimulatorClock {
  t = Date.UTC(2025, 5, 1, 9, 0, 0);
  private held: Array<() => void> = [];
  private onHold: Array<() => void> = [];
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    for (const f of this.onHold.splice(0)) f();
    return new Promise((resolve) => this.held.push(resolve));
  }
  /** Resolves when a request is being held. */
  nextHold(): Promise<void> {
    return new Promise((resolve) => this.onHold.push(resolve));
  }
  release(): void {
    for (const f of this.held.splice(0)) f();
  }
}

/** Text written by the server (its log), with a way to wait for a line. */
class Log {
  text = '';
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  write(chunk: string): void {
    this.text += chunk;
    this.waiters = this.waiters.filter((w) => {
      const m = this.text.match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(re);
    return m ? Promise.resolve(m) : new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

interface Served {
  readonly client: Client;
  readonly log: Log;
  stop(): Promise<void>;
}

function serverArgs(sim: Simulator): string[] {
  return ['mcp', DEPLOY, LIFECYCLE, '--server', `inferenceEndpointsApi=${sim.url}`, '--input-env', 'hfToken=HF_TOKEN', '--input', `namespace=${NAMESPACE}`];
}

async function overStdio(sim: Simulator): Promise<Served> {
  const log = new Log();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUILT_CLI, ...serverArgs(sim)],
    env: { ...getDefaultEnvironment(), HF_TOKEN: TOKEN },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => log.write(chunk.toString('utf8')));
  const client = new Client({ name: 'arazzo-test', version: '1.0.0' });
  await client.connect(transport);
  await log.waitFor(/over stdio\n/);
  return { client, log, stop: () => client.close() };
}

async function overHttp(
  sim: Simulator,
  extra: string[] = [],
  env: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Served & { url: string }> {
  const log = new Log();
  let interrupt: () => void = () => undefined;
  const io: CliIo = {
    stdout: { write: () => undefined },
    stderr: { write: (t: string) => log.write(t) },
    env: { HF_TOKEN: TOKEN, ...env },
    readStdin: async () => '',
    onInterrupt: (handler) => {
      interrupt = () => handler('SIGTERM');
      return () => undefined;
    },
  };
  const exited = cli([...serverArgs(sim), '--http', '0', ...extra], io);
  const url = (await Promise.race([log.waitFor(/ on (http:\/\/\S+)/), exited.then(() => Promise.reject(new Error(log.text)))]))[1]!;
  const client = new Client({ name: 'arazzo-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return {
    client,
    log,
    url,
    async stop() {
      await client.close();
      interrupt();
      expect(await exited).toBe(0);
    },
  };
}

let names = 0;
const endpointName = () => `ep-${++names}`;

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

const transports = [
  ['stdio', overStdio],
  ['Streamable HTTP', (sim: Simulator) => overHttp(sim)],
] as const;

describe.each(transports)('arazzo mcp over %s', (_label, start) => {
  let sim: Simulator;
  let time: SimTime;
  let served: Served;
  /** Every request the simulator answered, as "METHOD /path -> status". */
  const seen: string[] = [];
  /** Everything the client was shown: listings, results, progress. */
  const shown: string[] = [];

  beforeAll(async () => {
    time = new SimTime();
    sim = await startSimulator({
      tokens: [TOKEN],
      namespaces: [NAMESPACE],
      clock: time,
      log: (line) => {
        seen.push(line);
        // Each status poll finds the endpoint 40 s older: pending, initializing, initializing, running.
        if (/^GET \/v2\/endpoint\/[^/]+\/[^/]+ /.test(line)) time.t += 40_000;
      },
    });
    served = await start(sim);
  }, 30_000);

  afterEach(() => {
    sim.setFaults({});
  });

  afterAll(async () => {
    await served?.stop();
    await sim?.close();
  });

  const call = async (args: Record<string, unknown>, options: { signal?: AbortSignal; onprogress?: (p: Progress) => void } = {}) => {
    const result = (await served.client.callTool({ name: 'deploy-and-wait', arguments: args }, undefined, options)) as CallToolResult;
    shown.push(JSON.stringify(result));
    return result;
  };

  it('lists one tool per workflow, with schemas that leave out what the server supplies', async () => {
    const { tools } = await served.client.listTools();
    shown.push(JSON.stringify(tools));
    expect(tools.map((t) => t.name)).toEqual(['deploy-and-wait', 'endpoint-lifecycle']);
    const [deploy, lifecycle] = tools;
    expect(deploy!.title).toBe('Create (or adopt) a dedicated Inference Endpoint and wait until it is running and healthy.');
    expect(deploy!.description).toContain('The server supplies the inputs namespace, hfToken.');
    expect(deploy!.inputSchema.required).toEqual(['name', 'repository']);
    expect(Object.keys(deploy!.inputSchema.properties ?? {})).not.toEqual(expect.arrayContaining(['hfToken']));
    expect(Object.keys(deploy!.inputSchema.properties ?? {})).not.toEqual(expect.arrayContaining(['namespace']));
    expect(deploy!.inputSchema.properties).toMatchObject({ name: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' }, pollIntervalSeconds: { type: 'number' } });
    expect(Object.keys(deploy!.outputSchema?.properties ?? {})).toEqual([
      'endpointName',
      'state',
      'inferenceUrl',
      'message',
      'errorMessage',
      'healthStatus',
      'healthMessage',
      'healthError',
    ]);
    expect(deploy!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, openWorldHint: true });
    expect(lifecycle!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    expect(deploy!.execution).toEqual({ taskSupport: 'optional' });
  });

  it('serves the graph and the document of each workflow as resources', async () => {
    const { resources } = await served.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      'arazzo://documents/1/hugging-face-deploy-and-wait-workflow.yml',
      'arazzo://documents/2/hugging-face-endpoint-lifecycle-workflow.yml',
      'arazzo://workflows/deploy-and-wait/graph',
      'arazzo://workflows/endpoint-lifecycle/graph',
    ]);
    const graph = await served.client.readResource({ uri: 'arazzo://workflows/deploy-and-wait/graph' });
    expect(graph.contents[0]).toMatchObject({ mimeType: 'text/vnd.mermaid', text: expect.stringMatching(/^flowchart TD\n[\s\S]*waitUntilRunning/) });
    const doc = await served.client.readResource({ uri: resources[0]!.uri });
    expect(doc.contents[0]).toMatchObject({ mimeType: 'application/yaml', text: readFileSync(DEPLOY, 'utf8') });
    shown.push(JSON.stringify(resources), JSON.stringify(graph), JSON.stringify(doc));
  });

  it('deploys and waits: the call succeeds with the outputs, and progress arrives at each step', async () => {
    const name = endpointName();
    const progress: Progress[] = [];
    const result = await call({ name, repository: 'openai-community/gpt2', pollIntervalSeconds: 0 }, { onprogress: (p) => progress.push(p) });
    shown.push(JSON.stringify(progress));
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ endpointName: name, state: 'running', message: 'Endpoint is ready', healthStatus: 200 });
    expect(String(result.structuredContent?.inferenceUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/endpoints\//);
    expect(result.content).toHaveLength(1);
    expect(text(result)).toMatch(/^deploy-and-wait succeeded \(6 step executions in \S+\)\. Outputs: \{"endpointName":"ep-\d+"/);
    expect(text(result)).not.toContain('\n');
    // Four polls: pending, initializing, initializing, running; then the health probe. The SDK's
    // client handles a notification a microtask after a response read in the same chunk, and then
    // drops it (its request is answered): the very last one may be lost that way, never another.
    const messages = progress.map((p) => p.message);
    expect(messages.length === 11 || messages.length === 12).toBe(true);
    expect([...messages, ...(messages.length === 11 ? ['probeHealth: succeeded (HTTP 200, lost)'] : [])]).toEqual([
      'createEndpoint: started',
      expect.stringMatching(/^createEndpoint: succeeded \(HTTP 200, /),
      'waitUntilRunning: started',
      expect.stringMatching(/^waitUntilRunning: succeeded \(HTTP 200, /),
      'waitUntilRunning: started (execution 2)',
      expect.stringMatching(/^waitUntilRunning: succeeded/),
      'waitUntilRunning: started (execution 3)',
      expect.stringMatching(/^waitUntilRunning: succeeded/),
      'waitUntilRunning: started (execution 4)',
      expect.stringMatching(/^waitUntilRunning: succeeded/),
      'probeHealth: started',
      expect.stringMatching(/^probeHealth: succeeded \(HTTP 200, /),
    ]);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    expect(sim.endpoints().find((e) => e.name === name)?.status).toMatchObject({ state: 'running' });
  });

  it('a failed deployment is a result with isError that names the step and quotes the server', async () => {
    sim.setFaults({ failDeploy: true });
    const result = await call({ name: endpointName(), repository: 'openai-community/gpt2', pollIntervalSeconds: 0 });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const report = text(result);
    expect(report).toMatch(/^deploy-and-wait failed at step waitUntilRunning \(HTTP 200\) after 5 step executions/);
    expect(report).toContain(
      'response said: Endpoint failed to deploy: Simulated deployment failure: the container for openai-community/gpt2 exited with code 1',
    );
    // The log is another stream (stderr): it may arrive after the result.
    await served.log.waitFor(/deploy-and-wait #\d+: failed at step waitUntilRunning, CRITERION_FAILED/);
  });

  it('cancelling mid-poll aborts the run: no further request reaches the simulator', async () => {
    const name = endpointName();
    // The second status poll is held until the test releases it.
    sim.setFaults({ requests: [{ method: 'GET', path: `/v2/endpoint/${NAMESPACE}/${name}`, skip: 1, delayMs: 3_600_000 }] });
    const before = sim.requestCount();
    const held = time.nextHold();
    const controller = new AbortController();
    const pending = call({ name, repository: 'openai-community/gpt2', pollIntervalSeconds: 0 }, { signal: controller.signal, onprogress: () => undefined });
    await held;
    expect(sim.requestCount() - before).toBe(3); // create, first poll, the held poll
    controller.abort(new Error('the user changed their mind'));
    await expect(pending).rejects.toThrow(/the user changed their mind/);
    const line = await served.log.waitFor(/deploy-and-wait #\d+: cancelled by the client \(([^)]*)\)/);
    expect(line[1]).toMatch(/3 step executions in \S+, 3 requests sent/);
    const after = sim.requestCount();
    time.release();
    // A round trip through the server, then the simulator's count again: nothing more came.
    await served.client.listTools();
    expect(sim.requestCount()).toBe(after);
    expect(after - before).toBe(3);
  });

  it('invalid arguments: isError lists what to fix, and no request is sent', async () => {
    const before = sim.requestCount();
    const result = await call({ name: 'Not A Valid Name', hfToken: 'hf_from_the_model', minReplica: -1, colour: 'red' });
    expect(result.isError).toBe(true);
    expect(text(result).split('\n')).toEqual([
      'Invalid arguments for deploy-and-wait; nothing was sent. Fix:',
      '- hfToken: supplied by the server; remove it from the arguments',
      '- repository: required; add it',
      '- name: must match pattern "^[a-z0-9-]{1,32}$"',
      '- minReplica: must be >= 0',
    ]);
    expect(sim.requestCount()).toBe(before);
    await served.log.waitFor(/deploy-and-wait #\d+: rejected, invalid arguments \(4\); nothing was sent/);
  });

  it('runs 20 calls at once', async () => {
    const wanted = Array.from({ length: 20 }, () => endpointName());
    const results = await Promise.all(wanted.map((name) => call({ name, repository: 'sentence-transformers/all-MiniLM-L6-v2', pollIntervalSeconds: 0 })));
    expect(results.map((r) => [r.isError ?? false, r.structuredContent?.endpointName, r.structuredContent?.state])).toEqual(
      wanted.map((name) => [false, name, 'running']),
    );
    const running = sim.endpoints().filter((e) => wanted.includes(String(e.name)));
    expect(running).toHaveLength(20);
  });

  it('the --input-env token appears in no tool schema, result, progress message or log', () => {
    // Every test above has run: listings, results (success, failure, rejection), progress, the log.
    expect(shown.length).toBeGreaterThan(25);
    expect(served.log.text).toContain('succeeded');
    for (const item of [...shown, served.log.text]) expect(item).not.toContain(TOKEN);
    // …while the token did reach the API, where it belongs.
    expect(seen.some((l) => l.startsWith('POST /v2/endpoint/acme'))).toBe(true);
  });
});

describe('arazzo mcp --http: who may connect', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ tokens: [TOKEN], namespaces: [NAMESPACE] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('with --token-env, a client without the bearer token is refused, one with it is served', async () => {
    const served = await overHttp(sim, ['--token-env', 'MCP_TOKEN'], { MCP_TOKEN: 'mcp-bearer-1' }, { Authorization: 'Bearer mcp-bearer-1' });
    try {
      expect((await served.client.listTools()).tools).toHaveLength(2);
      const denied = new Client({ name: 'intruder', version: '1' });
      await expect(denied.connect(new StreamableHTTPClientTransport(new URL(served.url)))).rejects.toThrow(/401|Unauthorized/);
      const wrong = new Client({ name: 'intruder', version: '1' });
      await expect(
        wrong.connect(new StreamableHTTPClientTransport(new URL(served.url), { requestInit: { headers: { Authorization: 'Bearer mcp-bearer-2' } } })),
      ).rejects.toThrow(/401|Unauthorized/);
      expect(served.log.text).not.toContain('mcp-bearer-1');
    } finally {
      await served.stop();
    }
  });

  it('on loopback, a request addressed to another host (DNS rebinding) or from a web page elsewhere is refused', async () => {
    const served = await overHttp(sim);
    try {
      const post = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            served.url,
            { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
        });
      expect(await post({ host: 'attacker.example:80' })).toBe(403);
      expect(await post({ origin: 'http://attacker.example' })).toBe(403);
      // No session header: the loopback client gets past the checks, to the protocol's own answer.
      expect(await post({})).toBe(400);
    } finally {
      await served.stop();
    }
  });
});
