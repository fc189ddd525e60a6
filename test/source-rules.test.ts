/**
 * Rules on the source that a review would otherwise have to catch (issue 8 §1 and §5): values from
 * outside are narrowed by the guards of src/util/guards.ts, not cast; packages load lazily one
 * way, with `await import()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asRecord, isPlainObject, isRecord, ownPropertyOf, propertyOf } from '../src/util/guards.js';

const src = fileURLToPath(new URL('../src', import.meta.url));

/** Every TypeScript file under src/, as [path relative to src/, text]. */
function sources(): Array<[string, string]> {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(src, f), 'utf8')]);
}

/** `file:line  text` of each line of src/ that matches, except in the files allowed to. */
function offenders(pattern: RegExp, allowed: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const [file, text] of sources()) {
    if (allowed.includes(file)) continue;
    text.split('\n').forEach((line, i) => {
      if (pattern.test(line)) found.push(`${file}:${i + 1}  ${line.trim()}`);
    });
  }
  return found;
}

describe('source rules', () => {
  it('reads src/ (the rules below would pass on nothing)', () => {
    const files = sources().map(([f]) => f);
    expect(files).toContain(join('util', 'guards.ts'));
    expect(files).toContain(join('mcp', 'arguments.ts'));
    expect(files.length).toBeGreaterThan(100);
  });

  it('no cast to Record<string, unknown> outside util/guards.ts: use isRecord, asRecord, propertyOf or a document type', () => {
    expect(offenders(/\bas\s+(?:unknown\s+as\s+)?(?:Readonly<\s*)?Record<\s*string\s*,\s*unknown\s*>/, [join('util', 'guards.ts')])).toEqual([]);
  });

  it('no createRequire: packages load lazily with await import()', () => {
    expect(offenders(/\bcreateRequire\b/)).toEqual([]);
  });
});

describe('narrow guards', () => {
  it('isRecord and asRecord accept a JSON object only: not null, an array or a primitive', () => {
    const record = { a: 1 };
    expect(isRecord(record)).toBe(true);
    expect(asRecord(record)).toBe(record);
    for (const other of [null, undefined, [1], 'text', 3, true]) {
      expect(isRecord(other)).toBe(false);
      expect(asRecord(other)).toBeUndefined();
    }
  });

  it('isPlainObject refuses what is an object but not JSON: a Date, a Map, a class instance', () => {
    expect(isPlainObject({ a: 1 })).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const other of [new Date(0), new Map(), new (class Thing {})(), [], null]) expect(isPlainObject(other)).toBe(false);
  });

  it('propertyOf reads a key of an object or an array; ownPropertyOf only an own key, never an inherited member', () => {
    expect(propertyOf({ a: 1 }, 'a')).toBe(1);
    expect(propertyOf(['x', 'y'], '1')).toBe('y');
    expect(ownPropertyOf({ a: 1 }, 'a')).toBe(1);
    expect(ownPropertyOf(['x', 'y'], '1')).toBe('y');
    expect(ownPropertyOf({ a: 1 }, 'constructor')).toBeUndefined();
    expect(ownPropertyOf({ a: 1 }, '__proto__')).toBeUndefined();
    expect(ownPropertyOf(JSON.parse('{"__proto__": 5}'), '__proto__')).toBe(5);
    for (const other of [null, undefined, 'text', 7]) expect(ownPropertyOf(other, 'length')).toBeUndefined();
  });
});
