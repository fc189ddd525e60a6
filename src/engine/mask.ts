/**
 * Secret masking (P21), in one place. The engine's event emitter, its RunResult and error messages
 * go through one Masker per run; the CLI scrubs what it prints (JSON reports, HAR traces, dry runs)
 * with the same code (`createMasker`, `maskValue`), so every printer hides the same forms of a
 * secret: the literal value, its URL-encoded, JSON-escaped and base64 forms, and for Basic auth the
 * decoded `user:password` pair and its password.
 */

const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|credential|authorization/i;
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** What a secret is replaced by. */
export const MASK = '***';

/** Values shorter than this are not masked: masking "on" or "1" would garble every line. */
const MIN_SECRET_LENGTH = 3;

/** Whether an input or parameter name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Headers always shown as `***`: Authorization, Proxy-Authorization, Cookie, Set-Cookie. */
function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** The forms a secret can take in text: as is, URL-encoded, JSON-escaped, base64 (padded or not). */
function secretForms(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), b64, b64.replace(/=+$/, '')];
  return forms.filter((f, i) => f.length >= MIN_SECRET_LENGTH && forms.indexOf(f) === i);
}

export class Masker {
  private readonly secrets = new Set<string>();
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;
  private minLength = Infinity;

  constructor(values: Iterable<unknown> = []) {
    for (const v of values) this.add(v);
  }

  /** Number of secret values known (not counting their encoded forms). */
  get size(): number {
    return this.secrets.size;
  }

  /** Remember a secret value (strings of 3+ characters; numbers as text). Returns true when new. */
  add(value: unknown): boolean {
    if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return false;
    this.secrets.add(value);
    for (const form of secretForms(value)) {
      if (this.forms.has(form)) continue;
      this.forms.add(form);
      if (form.length < this.minLength) this.minLength = form.length;
    }
    this.dirty = true;
    return true;
  }

  /**
   * Remember the secret parts of a header value: the credential of Authorization (and, for Basic,
   * the decoded `user:password` and the password), cookie values.
   */
  addFromHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const space = value.indexOf(' ');
      const credential = space > 0 ? value.slice(space + 1).trim() : value;
      this.add(credential);
      this.add(value);
      if (space > 0 && value.slice(0, space).toLowerCase() === 'basic') this.addBasicPair(credential);
    } else if (lower === 'cookie' || lower === 'set-cookie') {
      for (const part of value.split(/[;\n]/)) {
        const eq = part.indexOf('=');
        if (eq > 0) this.add(part.slice(eq + 1).trim());
      }
    }
  }

  private addBasicPair(credential: string): void {
    if (!/^[A-Za-z0-9+/]+=*$/.test(credential)) return;
    const pair = Buffer.from(credential, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon < 0 || pair.includes('\uFFFD')) return;
    this.add(pair);
    this.add(pair.slice(colon + 1));
  }

  /** Replace every known secret (in any of its forms) inside a string by `***`. */
  text(value: string): string {
    if (value.length < this.minLength) return value;
    if (this.dirty || !this.pattern) {
      const parts = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(parts.join('|'), 'g');
      this.dirty = false;
    }
    this.pattern.lastIndex = 0;
    return value.replace(this.pattern, MASK);
  }

  /** Headers with secret names shown as `***`, other values masked as text. */
  headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(headers)) {
      out[key] = isSecretHeader(key) ? MASK : this.text(headers[key] as string);
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string (object keys included) masked. */
  value<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      out[this.text(key)] = this.walk((value as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  }
}

/** A text scrubber: every known secret form replaced by `***`. */
export type MaskFn = (text: string) => string;

/** A scrubber for a fixed list of secret values (the CLI's printers use it). */
export function createMasker(secrets: Iterable<unknown>): MaskFn {
  const masker = new Masker(secrets);
  if (masker.size === 0) return (text) => text;
  return (text) => masker.text(text);
}

/** Scrub every string inside a JSON value, object keys included. */
export function maskValue<T>(value: T, mask: MaskFn | Masker): T {
  if (mask instanceof Masker) return mask.value(value);
  return walkWith(value, mask, 0) as T;
}

function walkWith(value: unknown, mask: MaskFn, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => walkWith(v, mask, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[mask(key)] = walkWith((value as Record<string, unknown>)[key], mask, depth + 1);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
