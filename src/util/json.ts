/**
 * JSON text for what the CLI, the contract checks and the MCP server print and write (`--json`
 * report, HAR trace, values on progress lines), and for values quoted in the engine's messages.
 * `JSON.stringify` recurses and throws "Maximum call stack size exceeded" on a value a
 * few thousand levels deep, which any server can send; these functions give the same text
 * without recursion.
 */
import { propertyOf } from './guards.js';

/** `JSON.stringify(value, null, indent)`, for values of any depth. */
export function stringifyJson(value: unknown, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, null, indent);
  } catch (err) {
    // Only a stack overflow is retried; a cycle or a BigInt fails the same way below.
    if (!(err instanceof RangeError) || !/call stack/i.test(err.message)) throw err;
  }
  return serialize(value, indent, Infinity);
}

/**
 * The start of `value`'s compact JSON text: at least `max` characters of it when it is longer
 * (the caller truncates), all of it otherwise. Stops serialising once it has enough, so a
 * 50 MB value costs no more than a small one.
 */
export function jsonPreview(value: unknown, max: number): string | undefined {
  return serialize(value, undefined, max);
}

interface Frame {
  readonly value: object;
  readonly keys: readonly string[] | undefined;
  index: number;
  wrote: boolean;
  readonly depth: number;
}

/** An iterative JSON serialiser with JSON.stringify's rules for JSON-like values. */
export function serialize(root: unknown, indent: number | undefined, max: number): string | undefined {
  const gap = indent !== undefined && indent > 0 ? ' '.repeat(Math.min(10, Math.floor(indent))) : '';
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  const newline = (depth: number): void => {
    if (gap !== '') push(`\n${gap.repeat(depth)}`);
  };
  const ancestors = new Set<object>();
  const stack: Frame[] = [];

  /** Write a value, or open a container; false when the value is not serialisable (skipped). */
  const write = (raw: unknown, key: string, depth: number, inArray: boolean): boolean => {
    const value = prepare(raw, key);
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      if (inArray) push('null');
      return inArray;
    }
    if (value === null) push('null');
    else if (typeof value === 'string') push(JSON.stringify(value.length > max ? value.slice(0, max) : value));
    else if (typeof value === 'number') push(Number.isFinite(value) ? String(value) : 'null');
    else if (typeof value === 'boolean') push(value ? 'true' : 'false');
    else if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
    else {
      const obj = value as object;
      if (ancestors.has(obj)) throw new TypeError('Converting circular structure to JSON');
      ancestors.add(obj);
      const isArray = Array.isArray(obj);
      push(isArray ? '[' : '{');
      stack.push({ value: obj, keys: isArray ? undefined : Object.keys(obj), index: 0, wrote: false, depth: depth + 1 });
    }
    return true;
  };

  if (!write(root, '', 0, false)) return undefined;
  while (stack.length > 0 && length < max) {
    const frame = stack[stack.length - 1] as Frame;
    const size = frame.keys ? frame.keys.length : (frame.value as unknown[]).length;
    if (frame.index >= size) {
      stack.pop();
      ancestors.delete(frame.value);
      if (frame.wrote) newline(frame.depth - 1);
      push(frame.keys ? '}' : ']');
      continue;
    }
    const i = frame.index++;
    if (frame.keys) {
      const key = frame.keys[i] as string;
      const mark = parts.length;
      const before = length;
      if (frame.wrote) push(',');
      newline(frame.depth);
      push(`${JSON.stringify(key)}:${gap === '' ? '' : ' '}`);
      if (write(propertyOf(frame.value, key), key, frame.depth, false)) frame.wrote = true;
      else {
        // Skipped (undefined, a function): take back the separator and the key.
        parts.length = mark;
        length = before;
      }
    } else {
      if (frame.wrote) push(',');
      newline(frame.depth);
      write((frame.value as unknown[])[i], String(i), frame.depth, true);
      frame.wrote = true;
    }
  }
  return parts.join('');
}

/** What JSON.stringify serialises in place of a value: toJSON() results, unboxed primitives. */
function prepare(value: unknown, key: string): unknown {
  let v = value;
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  return v;
}
