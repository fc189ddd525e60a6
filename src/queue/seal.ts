/**
 * Sealing a run state before it goes to Redis. Every string of the state that holds a secret, in
 * any of the forms the engine sends one (as is, base64, percent-encoded the ways paths, queries and
 * forms are), has that secret replaced by a placeholder naming its reference. The checkpoint in
 * Redis then holds `env:HF_TOKEN`, never the token. A worker that has resolved the references
 * unseals the state before it resumes the run.
 *
 * The placeholders are plain JSON, so a sealed state is a JSON value like any other:
 * - `{"$arazzo.secret": ["Bearer ", ["env:HF_TOKEN", "raw"], ""]}` is a string made of literal
 *   parts and secrets (`[reference, form]`);
 * - `{"$arazzo.object": [[key, value], ...]}` is an object whose keys hold a secret or one of these
 *   two reserved names, so that data which happens to look like a placeholder comes back as it was.
 *
 * Sealing is exact: `unseal(seal(v, s), s)` equals `v` for every JSON value. Walks are iterative,
 * so a response nested thousands of levels deep is sealed like a flat one.
 *
 * A secret the run obtained itself (a login's token) has no reference a worker could resolve: its
 * reference is the value itself, encrypted under the workers' sealing key (`sealed:<base64url>`,
 * seal-key.ts), and the placeholders carry it in the same way.
 */
import { ArazzoError } from '../errors.js';
import { encode } from '../engine/serialize.js';
import { isRecord } from '../util/guards.js';

const SECRET_KEY = '$arazzo.secret';
const OBJECT_KEY = '$arazzo.object';

/** A resolved secret: the reference the run was submitted with, and the value a worker resolved it to. */
export interface SecretValue {
  readonly ref: string;
  readonly value: string;
}

/** Secrets shorter than this are not sealed, as they are not masked (mask.ts). */
const MIN_SECRET_LENGTH = 3;

type FormName = 'raw' | 'base64' | 'base64-unpadded' | 'uri-component' | 'rfc3986' | 'reserved' | 'form';

const FORMS: ReadonlyArray<readonly [FormName, (value: string) => string]> = [
  ['raw', (v) => v],
  ['base64', (v) => Buffer.from(v, 'utf8').toString('base64')],
  ['base64-unpadded', (v) => Buffer.from(v, 'utf8').toString('base64').replace(/=+$/, '')],
  ['uri-component', (v) => encodeURIComponent(v)],
  ['rfc3986', (v) => encode(v)],
  ['reserved', (v) => encode(v, true)],
  ['form', (v) => new URLSearchParams({ v }).toString().slice(2)],
];

interface Form {
  readonly text: string;
  readonly ref: string;
  readonly form: FormName;
}

/** Every distinct form of every secret, longest first (a longer match wins at the same position). */
function formsOf(secrets: readonly SecretValue[]): Form[] {
  const forms: Form[] = [];
  const seen = new Set<string>();
  for (const { ref, value } of secrets) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    for (const [form, make] of FORMS) {
      let text: string;
      try {
        text = make(value);
      } catch {
        continue; // a lone surrogate cannot be percent-encoded: the engine cannot send it that way either
      }
      if (text.length < MIN_SECRET_LENGTH || seen.has(text)) continue;
      seen.add(text);
      forms.push({ text, ref, form });
    }
  }
  return forms.sort((a, b) => b.text.length - a.text.length);
}

/** A string with every secret form in it replaced: the string itself when it holds none. */
function sealString(s: string, forms: readonly Form[]): unknown {
  let parts: unknown[] | undefined;
  let from = 0;
  for (;;) {
    let at = -1;
    let found: Form | undefined;
    for (const f of forms) {
      const i = s.indexOf(f.text, from);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        found = f;
      }
    }
    if (!found) break;
    parts ??= [];
    parts.push(s.slice(from, at), [found.ref, found.form]);
    from = at + found.text.length;
  }
  if (!parts) return s;
  parts.push(s.slice(from));
  return { [SECRET_KEY]: parts };
}

/** One step of an iterative bottom-up copy: a finished value, or children to copy first and how to build the node from them. */
type Visit = { readonly value: unknown } | { readonly children: readonly unknown[]; readonly build: (children: unknown[]) => unknown };

/** Copy a JSON value bottom-up without recursion. */
function rebuild(root: unknown, visit: (node: unknown) => Visit): unknown {
  const results: unknown[] = [];
  const work: Array<{ readonly node: unknown } | { readonly build: (children: unknown[]) => unknown; readonly count: number }> = [{ node: root }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('node' in item) {
      const v = visit(item.node);
      if ('value' in v) results.push(v.value);
      else {
        work.push({ build: v.build, count: v.children.length });
        for (let i = v.children.length - 1; i >= 0; i--) work.push({ node: v.children[i] });
      }
    } else {
      const children = item.count === 0 ? [] : results.splice(results.length - item.count, item.count);
      results.push(item.build(children));
    }
  }
  return results[0];
}

/** Set an own property, `__proto__` included (an assignment would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function objectFrom(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) setOwn(out, keys[i] as string, values[i]);
  return out;
}

/**
 * The value with every secret in it replaced by a placeholder naming its reference. Returns the
 * value itself when there is no secret to seal.
 */
export function seal(value: unknown, secrets: readonly SecretValue[]): unknown {
  const forms = formsOf(secrets);
  if (forms.length === 0) return value;
  const numbers = new Map<string, string>();
  for (const { ref, value: v } of secrets) if (v.length >= MIN_SECRET_LENGTH && /^-?\d+(\.\d+)?$/.test(v)) numbers.set(String(Number(v)), ref);
  return rebuild(value, (node): Visit => {
    if (typeof node === 'string') return { value: sealString(node, forms) };
    if (typeof node === 'number') {
      const ref = numbers.get(String(node));
      return { value: ref === undefined ? node : { [SECRET_KEY]: ['', [ref, 'number'], ''] } };
    }
    if (Array.isArray(node)) return { children: node, build: (children) => children };
    if (!isRecord(node)) return { value: node };
    const record = node;
    const keys = Object.keys(record);
    const sealedKeys = keys.map((k) => sealString(k, forms));
    const entries = keys.some((k, i) => k === SECRET_KEY || k === OBJECT_KEY || sealedKeys[i] !== k);
    return {
      children: keys.map((k) => record[k]),
      build: (children) => (entries ? { [OBJECT_KEY]: sealedKeys.map((k, i) => [k, children[i]]) } : objectFrom(keys, children)),
    };
  });
}

/** The references a sealed value needs to be unsealed. */
export function sealedReferences(value: unknown): Set<string> {
  const refs = new Set<string>();
  rebuild(value, (node): Visit => {
    if (Array.isArray(node)) return { children: node, build: () => undefined };
    if (!isRecord(node)) return { value: undefined };
    const record = node;
    const parts = record[SECRET_KEY];
    if (Array.isArray(parts) && Object.keys(record).length === 1) {
      for (const p of parts) if (Array.isArray(p) && typeof p[0] === 'string') refs.add(p[0]);
      return { value: undefined };
    }
    return { children: Object.values(record), build: () => undefined };
  });
  return refs;
}

/**
 * Where the first placeholder with a reference that `wanted` accepts sits in a sealed value: the
 * path of object keys and array indexes from the root (the keys as they were before sealing, a
 * sealed key shown as `***`). Undefined when there is none.
 */
export function sealedPath(value: unknown, wanted: (reference: string) => boolean): Array<string | number> | undefined {
  const work: Array<{ readonly node: unknown; readonly path: Array<string | number> }> = [{ node: value, path: [] }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { node, path } = item;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) work.push({ node: node[i], path: [...path, i] });
      continue;
    }
    if (!isRecord(node)) continue;
    const keys = Object.keys(node);
    const parts = node[SECRET_KEY];
    if (keys.length === 1 && Array.isArray(parts)) {
      if (parts.some((p) => Array.isArray(p) && typeof p[0] === 'string' && wanted(p[0]))) return path;
      continue;
    }
    const entries = node[OBJECT_KEY];
    if (keys.length === 1 && Array.isArray(entries)) {
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i];
        if (!Array.isArray(entry)) continue;
        const name = typeof entry[0] === 'string' ? entry[0] : '***';
        work.push({ node: entry[1], path: [...path, name] });
        // A sealed key is a placeholder too, looked at before its value.
        if (typeof entry[0] !== 'string') work.push({ node: entry[0], path: [...path, name] });
      }
      continue;
    }
    for (let i = keys.length - 1; i >= 0; i--) work.push({ node: node[keys[i] as string], path: [...path, keys[i] as string] });
  }
  return undefined;
}

/** The state as it was before `seal`, with every placeholder replaced by its secret. */
export function unseal(value: unknown, secrets: readonly SecretValue[]): unknown {
  const byRef = new Map(secrets.map((s) => [s.ref, s.value]));
  const text = (parts: unknown[]): unknown => {
    if (parts.length === 3 && parts[0] === '' && parts[2] === '' && Array.isArray(parts[1]) && parts[1][1] === 'number') {
      return Number(secretOf(parts[1][0]));
    }
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (Array.isArray(p)) {
        const make = FORMS.find(([name]) => name === p[1])?.[1];
        if (!make) throw broken(`unknown secret form "${String(p[1])}"`);
        out += make(secretOf(p[0]));
      } else throw broken('a secret placeholder holds something other than text and [reference, form] pairs');
    }
    return out;
  };
  const secretOf = (ref: unknown): string => {
    const v = typeof ref === 'string' ? byRef.get(ref) : undefined;
    if (v === undefined) {
      throw new ArazzoError('QUEUE_SECRET_UNRESOLVED', `The stored run state needs the secret ${String(ref)}, which this worker has not resolved.`, {
        reference: String(ref),
      });
    }
    return v;
  };
  const key = (k: unknown): string => {
    if (typeof k === 'string') return k;
    const parts = isRecord(k) ? k[SECRET_KEY] : undefined;
    if (Array.isArray(parts)) return String(text(parts));
    throw broken('an object entry has a key that is neither text nor a secret placeholder');
  };
  return rebuild(value, (node): Visit => {
    if (Array.isArray(node)) return { children: node, build: (children) => children };
    if (!isRecord(node)) return { value: node };
    const record = node;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === SECRET_KEY && Array.isArray(record[SECRET_KEY])) return { value: text(record[SECRET_KEY] as unknown[]) };
    if (keys.length === 1 && keys[0] === OBJECT_KEY && Array.isArray(record[OBJECT_KEY])) {
      const entries = record[OBJECT_KEY] as unknown[];
      const names = entries.map((e) => key(Array.isArray(e) ? e[0] : undefined));
      return { children: entries.map((e) => (Array.isArray(e) ? e[1] : undefined)), build: (children) => objectFrom(names, children) };
    }
    return { children: keys.map((k) => record[k]), build: (children) => objectFrom(keys, children) };
  });
}

function broken(why: string): ArazzoError {
  return new ArazzoError('RESUME_STATE_INVALID', `The stored run state cannot be unsealed: ${why}.`);
}
