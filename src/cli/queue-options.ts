/** What the queue commands (worker, submit, status, cancel) share: where Redis is and which queue. */
import { CliError } from './errors.js';

export interface QueueFlags {
  redis?: string;
  queue?: string;
  prefix?: string;
}

/** The Redis URL (`--redis`, else `ARAZZO_REDIS_URL`), queue name and key prefix. */
export function queueTarget(flags: QueueFlags, env: Readonly<Record<string, string | undefined>>): { connection: string; queue?: string; prefix?: string } {
  const url = flags.redis ?? env.ARAZZO_REDIS_URL;
  if (url === undefined || url.trim() === '') {
    throw new CliError('CLI_USAGE', 'Which Redis? Give --redis redis://host:6379 or set ARAZZO_REDIS_URL.', { flag: '--redis' });
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new CliError('CLI_USAGE', `--redis must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379, not "${url.slice(0, 80)}".`, {
      flag: '--redis',
    });
  }
  for (const [flag, value] of [
    ['--queue', flags.queue],
    ['--prefix', flags.prefix],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z0-9._{}-]{1,64}$/.test(value)) {
      throw new CliError(
        'CLI_USAGE',
        `${flag} must be 1-64 letters, digits, ".", "_", "-", "{" or "}" (a Redis Cluster hash tag), not "${value.slice(0, 80)}".`,
        { flag },
      );
    }
  }
  return { connection: url, ...(flags.queue ? { queue: flags.queue } : {}), ...(flags.prefix ? { prefix: flags.prefix } : {}) };
}

/** A number of seconds from a flag, as milliseconds. */
export function secondsFlag(value: string | undefined, flag: string, { min = 0 }: { min?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value);
  if (value.trim() === '' || !Number.isFinite(s) || s < min) {
    throw new CliError('CLI_USAGE', `${flag} is in seconds and must be a number of at least ${min}, not "${value}".`, { flag });
  }
  return Math.round(s * 1000);
}
