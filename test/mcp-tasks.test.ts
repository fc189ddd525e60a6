/**
 * Task-based tool calls (MCP tasks: the call answers at once with a task, the client polls it and
 * fetches the result): a deployment as a task, its progress, a failure, and tasks/cancel aborting
 * the run. The server runs in-process, connected to the SDK's client through its in-memory
 * transport; the simulator's clock moves 40 s at each status poll, so nothing waits for real.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareMcp } from '../src/mcp/command.js';
import { createWorkflowServer, type WorkflowServer } from '../src/mcp/server.js';
import { RunTaskStore } from '../src/mcp/task-store.js';
import { type SimulatorClock, startSimulator, type Simulator } from '../src/simulator/index.js';
import { fakeIo } from './cli-helpers.js';

const DEPLOY = fileURLToPath(new URL('../workflows/hugging-face-deploy-and-wait-workflow.yml', import.meta.url));
const TOKEN = 'hf_tasks_test_secret_5512';

class SimTime implements SimulatorClock {
  t = Date.UTC(2025, 5, 1, 9, 0, 0);
  held: Array<() => void> = [];
  onHold: Array<() => void> = [];
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    for (const f of this.onHold.splice(0)) f();
    return new Promise((resolve) => this.held.push(resolve));
  }
}

let sim: Simulator;
let time: SimTime;
let mcp: WorkflowServer;
let client: Client;
const io = fakeIo({ HF_TOKEN: TOKEN });

beforeAll(async () => {
  time = new SimTime();
  sim = await startSimulator({
    tokens: [TOKEN],
    namespaces: ['acme'],
    clock: time,
    log: (line) => {
      if (/^GET \/v2\/endpoint\/acme\/[^/]+ /.test(line)) time.t += 40_000;
    },
  });
  const prepared = await prepareMcp(
    [DEPLOY],
    { server: [`inferenceEndpointsApi=${sim.url}`], 'input-env': ['hfToken=HF_TOKEN'], input: ['namespace=acme'] },
    io,
  );
  let calls = 0;
  mcp = createWorkflowServer({
    ...prepared.context,
    tools: prepared.tools,
    resources: prepared.resources,
    version: 'test',
    nextCallNumber: () => ++calls,
    taskPollIntervalMs: 1,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'arazzo-tasks-test', version: '1.0.0' });
  await mcp.server.connect(serverSide);
  await client.connect(clientSide);
  await client.listTools();
});

afterEach(() => sim.setFaults({}));

afterAll(async () => {
  await client?.close();
  await mcp?.close();
  await sim?.close();
});

async function runAsTask(name: string, onprogress?: (p: Progress) => void) {
  const seen: Array<{ type: string; status?: string; statusMessage?: string; result?: CallToolResult; error?: Error }> = [];
  const stream = client.experimental.tasks.callToolStream(
    { name: 'deploy-and-wait', arguments: { name, repository: 'openai-community/gpt2', pollIntervalSeconds: 0 } },
    CallToolResultSchema,
    { task: { ttl: 60_000 }, ...(onprogress ? { onprogress } : {}) },
  );
  for await (const message of stream) {
    if (message.type === 'taskCreated' || message.type === 'taskStatus') {
      seen.push({ type: message.type, status: message.task.status, ...(message.task.statusMessage ? { statusMessage: message.task.statusMessage } : {}) });
    } else if (message.type === 'result') seen.push({ type: 'result', result: message.result as CallToolResult });
    else seen.push({ type: 'error', error: message.error });
  }
  return seen;
}

describe('task-based calls', () => {
  it('a deployment runs as a task: created at once, working while it polls, then its result; progress flows', async () => {
    const progress: Progress[] = [];
    const seen = await runAsTask('task-ok', (p) => progress.push(p));
    expect(seen[0]).toEqual({ type: 'taskCreated', status: 'working' });
    expect(seen.at(-2)).toMatchObject({ type: 'taskStatus', status: 'completed' });
    const last = seen.at(-1)!;
    expect(last.type).toBe('result');
    expect(last.result?.structuredContent).toMatchObject({ endpointName: 'task-ok', state: 'running', healthStatus: 200 });
    expect(progress.map((p) => p.message)).toContain('waitUntilRunning: started (execution 4)');
    expect(JSON.stringify(seen) + JSON.stringify(progress) + io.err).not.toContain(TOKEN);
  });

  it('a failed deployment ends the task failed; its result is the failure report', async () => {
    sim.setFaults({ failDeploy: true });
    const seen = await runAsTask('task-fails');
    const final = seen.filter((m) => m.type === 'taskStatus').at(-1)!;
    expect(final.status).toBe('failed');
    expect(final.statusMessage).toMatch(/^deploy-and-wait failed at step waitUntilRunning \(HTTP 200\)/);
    const { tasks } = await client.experimental.tasks.listTasks();
    const failed = tasks.find((t) => t.status === 'failed')!;
    const result = (await client.experimental.tasks.getTaskResult(failed.taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('response said: Endpoint failed to deploy: Simulated deployment failure');
  });

  it('tasks/cancel aborts the run: no further request reaches the simulator', async () => {
    sim.setFaults({ requests: [{ method: 'GET', path: '/v2/endpoint/acme/task-cancel', skip: 1, delayMs: 3_600_000 }] });
    const before = sim.requestCount();
    const held = new Promise<void>((resolve) => time.onHold.push(resolve));
    const created = (await client.request(
      {
        method: 'tools/call',
        params: { name: 'deploy-and-wait', arguments: { name: 'task-cancel', repository: 'gpt2', pollIntervalSeconds: 0 }, task: { ttl: 60_000 } },
      },
      // The CreateTaskResult: { task }
      (
        await import('@modelcontextprotocol/sdk/types.js')
      ).CreateTaskResultSchema,
    )) as { task: { taskId: string } };
    await held;
    const cancelled = await client.experimental.tasks.cancelTask(created.task.taskId);
    expect(cancelled.status).toBe('cancelled');
    await expect
      .poll(() => io.err, { timeout: 10_000 })
      .toMatch(/deploy-and-wait #\d+ \(task \w+\): cancelled by the client \(3 step executions in \S+, 3 requests sent\)/);
    const after = sim.requestCount();
    for (const release of time.held.splice(0)) release();
    await client.listTools();
    expect(after - before).toBe(3);
    expect(sim.requestCount()).toBe(after);
    expect((await client.experimental.tasks.getTask(created.task.taskId)).status).toBe('cancelled');
  });
});

describe('the task store', () => {
  it('keeps a running task past its ttl, and drops it ttl after it ends', async () => {
    let now = 1_000_000;
    const store = new RunTaskStore(() => now);
    const task = await store.createTask({ ttl: 1000 }, 1, { method: 'tools/call' });
    now += 60_000;
    expect((await store.getTask(task.taskId))?.status).toBe('working');
    await store.storeTaskResult(task.taskId, 'completed', { content: [] });
    now += 999;
    expect((await store.getTask(task.taskId))?.status).toBe('completed');
    now += 1;
    expect(await store.getTask(task.taskId)).toBeNull();
  });

  it("keeps each session's tasks to itself", async () => {
    const store = new RunTaskStore();
    const task = await store.createTask({}, 1, { method: 'tools/call' }, 'session-a');
    expect(await store.getTask(task.taskId, 'session-b')).toBeNull();
    expect((await store.listTasks(undefined, 'session-b')).tasks).toEqual([]);
    expect((await store.getTask(task.taskId, 'session-a'))?.taskId).toBe(task.taskId);
  });
});
