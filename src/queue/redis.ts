/**
 * Redis connections and the few Lua scripts the queue adds to BullMQ's.
 *
 * - `arazzoCheckpoint` writes a run's progress (its sealed checkpoint) and the events that led to it in one atomic step,
 *   and only while the worker still holds the job's BullMQ lock (`<job key>:lock` holds the token
 *   of the worker processing it). A worker that lost its lock (it stalled, and another worker took
 *   the run over) can therefore never overwrite the newer checkpoint. It answers whether the run
 *   was asked to cancel meanwhile.
 * - `arazzoTouch` extends the life of a document bundle and reports which of its keys are missing.
 *
 * TTLs only ever grow here ("extend"), except when a run ends and its keys get exactly the
 * retention period ("set").
 */
import { Redis, type RedisOptions } from 'ioredis';
import { ArazzoError } from '../errors.js';

/** How to reach Redis: a URL (`redis://host:6379/0`, `rediss://…`), ioredis options, or an ioredis client (which the caller keeps and closes). */
export type RedisConnection = string | RedisOptions | Redis;

const CHECKPOINT = `
local lockKey = KEYS[1] .. ':lock'
if redis.call('GET', lockKey) ~= ARGV[1] then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'progress', ARGV[2]) end
local jobTtl = tonumber(ARGV[6])
if jobTtl > 0 then redis.call('PEXPIRE', KEYS[1], jobTtl) end
local n = tonumber(ARGV[7])
for i = 1, n do redis.call('XADD', KEYS[2], '*', 'e', ARGV[7 + i]) end
local ttl = tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[2]) == 1 then
  local left = redis.call('PTTL', KEYS[2])
  if ARGV[4] == 'set' or left < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
local extend = tonumber(ARGV[5])
for i = 4, #KEYS do
  local left = redis.call('PTTL', KEYS[i])
  if left >= 0 and left < extend then redis.call('PEXPIRE', KEYS[i], extend) end
end
return redis.call('EXISTS', KEYS[3])
`;

const TOUCH = `
local missing = {}
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  local left = redis.call('PTTL', KEYS[i])
  if left == -2 then table.insert(missing, i)
  elseif left >= 0 and left < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return missing
`;

/** A client with the queue's scripts defined. */
export interface QueueRedis extends Redis {
  arazzoCheckpoint(numKeys: number, ...args: Array<string | number>): Promise<number>;
  arazzoTouch(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
}

export function withScripts(redis: Redis): QueueRedis {
  const r = redis as QueueRedis;
  if (typeof r.arazzoCheckpoint !== 'function') {
    // ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT (after a Redis restart, say).
    redis.defineCommand('arazzoCheckpoint', { lua: CHECKPOINT });
    redis.defineCommand('arazzoTouch', { lua: TOUCH });
  }
  return r;
}

/** What a connection is for: a client that fails fast, or a worker that waits out an outage. */
export type ConnectionRole = 'client' | 'worker';

/** How long a client waits for Redis before it reports QUEUE_REDIS_UNAVAILABLE. */
export const CLIENT_CONNECT_TIMEOUT_MS = 5_000;

function roleOptions(role: ConnectionRole): RedisOptions {
  return role === 'client'
    ? {
        connectTimeout: CLIENT_CONNECT_TIMEOUT_MS,
        maxRetriesPerRequest: 2,
        retryStrategy: (times) => Math.min(times * 200, 1_000),
      }
    : {
        // BullMQ's rule for workers: a command waits for Redis to come back instead of failing.
        maxRetriesPerRequest: null,
        retryStrategy: (times) => Math.min(times * 100, 2_000),
      };
}

/** Open (or adopt) a connection. `owned` says whether `close` should end it. */
export function openRedis(connection: RedisConnection, role: ConnectionRole): { readonly redis: QueueRedis; readonly owned: boolean } {
  if (connection instanceof Redis) {
    if (role === 'worker' && connection.options.maxRetriesPerRequest !== null) {
      return { redis: withScripts(connection.duplicate({ maxRetriesPerRequest: null })), owned: true };
    }
    return { redis: withScripts(connection), owned: false };
  }
  const redis = typeof connection === 'string' ? new Redis(connection, roleOptions(role)) : new Redis({ ...roleOptions(role), ...connection });
  // Connection errors surface through the commands; without a listener ioredis would also print them.
  redis.on('error', () => undefined);
  return { redis: withScripts(redis), owned: true };
}

/** Where a connection points, for messages (no password). */
export function describeRedis(redis: Redis): string {
  const o = redis.options;
  return o.path ? o.path : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`;
}

/** A Redis command that failed because Redis is unreachable, as the error a client reports. */
export function unavailable(redis: Redis, err: unknown): ArazzoError {
  if (err instanceof ArazzoError) return err;
  const detail = (err as Error)?.message ?? String(err);
  return new ArazzoError(
    'QUEUE_REDIS_UNAVAILABLE',
    `Redis at ${describeRedis(redis)} is not reachable (${detail}); check the URL (--redis, ARAZZO_REDIS_URL) and that Redis runs.`,
    undefined,
    { cause: err },
  );
}

/** Whether `err` means Redis cannot be reached (rather than a command that failed on a live Redis). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EPIPE|EAI_AGAIN)$/.test(e.code)) return true;
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|enableOfflineQueue/i.test(e.message ?? '');
}
