/**
 * JSON paths as problems report them: `$.workflows[0].steps[1].operationId`, with the bracket
 * form `$['x-key']` for keys that are not plain identifiers.
 */
import { unescapePointerToken } from '../selection/json-pointer.js';

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Append one segment (a key or an array index) to a JSON path. */
export function appendPath(path: string, segment: PathSegment): string {
  if (typeof segment === 'number') return `${path}[${segment}]`;
  if (IDENTIFIER.test(segment)) return `${path}.${segment}`;
  return `${path}['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** Build a JSON path from segments: `jsonPath(['workflows', 0, 'steps'])` is `$.workflows[0].steps`. */
export function jsonPath(segments: readonly PathSegment[]): string {
  let path = '$';
  for (const segment of segments) path = appendPath(path, segment);
  return path;
}

/** Split a JSON path built by `jsonPath` back into segments. Returns undefined if it is not one. */
export function parseJsonPath(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const match = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(path.slice(i + 1));
      if (!match) return undefined;
      segments.push(match[0]);
      i += 1 + match[0].length;
    } else if (ch === '[') {
      if (path[i + 1] === "'") {
        let j = i + 2;
        let key = '';
        while (j < path.length && path[j] !== "'") {
          if (path[j] === '\\' && j + 1 < path.length) {
            key += path[j + 1];
            j += 2;
          } else {
            key += path[j];
            j += 1;
          }
        }
        if (path[j] !== "'" || path[j + 1] !== ']') return undefined;
        segments.push(key);
        i = j + 2;
      } else {
        const match = /^\[(\d+)\]/.exec(path.slice(i));
        if (!match) return undefined;
        segments.push(Number(match[1]));
        i += match[0].length;
      }
    } else {
      return undefined;
    }
  }
  return segments;
}

/** JSON Pointer (as ajv reports `instancePath`) to JSON path. */
export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  const segments = pointer
    .slice(1)
    .split('/')
    .map(unescapePointerToken)
    .map((token): PathSegment => (/^(0|[1-9]\d*)$/.test(token) ? Number(token) : token));
  return jsonPath(segments);
}
