/** Limits on what a parsed text may hold, shared by the YAML reader and JSON sources. */
import { propertyOf } from '../util/guards.js';

/** Alias expansions allowed per document; yaml counts nested expansions, so a bomb trips it at once. */
export const MAX_ALIAS_COUNT = 1000;
/** Deepest nesting of mappings and lists accepted. Real descriptions stay far below (< 64). */
export const MAX_DEPTH = 256;

/** The path (keys and indexes) to the first value nested deeper than `max`, without recursion. */
export function firstTooDeep(data: unknown, max: number): Array<string | number> | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  interface Entry {
    readonly value: object;
    readonly depth: number;
    readonly key: string | number;
    readonly up: Entry | undefined;
  }
  const stack: Entry[] = [{ value: data, depth: 0, key: '', up: undefined }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    if (entry.depth >= max) {
      const path: Array<string | number> = [];
      for (let e: Entry | undefined = entry; e?.up; e = e.up) path.unshift(e.key);
      return path;
    }
    const { value } = entry;
    const depth = entry.depth + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (child !== null && typeof child === 'object') stack.push({ value: child, depth, key: i, up: entry });
      }
    } else {
      for (const key of Object.keys(value)) {
        const child = propertyOf(value, key);
        if (child !== null && typeof child === 'object') stack.push({ value: child, depth, key, up: entry });
      }
    }
  }
  return undefined;
}
