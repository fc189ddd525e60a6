/**
 * The MCP server for one connection (stdio, or one Streamable HTTP session): tools/list,
 * tools/call (plain, or task-based when the client asks for a task), resources/list and
 * resources/read, over the SDK's low-level `Server` (our tool schemas are JSON Schemas taken from
 * the workflows, which the SDK's high-level `McpServer` cannot take).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { didYouMean } from '../util/suggest.js';
import { type CallContext, callTool, type ToolResult } from './call.js';
import { resourceListing, type ServedResource } from './resources.js';
import { RunTaskStore, TASK_POLL_INTERVAL_MS } from './task-store.js';
import { toolListing, type WorkflowTool } from './tools.js';

export interface WorkflowServerOptions extends CallContext {
  readonly tools: readonly WorkflowTool[];
  readonly resources: readonly ServedResource[];
  readonly version: string;
  /** How often clients of task-based calls should poll `tasks/get` (default 2 s). */
  readonly taskPollIntervalMs?: number;
  /** Numbers the calls in the log across every connection. */
  readonly nextCallNumber: () => number;
}

export interface WorkflowServer {
  readonly server: Server;
  /** Calls running now, plain and task-based. */
  running(): number;
  /** Abort every running call and close the connection. */
  close(): Promise<void>;
}

export const SERVER_NAME = 'arazzo';

export function createWorkflowServer(options: WorkflowServerOptions): WorkflowServer {
  const tasks = new RunTaskStore(options.clock ? () => options.clock!.now() : Date.now);
  const server = new Server(
    { name: SERVER_NAME, title: 'Arazzo workflows', version: options.version },
    {
      capabilities: {
        tools: { listChanged: false },
        resources: { listChanged: false },
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      taskStore: tasks,
      instructions:
        'Each tool runs one Arazzo workflow: a tested sequence of API calls, with polling and retries, that ends with typed outputs. ' +
        'A call can take minutes (a deployment waits until it is ready): send a progress token to follow each step. ' +
        'A failed run is a result with isError that names the failed step and what the API said. Read the arazzo://workflows/<tool>/graph resource to see the steps.',
    },
  );
  const byName = new Map(options.tools.map((t) => [t.name, t]));
  const resources = new Map(options.resources.map((r) => [r.uri, r]));
  let plainCalls = 0;
  const plainAborts = new Set<AbortController>();

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: options.tools.map((t) => toolListing(t) as Tool) }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, _meta } = request.params;
    const tool = byName.get(name);
    if (tool === undefined) {
      const names = [...byName.keys()];
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}".${didYouMean(name, names)} Tools: ${names.join(', ')}.`);
    }
    const label = `#${options.nextCallNumber()}`;
    const progressToken = _meta?.progressToken;
    let progress = 0;

    if (request.params.task && extra.taskStore) {
      // Task-based: answer at once with the task; the run goes on, and the client polls tasks/get
      // (statusMessage follows the steps) and fetches tasks/result.
      const task = await extra.taskStore.createTask({
        ttl: request.params.task.ttl ?? null,
        pollInterval: options.taskPollIntervalMs ?? TASK_POLL_INTERVAL_MS,
      });
      const controller = new AbortController();
      tasks.onCancel(task.taskId, () => controller.abort());
      const taskId = task.taskId;
      void (async () => {
        const result = await callTool(tool, args, options, {
          signal: controller.signal,
          label: `${label} (task ${taskId.slice(0, 8)})`,
          progress: (message) => {
            tasks.updateTaskStatus(taskId, 'working', message).catch(() => undefined);
            // Not tied to the request, which has been answered: over HTTP it goes to the session's stream.
            if (progressToken !== undefined) {
              void server.notification(progressNotification(progressToken, ++progress, message)).catch(() => undefined);
            }
          },
        }).catch((err: unknown) => internalError(err, options.mask));
        if (result.isError) await tasks.updateTaskStatus(taskId, 'working', firstLine(result)).catch(() => undefined);
        await tasks.storeTaskResult(taskId, result.isError ? 'failed' : 'completed', result).catch(() => undefined);
      })();
      return { task };
    }

    const controller = new AbortController();
    const abort = () => controller.abort(extra.signal.reason);
    extra.signal.addEventListener('abort', abort, { once: true });
    plainAborts.add(controller);
    plainCalls++;
    // Progress goes out in order, and all of it before the result (a client drops progress that
    // arrives after the result).
    let sent = Promise.resolve();
    const report = (message: string) => {
      const notification = progressNotification(progressToken!, ++progress, message);
      sent = sent.then(() => extra.sendNotification(notification)).catch(() => undefined);
    };
    try {
      const result = await callTool(tool, args, options, { signal: controller.signal, label, ...(progressToken !== undefined ? { progress: report } : {}) });
      await sent;
      // The SDK's client handles a notification a microtask later than a response read in the
      // same chunk, and drops progress whose request has been answered: let the last one go first.
      if (progress > 0) await new Promise((resolve) => setImmediate(resolve));
      return result;
    } catch (err) {
      return internalError(err, options.mask);
    } finally {
      plainCalls--;
      plainAborts.delete(controller);
      extra.signal.removeEventListener('abort', abort);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: options.resources.map(resourceListing),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const resource = resources.get(request.params.uri);
    if (resource === undefined) {
      const uris = [...resources.keys()];
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown resource "${request.params.uri}".${didYouMean(request.params.uri, uris)} Resources: ${uris.join(', ')}.`,
      );
    }
    return { contents: [{ uri: resource.uri, mimeType: resource.mimeType, text: resource.text() }] };
  });

  return {
    server,
    running: () => plainCalls + tasks.running(),
    async close() {
      for (const controller of plainAborts) controller.abort();
      tasks.abortAll();
      await server.close();
    },
  };
}

function progressNotification(progressToken: string | number, progress: number, message: string): ServerNotification {
  return { method: 'notifications/progress', params: { progressToken, progress, message } };
}

function internalError(err: unknown, mask: (text: string) => string): ToolResult {
  return { content: [{ type: 'text', text: mask(`internal error: ${err instanceof Error ? err.message : String(err)}`) }], isError: true };
}

function firstLine(result: ToolResult): string {
  return (result.content[0]?.text ?? '').split('\n')[0]!;
}
