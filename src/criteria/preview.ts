/**
 * A bounded JSON preview of a value for failure messages: at most `max` characters, then `…`.
 * It stops writing as soon as the budget is spent, so a huge or deeply nested value costs no more
 * than a short one (no recursion, no full serialisation).
 */
import { propertyOf } from '../util/guards.js';

export const PREVIEW_MAX = 200;

export function preview(value: unknown, max = PREVIEW_MAX): string {
  let out = '';
  // Work items: a value to write, or literal text (closing brackets, separators).
  const stack: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (stack.length > 0 && out.length <= max) {
    const item = stack.pop()!;
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const v = item.value;
    if (v === undefined) {
      out += 'nothing';
    } else if (v === null || typeof v !== 'object') {
      out += typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? JSON.stringify(v) : String(v);
    } else if (Array.isArray(v)) {
      out += '[';
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else {
      out += '{';
      stack.push({ text: '}' });
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: propertyOf(v, keys[i]!) });
        stack.push({ text: `${JSON.stringify(keys[i])}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    }
  }
  return out.length > max || stack.length > 0 ? `${out.slice(0, max)}…` : out;
}
