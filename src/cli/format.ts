/** Small text helpers shared by the renderers. */
import type { InterruptSignal } from './io.js';
import { MESSAGE_VALUE_MAX, truncateForMessage } from '../util/truncate.js';
import { jsonPreview } from '../util/json.js';

/** 132ms, 4.2s, 1m02s, 2h05m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
  }
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    const s = totalSeconds % 60;
    return `${m}m${String(s).padStart(2, '0')}s`;
  }
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

/** Path and query of a URL (the host is noise on a progress line). */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** One line of at most `max` characters, ending in `…` when cut. Reads only the start of a long text. */
export function truncate(text: string, max: number): string {
  // Joining lines only ever shortens the text: a few times `max` characters are plenty.
  const head = text.length > max * 4 + 16 ? text.slice(0, max * 4 + 16) : text;
  const oneLine = head.replace(/\s*\n\s*/g, ' ');
  return oneLine.length > max || head !== text ? `${oneLine.slice(0, Math.max(0, max - 1))}…` : oneLine;
}

/**
 * A value as it reads on a progress or summary line: strings bare (`Endpoint is ready`, not
 * `"Endpoint is ready"`), the empty string and strings with line breaks or control characters as
 * JSON, everything else as compact JSON.
 */
export function showValue(value: unknown, max = 200): string {
  if (value === undefined) return 'undefined';
  // Only the start of a long value is serialised: a progress line never needs more.
  const text = typeof value === 'string' && value !== '' && !/[\u0000-\u001f\u007f]/.test(value) ? value : jsonPreview(value, max + 1);
  return truncate(text ?? String(value), max);
}

export interface Style {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export function createStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return { green: id, red: id, yellow: id, dim: id, bold: id };
  }
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/**
 * Colour only for a terminal, never when NO_COLOR is set (https://no-color.org: any non-empty
 * value), forced by FORCE_COLOR (non-zero).
 */
export function wantsColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** What the CLI calls each way a run can be stopped from outside. */
const STOPPED_BY: Readonly<Record<InterruptSignal, string>> = { SIGINT: 'Ctrl-C', SIGTERM: 'SIGTERM', SIGHUP: 'SIGHUP' };

/** Library terms in the engine's messages, and what the command line calls the same thing. */
const CLI_TERMS: ReadonlyArray<readonly [string, string]> = [
  ['raise limits.maxSteps (--max-steps)', 'raise --max-steps'],
  ['raise limits.timeoutMs (--timeout)', 'raise --timeout'],
  ['; raise limits.requestTimeoutMs if the API is slow.', ' (the limit for one request).'],
  ['; raise limits.maxResponseBytes if this is expected.', ' (the limit for one response).'],
  ['(RunOptions.servers / --server ', '(--server '],
];

/**
 * An engine message as the command line says it: flags instead of library options, and a
 * cancelled run stopped by Ctrl-C (or by the signal that stopped it) instead of "its AbortSignal".
 * The library's messages stay as they are for embedders.
 */
export function cliMessage(message: string, stoppedBy: InterruptSignal = 'SIGINT'): string {
  let text = message.replace('cancelled by its AbortSignal', `cancelled (${STOPPED_BY[stoppedBy]})`);
  for (const [library, cli] of CLI_TERMS) if (text.includes(library)) text = text.replace(library, cli);
  return boundMessage(text);
}

/** The longest message the CLI prints whole. */
const MESSAGE_MAX = 4000;

/**
 * A message with every value in it bounded: a run of more than MESSAGE_VALUE_MAX characters
 * without a space (a URL, a token, an encoded body) is cut with `…[+N chars]`, and so is a
 * message still longer than MESSAGE_MAX. The words around a value stay whole.
 */
export function boundMessage(message: string): string {
  if (message.length <= MESSAGE_VALUE_MAX) return message;
  const text = message.replace(LONG_RUN, (run) => truncateForMessage(run, MESSAGE_VALUE_MAX));
  return truncateForMessage(text, MESSAGE_MAX);
}

const LONG_RUN = new RegExp(`\\S{${MESSAGE_VALUE_MAX + 1},}`, 'g');
