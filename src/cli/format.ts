/** Small text helpers shared by the renderers. */

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

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, Math.max(0, max - 1))}…` : oneLine;
}

/**
 * A value as it reads on a progress or summary line: strings bare (`Endpoint is ready`, not
 * `"Endpoint is ready"`), the empty string and strings with line breaks or control characters as
 * JSON, everything else as compact JSON.
 */
export function showValue(value: unknown, max = 200): string {
  if (value === undefined) return 'undefined';
  const text = typeof value === 'string' && value !== '' && !/[\u0000-\u001f\u007f]/.test(value) ? value : JSON.stringify(value);
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
