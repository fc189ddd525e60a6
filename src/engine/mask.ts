/**
 * Secret masking (P21), applied in one place: the run's event emitter, its RunResult and its error
 * messages all go through one Masker per run.
 */

const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|credential|authorization/i;
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const MASK = '***';

/** Whether an input or parameter name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

export class Masker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;

  constructor(values: Iterable<unknown> = []) {
    for (const v of values) this.add(v);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Remember a secret value (strings of 3+ characters; numbers as text). Returns true when new. */
  add(value: unknown): boolean {
    if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
    if (typeof value !== 'string' || value.length < 3 || this.secrets.has(value)) return false;
    this.secrets.add(value);
    this.dirty = true;
    return true;
  }

  /** Remember the secret parts of a header value: the credential of Authorization, cookie values. */
  addFromHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const space = value.indexOf(' ');
      this.add(space > 0 ? value.slice(space + 1).trim() : value);
      this.add(value);
    } else if (lower === 'cookie' || lower === 'set-cookie') {
      for (const part of value.split(/[;\n]/)) {
        const eq = part.indexOf('=');
        if (eq > 0) this.add(part.slice(eq + 1).trim());
      }
    }
  }

  /** Replace every known secret inside a string by `***`. */
  text(value: string): string {
    if (this.secrets.size === 0) return value;
    if (this.dirty || !this.pattern) {
      const parts = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
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

  /** A deep copy of a JSON-like value with every string masked. */
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
      out[key] = this.walk((value as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
