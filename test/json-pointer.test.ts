import { describe, expect, it } from 'vitest';
import { escapePointerToken, formatJsonPointer, getByPointer, parseJsonPointer, setByPointer } from '../src/selection/json-pointer.js';
import { errorOf } from './expect-helpers.js';

// RFC 6901 §5 example document.
const rfcDoc = {
  foo: ['bar', 'baz'],
  '': 0,
  'a/b': 1,
  'c%d': 2,
  'e^f': 3,
  'g|h': 4,
  'i\\j': 5,
  'k"l': 6,
  ' ': 7,
  'm~n': 8,
};

describe('parseJsonPointer', () => {
  it('splits and unescapes tokens (~1 before ~0, so "~01" is "~1")', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/')).toEqual(['']);
    expect(parseJsonPointer('/a~1b/m~0n/~01')).toEqual(['a/b', 'm~n', '~1']);
    expect(parseJsonPointer('/paths/~1pet~1findByStatus/get')).toEqual(['paths', '/pet/findByStatus', 'get']);
  });

  it('percent-decodes URI fragments and accepts a leading "#"', () => {
    expect(parseJsonPointer('#/c%25d', { fragment: true })).toEqual(['c%d']);
    expect(parseJsonPointer('#/a%20b/~1x', { fragment: true })).toEqual(['a b', '/x']);
    expect(parseJsonPointer('#', { fragment: true })).toEqual([]);
    // Without the fragment option, "%25" is literal text.
    expect(parseJsonPointer('/c%25d')).toEqual(['c%25d']);
  });

  it('rejects pointers that do not start with "/" and bad "~" escapes, with an offset', () => {
    const noSlash = errorOf(() => parseJsonPointer('foo'));
    expect(noSlash.code).toBe('JSON_POINTER_SYNTAX');
    expect(noSlash.details?.['offset']).toBe(0);
    const badTilde = errorOf(() => parseJsonPointer('/ok/m~2n'));
    expect(badTilde.code).toBe('JSON_POINTER_SYNTAX');
    expect(badTilde.details?.['offset']).toBe(5);
    expect(badTilde.message).toMatch(/~0.*~1/);
    expect(errorOf(() => parseJsonPointer('/bad~')).code).toBe('JSON_POINTER_SYNTAX');
    expect(errorOf(() => parseJsonPointer('#/%E0%A4%A', { fragment: true })).code).toBe('JSON_POINTER_SYNTAX');
  });

  it('round-trips through formatJsonPointer', () => {
    const tokens = ['a/b', 'm~n', '', '0'];
    expect(formatJsonPointer(tokens)).toBe('/a~1b/m~0n//0');
    expect(parseJsonPointer(formatJsonPointer(tokens))).toEqual(tokens);
    expect(escapePointerToken('~/')).toBe('~0~1');
  });
});

describe('getByPointer', () => {
  it('resolves every RFC 6901 §5 example', () => {
    expect(getByPointer(rfcDoc, '')).toBe(rfcDoc);
    expect(getByPointer(rfcDoc, '/foo')).toEqual(['bar', 'baz']);
    expect(getByPointer(rfcDoc, '/foo/0')).toBe('bar');
    expect(getByPointer(rfcDoc, '/')).toBe(0);
    expect(getByPointer(rfcDoc, '/a~1b')).toBe(1);
    expect(getByPointer(rfcDoc, '/c%d')).toBe(2);
    expect(getByPointer(rfcDoc, '/e^f')).toBe(3);
    expect(getByPointer(rfcDoc, '/g|h')).toBe(4);
    expect(getByPointer(rfcDoc, '/i\\j')).toBe(5);
    expect(getByPointer(rfcDoc, '/k"l')).toBe(6);
    expect(getByPointer(rfcDoc, '/ ')).toBe(7);
    expect(getByPointer(rfcDoc, '/m~0n')).toBe(8);
  });

  it('returns undefined for anything missing instead of throwing', () => {
    expect(getByPointer(rfcDoc, '/nope')).toBeUndefined();
    expect(getByPointer(rfcDoc, '/foo/2')).toBeUndefined();
    expect(getByPointer(rfcDoc, '/foo/-')).toBeUndefined();
    expect(getByPointer(rfcDoc, '/foo/01')).toBeUndefined();
    expect(getByPointer(rfcDoc, '/foo/0/x')).toBeUndefined();
    expect(getByPointer(null, '/a')).toBeUndefined();
    expect(getByPointer(rfcDoc, 'not-a-pointer')).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    expect(getByPointer({}, '/constructor')).toBeUndefined();
    expect(getByPointer({}, '/__proto__')).toBeUndefined();
    expect(getByPointer([], '/length')).toBeUndefined();
  });

  it('keeps null values distinct from missing ones', () => {
    expect(getByPointer({ a: null }, '/a')).toBeNull();
  });
});

describe('setByPointer (P17)', () => {
  it('replaces existing members and array items', () => {
    const doc = { petId: 1, items: [{ q: 1 }, { q: 2 }] };
    setByPointer(doc, '/petId', 42);
    setByPointer(doc, '/items/1/q', 9);
    expect(doc).toEqual({ petId: 42, items: [{ q: 1 }, { q: 9 }] });
  });

  it('creates missing object members, including intermediate objects', () => {
    const doc: Record<string, unknown> = {};
    setByPointer(doc, '/a/b/c', 'x');
    expect(doc).toEqual({ a: { b: { c: 'x' } } });
  });

  it('appends with "-" and requires other array indexes to exist', () => {
    const doc = { list: [1] };
    setByPointer(doc, '/list/-', 2);
    expect(doc.list).toEqual([1, 2]);
    const err = errorOf(() => setByPointer(doc, '/list/5', 3));
    expect(err.code).toBe('JSON_POINTER_TARGET');
    expect(err.message).toContain('"-"');
    expect(errorOf(() => setByPointer(doc, '/list/x', 3)).code).toBe('JSON_POINTER_TARGET');
  });

  it('rejects __proto__, constructor and prototype anywhere in the pointer', () => {
    for (const p of ['/__proto__/polluted', '/a/constructor', '/prototype']) {
      const err = errorOf(() => setByPointer({ a: {} }, p, 1));
      expect(err.code).toBe('JSON_POINTER_TARGET');
      expect(err.message).toContain('forbidden');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses to descend into a scalar', () => {
    const err = errorOf(() => setByPointer({ a: 5 }, '/a/b', 1));
    expect(err.code).toBe('JSON_POINTER_TARGET');
    expect(err.message).toContain('"/a"');
  });

  it('returns the new value for the empty pointer (whole-document replacement)', () => {
    expect(setByPointer({ a: 1 }, '', { b: 2 })).toEqual({ b: 2 });
  });
});
