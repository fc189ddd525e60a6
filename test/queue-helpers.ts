/**
 * Shared by the queue tests, which need a real Redis. `.ci/run` starts one and sets
 * ARAZZO_TEST_REDIS_URL (and ARAZZO_TEST_REDIS_REQUIRED=1, so that CI fails instead of skipping).
 * Without it, `npm test` skips only these tests and says why. Each test file works under a key
 * prefix of its own and deletes its keys at the end; the test that restarts Redis starts a private
 * `redis-server` instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BUILT_CLI, ROOT } from './cli-helpers.js';

export const redisUrl = process.env.ARAZZO_TEST_REDIS_URL;
export const DEPLOY = join(ROOT, 'workflows', 'hugging-face-deploy-and-wait-workflow.yml');
export const TOKEN = 'hf_queue_s3cret_token_value';

if (!redisUrl) {
  if (process.env.ARAZZO_TEST_REDIS_REQUIRED === '1') throw new Error('ARAZZO_TEST_REDIS_REQUIRED=1 but ARAZZO_TEST_REDIS_URL is not set');
  console.warn(
    '[queue tests skipped] no Redis: set ARAZZO_TEST_REDIS_URL=redis://127.0.0.1:6379 (a Redis 5+ you can write to: the tests write keys under arazzo-test-* only, and delete them) to run the tests of the durable queue; .ci/run starts one itself.',
  );
}

/** A key prefix no other test file (or earlier run) uses. */
export function testPrefix(name: string): string {
  return `arazzo-test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Delete every key under `prefix:`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs` naming `what`. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A worker process (`arazzo worker`), with its stderr collected. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  stderr: string;
  /** Resolves once the worker says it is taking runs. */
  readonly ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(url: string, prefix: string, args: readonly string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [BUILT_CLI, 'worker', '--redis', url, '--prefix', prefix, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ARAZZO_CACHE_DIR: 'off', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const w: WorkerProcess = {
    child,
    stderr: '',
    ready: undefined as unknown as Promise<void>,
    kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
  (w as { ready: Promise<void> }).ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 10 s:\n${w.stderr}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      w.stderr += d.toString();
      if (w.stderr.includes('taking runs from')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${w.stderr}`));
    });
  });
  w.ready.catch(() => undefined);
  return w;
}

/** A private redis-server (append-only, fsync on every write) that a test may kill and restart. */
export interface PrivateRedis {
  readonly url: string;
  /** Kill it (SIGKILL: nothing is flushed on the way out) and start it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function redisServerBinary(): string {
  const configured = process.env.ARAZZO_TEST_REDIS_SERVER;
  if (configured) return configured;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('this test restarts Redis, so it needs redis-server on PATH (apt-get install redis-server), or ARAZZO_TEST_REDIS_SERVER=<path>');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = redisServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'arazzo-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {
      stdio: 'ignore',
    });
    const probe = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
    probe.on('error', () => undefined);
    try {
      await until(async () => (await probe.ping()) === 'PONG', `redis-server on port ${port}`, 10_000);
    } finally {
      probe.disconnect();
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    url,
    async restart(downMs = 300) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every key of a Redis with its whole value as text (strings, hashes, lists, sets, sorted sets, streams). */
export async function dumpAll(url: string): Promise<Map<string, string>> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const out = new Map<string, string>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        else continue; // gone meanwhile (another test file's key expired or was deleted)
        out.set(key, JSON.stringify(value));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return out;
}
