/**
 * JSON Pointer (RFC 6901): parsing, reading and writing.
 *
 * - `parseJsonPointer('/a~1b/0')` → `['a/b', '0']`. With `{ fragment: true }` the text is a URI
 *   fragment (`#/paths/~1pet/get`): a leading `#` is allowed and `%XX` escapes are decoded first.
 * - `getByPointer` never throws: anything missing (or a malformed pointer) yields `undefined`.
 * - `setByPointer` follows P17: a missing object member is created, an array index must exist (or
 *   be `-`, which appends), and the keys `__proto__`, `constructor` and `prototype` are rejected.
 */
import { ArazzoError } from '../errors.js';
import { isRecord, propertyOf } from '../util/guards.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

export interface ParseJsonPointerOptions {
  /** Treat the text as a URI fragment: allow a leading `#` and percent-decode before unescaping. */
  readonly fragment?: boolean;
}

/** Splits a pointer into unescaped reference tokens. Throws `ArazzoError('JSON_POINTER_SYNTAX')`. */
export function parseJsonPointer(pointer: string, options: ParseJsonPointerOptions = {}): string[] {
  let text = pointer;
  if (options.fragment) {
    if (text.startsWith('#')) text = text.slice(1);
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new ArazzoError('JSON_POINTER_SYNTAX', `JSON Pointer "${pointer}" has an invalid percent-encoding; encode "%" as "%25".`, {
        pointer,
      });
    }
  }
  if (text === '') return [];
  if (!text.startsWith('/')) {
    throw new ArazzoError('JSON_POINTER_SYNTAX', `JSON Pointer "${pointer}" must be empty or start with "/".`, { pointer, offset: 0 });
  }
  const tokens = text.slice(1).split('/');
  let offset = 1;
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i]!;
    const bad = /~(?![01])/.exec(raw);
    if (bad) {
      throw new ArazzoError('JSON_POINTER_SYNTAX', `JSON Pointer "${pointer}" has "~" not followed by 0 or 1; write "~0" for "~" and "~1" for "/".`, {
        pointer,
        offset: offset + bad.index,
      });
    }
    tokens[i] = unescapePointerToken(raw);
    offset += raw.length + 1;
  }
  return tokens;
}

/** Unescapes one reference token (`~1` → `/`, `~0` → `~`). */
export function unescapePointerToken(token: string): string {
  return token.includes('~') ? token.replace(/~1/g, '/').replace(/~0/g, '~') : token;
}

/** Escapes one reference token (`~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a pointer from unescaped tokens. */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join('');
}

/** Reads the value at already-parsed tokens; `undefined` when any step is missing. */
export function getByTokens(value: unknown, tokens: readonly string[]): unknown {
  let current: unknown = value;
  for (const token of tokens) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      const index = Number(token);
      if (index >= current.length) return undefined;
      current = current[index];
    } else {
      if (!Object.hasOwn(current, token)) return undefined;
      current = propertyOf(current, token);
    }
  }
  return current;
}

/** Reads the value at `pointer` inside `value`; `undefined` when missing or when the pointer is malformed. */
export function getByPointer(value: unknown, pointer: string | readonly string[]): unknown {
  if (typeof pointer !== 'string') return getByTokens(value, pointer);
  let tokens: string[];
  try {
    tokens = parseJsonPointer(pointer);
  } catch {
    return undefined;
  }
  return getByTokens(value, tokens);
}

/**
 * Writes `newValue` at `pointer` inside `target` (mutating it) and returns the (possibly new) root:
 * the empty pointer replaces the whole document. Throws `ArazzoError('JSON_POINTER_TARGET')` when
 * the location cannot be written (P17).
 */
export function setByPointer(target: unknown, pointer: string | readonly string[], newValue: unknown): unknown {
  const tokens = typeof pointer === 'string' ? parseJsonPointer(pointer) : pointer;
  const shown = typeof pointer === 'string' ? pointer : formatJsonPointer(pointer);
  if (tokens.length === 0) return newValue;
  for (const token of tokens) {
    if (FORBIDDEN_KEYS.has(token)) {
      throw new ArazzoError('JSON_POINTER_TARGET', `JSON Pointer "${shown}" uses the forbidden key "${token}".`, { pointer: shown });
    }
  }
  let current: unknown = target;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const last = i === tokens.length - 1;
    const where = formatJsonPointer(tokens.slice(0, i));
    if (current === null || typeof current !== 'object') {
      throw new ArazzoError('JSON_POINTER_TARGET', `JSON Pointer "${shown}": the value at "${where}" is not an object or array, so "${token}" cannot be set.`, {
        pointer: shown,
      });
    }
    if (Array.isArray(current)) {
      let index: number;
      if (token === '-') {
        index = current.length;
        if (!last) {
          current.push({});
        }
      } else if (ARRAY_INDEX.test(token) && Number(token) < current.length) {
        index = Number(token);
      } else {
        throw new ArazzoError(
          'JSON_POINTER_TARGET',
          `JSON Pointer "${shown}": index "${token}" does not exist in the array at "${where}" (length ${current.length}); use "-" to append.`,
          { pointer: shown },
        );
      }
      if (last) {
        current[index] = newValue;
        return target;
      }
      current = current[index];
    } else if (isRecord(current)) {
      const record = current;
      if (last) {
        record[token] = newValue;
        return target;
      }
      if (!Object.hasOwn(record, token) || record[token] === undefined) {
        record[token] = {};
      }
      current = record[token];
    }
  }
  return target;
}
