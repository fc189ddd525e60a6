/**
 * Where task-based tool calls (MCP tasks, "call now, fetch the result later") keep their state.
 *
 * Unlike the SDK's example in-memory store, a task is never dropped while its workflow runs: its
 * time to live counts from when it ends, as MCP's `ttl` says ("keep results available after
 * completion"), so a twenty-minute deployment outlives a one-minute ttl. Expired tasks are dropped
 * when the store is next used (no timers), the ttl is capped, and so is the number of tasks kept.
 * Cancelling a task (`tasks/cancel`) aborts its run.
 */
import { randomBytes } from 'node:crypto';
import type { CreateTaskOptions, TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';

/** The longest a finished task is kept (and the ttl when the client gives none): one hour. */
export const MAX_TASK_TTL_MS = 3_600_000;
/** The most tasks one store keeps, running and finished; a new task beyond it is refused. */
export const MAX_TASKS = 1000;
/** How often we suggest clients poll `tasks/get`. */
export const TASK_POLL_INTERVAL_MS = 2000;

interface Entry {
  task: Task;
  result?: Result;
  readonly sessionId?: string;
  /** When a finished task is dropped (clock ms). */
  expiresAt?: number;
  /** Stops the task's run. */
  abort?: () => void;
}

const TERMINAL: ReadonlySet<Task['status']> = new Set(['completed', 'failed', 'cancelled']);

export class RunTaskStore implements TaskStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Register how to stop a task's run; called when the task is cancelled. */
  onCancel(taskId: string, abort: () => void): void {
    const entry = this.entries.get(taskId);
    if (entry) entry.abort = abort;
  }

  /** Stop every running task (the connection is closing). */
  abortAll(): void {
    for (const entry of this.entries.values()) if (!TERMINAL.has(entry.task.status)) entry.abort?.();
  }

  /** Tasks not yet finished. */
  running(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (!TERMINAL.has(entry.task.status)) n++;
    return n;
  }

  async createTask(params: CreateTaskOptions, _requestId: RequestId, _request: Request, sessionId?: string): Promise<Task> {
    this.purge();
    if (this.entries.size >= MAX_TASKS) {
      throw new Error(`Too many tasks (${MAX_TASKS}) are running or waiting to be fetched; fetch or cancel some first.`);
    }
    const ttl = Math.min(typeof params.ttl === 'number' && params.ttl > 0 ? params.ttl : MAX_TASK_TTL_MS, MAX_TASK_TTL_MS);
    const at = new Date(this.now()).toISOString();
    const task: Task = {
      taskId: randomBytes(16).toString('hex'),
      status: 'working',
      ttl,
      createdAt: at,
      lastUpdatedAt: at,
      pollInterval: params.pollInterval ?? TASK_POLL_INTERVAL_MS,
    };
    this.entries.set(task.taskId, { task, ...(sessionId !== undefined ? { sessionId } : {}) });
    return { ...task };
  }

  async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    const entry = this.lookup(taskId, sessionId);
    return entry ? { ...entry.task } : null;
  }

  async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result, sessionId?: string): Promise<void> {
    const entry = this.found(taskId, sessionId);
    // A cancelled run still ends with a result (what it did before it stopped); the status stays.
    if (entry.task.status === 'cancelled' && entry.result === undefined) {
      entry.result = result;
      return;
    }
    if (TERMINAL.has(entry.task.status)) throw new Error(`Task ${taskId} already ended (${entry.task.status}); its result cannot change.`);
    entry.result = result;
    this.finish(entry, status);
  }

  async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    const entry = this.found(taskId, sessionId);
    if (entry.result === undefined) throw new Error(`Task ${taskId} has no result yet (status ${entry.task.status}).`);
    return entry.result;
  }

  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    const entry = this.found(taskId, sessionId);
    if (TERMINAL.has(entry.task.status)) throw new Error(`Task ${taskId} already ended (${entry.task.status}); it cannot become ${status}.`);
    if (statusMessage !== undefined) entry.task.statusMessage = statusMessage;
    if (TERMINAL.has(status)) {
      this.finish(entry, status);
      if (status === 'cancelled') entry.abort?.();
    } else {
      entry.task.status = status;
      entry.task.lastUpdatedAt = new Date(this.now()).toISOString();
    }
  }

  async listTasks(cursor?: string, sessionId?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    this.purge();
    const ids = [...this.entries.keys()].filter((id) => this.visible(this.entries.get(id)!, sessionId));
    const start = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
    if (cursor !== undefined && start === 0) throw new Error(`Invalid cursor: ${cursor}`);
    const page = ids.slice(start, start + 50);
    const tasks = page.map((id) => ({ ...this.entries.get(id)!.task }));
    return start + 50 < ids.length ? { tasks, nextCursor: page[page.length - 1]! } : { tasks };
  }

  private finish(entry: Entry, status: Task['status']): void {
    const now = this.now();
    entry.task.status = status;
    entry.task.lastUpdatedAt = new Date(now).toISOString();
    entry.expiresAt = now + (entry.task.ttl ?? MAX_TASK_TTL_MS);
  }

  private visible(entry: Entry, sessionId: string | undefined): boolean {
    return sessionId === undefined || entry.sessionId === undefined || entry.sessionId === sessionId;
  }

  private lookup(taskId: string, sessionId: string | undefined): Entry | undefined {
    this.purge();
    const entry = this.entries.get(taskId);
    return entry && this.visible(entry, sessionId) ? entry : undefined;
  }

  private found(taskId: string, sessionId: string | undefined): Entry {
    const entry = this.lookup(taskId, sessionId);
    if (!entry) throw new Error(`No task ${taskId} (it may have expired).`);
    return entry;
  }

  private purge(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(id);
  }
}
