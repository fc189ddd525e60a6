/**
 * The last line of defence for secrets in CLI output. The engine masks every event it emits
 * (P21); the CLI additionally scrubs every line it writes of the literal secret values it knows
 * (inputs taken from the environment, `format: password` inputs), including their URL- and
 * JSON-escaped forms, so a secret echoed by a server or embedded in an error still never shows.
 */

/** The same mark the engine uses. */
export const MASK = '***';

/** Values shorter than this are not scrubbed from text: masking "on" or "1" would garble every line. */
const MIN_SECRET_LENGTH = 3;

export type Masker = (text: string) => string;

export function createMasker(secrets: Iterable<string>): Masker {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(Buffer.from(s, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  const list = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  const pattern = new RegExp(list.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

/** Scrub every string inside a JSON value (keys included). */
export function maskValue<T>(value: T, mask: Masker): T {
  return walk(value, mask) as T;
}

function walk(value: unknown, mask: Masker): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, mask));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[mask(k)] = walk(v, mask);
    return out;
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
