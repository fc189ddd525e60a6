/**
 * `regex` criteria (P11).
 *
 * Dialect: ECMA-262 (JavaScript `RegExp`) with the `u` flag, no other flags. The pattern is searched
 * for in the context (a match anywhere passes; anchor with `^…$` to match the whole value).
 *
 * Context: strings are used as they are; numbers and booleans as their string form; objects and
 * arrays as their JSON text. A null or undefined context fails (1.1 MUST), with the reason reported.
 *
 * Bounds — JavaScript regular expressions backtrack and cannot be interrupted, so instead of a
 * timer we bound the two things that make a match slow:
 * 1. Patterns are checked when the document is loaded. A pattern with a nested unbounded quantifier
 *    — a group repeated with `*`, `+` or `{n,}` that itself contains `*`, `+` or `{n,}`, such as
 *    `(a+)+`, `(\w*)*` or `(?:x+y?)*` — is rejected with CRITERION_SYNTAX, because such patterns
 *    can take exponential time. Rewrite them without the nesting (`a+`, `\w*`).
 * 2. The input is capped at 1 MiB (1,048,576 UTF-16 code units) of text; a longer context fails
 *    the criterion with a message instead of being matched.
 * Not detected: overlapping alternatives under a quantifier (`(a|a)*`); keep alternatives distinct.
 *
 * 1.1: `{$…}` expressions in the pattern are evaluated and substituted (unescaped) before matching;
 * such patterns are compiled per distinct substituted text, with the same checks.
 */
import { ArazzoError } from '../errors.js';

/** Largest context, in UTF-16 code units, a regex criterion is matched against. */
export const REGEX_MAX_INPUT = 1024 * 1024;

/** Returns a message when `pattern` has a nested unbounded quantifier, with the offset of the outer group. */
export function findNestedQuantifier(pattern: string): { offset: number; message: string } | undefined {
  interface Group {
    start: number;
    innerUnbounded: boolean;
  }
  const stack: Group[] = [];
  let i = 0;
  let top: Group = { start: -1, innerUnbounded: false };
  const quantifierAt = (pos: number): { unbounded: boolean; length: number } | undefined => {
    const c = pattern[pos];
    if (c === '*' || c === '+') return { unbounded: true, length: 1 };
    if (c === '?') return { unbounded: false, length: 1 };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(pos));
      if (m) return { unbounded: m[2] !== undefined && m[3] === '', length: m[0].length };
    }
    return undefined;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      i += 2;
      const q = quantifierAt(i);
      if (q?.unbounded) top.innerUnbounded = true;
      continue;
    }
    if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      const q = quantifierAt(i);
      if (q?.unbounded) top.innerUnbounded = true;
      continue;
    }
    if (c === '(') {
      stack.push(top);
      top = { start: i, innerUnbounded: false };
      i++;
      continue;
    }
    if (c === ')') {
      const closed = top;
      top = stack.pop() ?? { start: -1, innerUnbounded: false };
      i++;
      const q = quantifierAt(i);
      if (q?.unbounded && closed.innerUnbounded) {
        return {
          offset: closed.start,
          message: `the group at offset ${closed.start} repeats something that already repeats (e.g. "(a+)+"), which can take exponential time; remove the nesting`,
        };
      }
      if (closed.innerUnbounded || q?.unbounded) top.innerUnbounded = true;
      continue;
    }
    const q = quantifierAt(i + 1);
    if (q?.unbounded) top.innerUnbounded = true;
    i++;
  }
  return undefined;
}

/** Compiles a pattern with the `u` flag after the nested-quantifier check; throws CRITERION_SYNTAX. */
export function compileRegex(pattern: string): RegExp {
  const nested = findNestedQuantifier(pattern);
  if (nested) {
    throw new ArazzoError('CRITERION_SYNTAX', `Regex /${pattern}/ is rejected: ${nested.message}.`, { offset: nested.offset });
  }
  try {
    return new RegExp(pattern, 'u');
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ArazzoError('CRITERION_SYNTAX', `Regex /${pattern}/ is not a valid ECMA-262 pattern with the "u" flag: ${detail}.`, {});
  }
}

/** The string a regex runs against, or an error message when the context cannot be used. */
export function regexInput(value: unknown): { text: string } | { error: string } {
  if (value === undefined || value === null) return { error: 'the context resolved to nothing (null or missing)' };
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text.length > REGEX_MAX_INPUT) {
    return { error: `the context is ${text.length} characters long, more than the regex limit of ${REGEX_MAX_INPUT}` };
  }
  return { text };
}
