/**
 * Secret masking (P21), in one place. The engine's event emitter, its RunResult and error messages
 * go through one Masker per run; the CLI scrubs what it prints (JSON reports, HAR traces, dry runs)
 * with the same code (`createMasker`, `maskValue`), so every printer hides the same forms of a
 * secret:
 * - the literal value, its JSON-escaped and base64 forms, and for Basic auth the decoded
 *   `user:password` pair and its password;
 * - each of those with any of its characters percent-encoded (upper- or lower-case hex), or a
 *   space as `+`. That covers every encoding the engine itself produces for a path, query, cookie
 *   or form value (encodeURIComponent, RFC 3986 with `!'()*` escaped, allowReserved, form
 *   urlencoding), whatever the parameter's style and explode, and what a URL parser or a server
 *   re-encodes on the way back;
 * - a prefix of any of those cut short by `truncateForMessage`, just before its `…[+N chars]`.
 *
 * Walks over values are iterative: no depth limit and no recursion, whatever a server sends.
 */
import { TRUNCATION_MARK, TRUNCATION_MARK_PATTERN } from '../util/truncate.js';
import { isSecretName } from '../util/secret-name.js';
import { encode } from './serialize.js';
import { propertyOf } from '../util/guards.js';

export { isSecretName };

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** What a secret is replaced by. */
export const MASK = '***';

/** Values shorter than this are not masked: masking "on" or "1" would garble every line. */
const MIN_SECRET_LENGTH = 3;

/** The length of the shortest mark truncateForMessage leaves, `…[+1 chars]`. */
const SHORTEST_MARK = 11;

/** Headers always shown as `***`: Authorization, Proxy-Authorization, Cookie, Set-Cookie. */
function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** The forms a secret takes before any percent-encoding: as is, JSON-escaped, base64 (padded or not). */
function baseForms(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  return unique([secret, JSON.stringify(secret).slice(1, -1), b64, b64.replace(/=+$/, '')]);
}

/** The exact encoded forms the engine produces, for recognising a secret cut short by truncation. */
function encodedForms(secret: string): string[] {
  const forms: string[] = [];
  try {
    forms.push(encodeURIComponent(secret), encode(secret), encode(secret, true), new URLSearchParams({ v: secret }).toString().slice(2));
  } catch {
    // A lone surrogate cannot be percent-encoded: the engine cannot send it in a URL either.
  }
  return forms;
}

function unique(forms: string[]): string[] {
  return forms.filter((f, i) => f.length >= MIN_SECRET_LENGTH && forms.indexOf(f) === i);
}

/** Characters that no encoding the engine uses ever changes. */
const PLAIN = /^[A-Za-z0-9_]$/;

/**
 * A regular expression source matching `form` with any of its characters percent-encoded (hex in
 * either case) and a space also as `+`.
 */
function tolerantSource(form: string): string {
  let source = '';
  for (const ch of form) {
    if (PLAIN.test(ch)) {
      source += ch;
      continue;
    }
    const alternatives = [escapeRegExp(ch)];
    if (ch === ' ') alternatives.push('\\+');
    const cp = ch.codePointAt(0) as number;
    if (cp < 0xd800 || cp > 0xdfff) {
      let pct = '';
      for (const byte of Buffer.from(ch, 'utf8')) pct += `%${hexEitherCase(byte)}`;
      alternatives.push(pct);
    }
    source += `(?:${alternatives.join('|')})`;
  }
  return source;
}

function hexEitherCase(byte: number): string {
  let out = '';
  for (const digit of byte.toString(16).toUpperCase().padStart(2, '0')) out += digit >= 'A' ? `[${digit}${digit.toLowerCase()}]` : digit;
  return out;
}

export class Masker {
  private readonly secrets = new Set<string>();
  /** Forms matched by the pattern (each tolerant to percent-encoding), longest first when built. */
  private readonly forms = new Set<string>();
  /** Every exact form, for prefixes before a truncation mark. */
  private readonly exact = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;
  private minLength = Infinity;
  /** `text`, bound once for the copies made by `value`. */
  private readonly scrub: MaskFn = (text) => this.text(text);

  constructor(values: Iterable<unknown> = []) {
    for (const v of values) this.add(v);
  }

  /** Number of secret values known (not counting their encoded forms). */
  get size(): number {
    return this.secrets.size;
  }

  /** Every secret value known (as text), in the order learnt: not their encoded forms. */
  values(): IterableIterator<string> {
    return this.secrets.values();
  }

  /** Remember a secret value (strings of 3+ characters; numbers as text). Returns true when new. */
  add(value: unknown): boolean {
    if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return false;
    this.secrets.add(value);
    for (const form of baseForms(value)) {
      this.exact.add(form);
      if (this.forms.has(form)) continue;
      this.forms.add(form);
      if (form.length < this.minLength) this.minLength = form.length;
    }
    for (const form of encodedForms(value)) this.exact.add(form);
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
    if (this.secrets.size === 0) return value;
    let out = value;
    if (value.length >= this.minLength) {
      if (this.dirty || !this.pattern) {
        const parts = [...this.forms].sort((a, b) => b.length - a.length).map(tolerantSource);
        this.pattern = new RegExp(parts.join('|'), 'g');
        this.dirty = false;
      }
      this.pattern.lastIndex = 0;
      out = value.replace(this.pattern, MASK);
    }
    return out.length >= SHORTEST_MARK && out.includes(TRUNCATION_MARK) ? this.maskCutPrefixes(out) : out;
  }

  /** A secret cut short by truncateForMessage: mask the prefix of it left before the mark. */
  private maskCutPrefixes(text: string): string {
    const marks = [...text.matchAll(TRUNCATION_MARK_PATTERN)].map((m) => m.index as number);
    let out = text;
    for (let i = marks.length - 1; i >= 0; i--) {
      const at = marks[i] as number;
      const cut = this.longestCutPrefix(out, at);
      if (cut > 0) out = `${out.slice(0, at - cut)}${MASK}${out.slice(at)}`;
    }
    return out;
  }

  /** The length of the longest proper prefix of a secret form that ends exactly at `end`. */
  private longestCutPrefix(text: string, end: number): number {
    let best = 0;
    for (const form of this.exact) {
      const from = Math.max(0, end - (form.length - 1));
      for (let start = from; start < end - best; start++) {
        if (text.charCodeAt(start) === form.charCodeAt(0) && form.startsWith(text.slice(start, end))) {
          best = end - start;
          break;
        }
      }
    }
    return best;
  }

  /** Headers with secret names shown as `***`, other values masked as text. */
  headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(headers)) {
      setOwn(out, key, isSecretHeader(key) ? MASK : this.text(headers[key] as string));
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string (object keys included) masked. */
  value<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return copyMasked(value, this.scrub) as T;
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
  return copyMasked(value, mask) as T;
}

/**
 * A copy of a JSON-like value with `mask` applied to every string and object key. Iterative, so
 * any depth is fine. Keys are copied as own properties: a `__proto__` key stays a key.
 */
function copyMasked(root: unknown, mask: MaskFn): unknown {
  if (typeof root === 'string') return mask(root);
  if (root === null || typeof root !== 'object') return root;
  // Events are small trees: copy them without bookkeeping. A value with more objects than that
  // may share parts or be cyclic (a caller's inputs): copy it again, each object once.
  return copyTree(root, mask, undefined) ?? copyTree(root, mask, new Map());
}

/** What copyTree builds for each object or array it copies. */
type Container = Record<string, unknown> | unknown[];

/** Objects copied before a copy starts tracking what it has copied. */
const UNTRACKED_OBJECTS = 10_000;

/**
 * The copy of `root`. With `copies`, an object met twice is copied once (so a cycle ends);
 * without, undefined once more than UNTRACKED_OBJECTS objects were met.
 */
function copyTree(root: object, mask: MaskFn, copies: Map<object, unknown> | undefined): unknown {
  const result: Container = Array.isArray(root) ? new Array<unknown>(root.length) : {};
  copies?.set(root, result);
  const sources: object[] = [root];
  const targets: Container[] = [result];
  let count = 1;
  for (let source = sources.pop(); source !== undefined; source = sources.pop()) {
    const target = targets.pop() as Container;
    const keys = Array.isArray(source) ? undefined : Object.keys(source);
    const size = keys ? keys.length : (source as unknown[]).length;
    for (let i = 0; i < size; i++) {
      const key = keys ? (keys[i] as string) : i;
      const value = keys ? propertyOf(source, key as string) : (source as unknown[])[key as number];
      let copy: unknown;
      if (typeof value === 'string') copy = mask(value);
      else if (value === null || typeof value !== 'object') copy = value;
      else {
        copy = copies?.get(value);
        if (copy === undefined) {
          if (copies === undefined && ++count > UNTRACKED_OBJECTS) return undefined;
          const fresh: Container = Array.isArray(value) ? new Array<unknown>(value.length) : {};
          copy = fresh;
          copies?.set(value, fresh);
          sources.push(value);
          targets.push(fresh);
        }
      }
      if (Array.isArray(target)) target[key as number] = copy;
      else setOwn(target, mask(key as string), copy);
    }
  }
  return result;
}

/** `target[key] = value` as an own data property, also for `__proto__` (which `=` would make the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
