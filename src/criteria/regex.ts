/**
 * `regex` criteria (P11).
 *
 * Dialect: ECMA-262 with the `u` flag. The pattern is searched for in the context (a match anywhere
 * passes; anchor with `^…$` to match the whole value).
 *
 * Context: strings are used as they are; numbers and booleans as their string form; objects and
 * arrays as their JSON text. A null or undefined context fails (1.1 MUST), with the reason reported.
 *
 * Bounds: patterns run on a linear-time engine (RE2, src/selection/regex.ts), so no pattern can
 * hang a run, whatever the input. A pattern that needs backtracking (backreferences, lookaround)
 * is refused at load with CRITERION_SYNTAX. The input is capped at 1 MiB (1,048,576 UTF-16 code
 * units) of text; a longer context fails the criterion with a message instead of being matched.
 *
 * Dialect accepted with a warning (DIALECT_REGEX_INLINE_FLAGS): a leading inline flag group as
 * other runners write it, `(?i)`, `(?m)`, `(?s)` or a combination such as `(?is)`, which ECMA-262
 * cannot spell inside a pattern; it sets the matching ECMA-262 flags.
 *
 * 1.1: `{$…}` expressions in the pattern are evaluated and substituted (unescaped) before matching;
 * such patterns are compiled per distinct substituted text, with the same checks.
 */
import { ArazzoError } from '../errors.js';
import { compileLinearRegex, type LinearRegex, RegexSyntaxError } from '../selection/regex.js';
import type { ConditionWarning } from './condition.js';

/** Largest context, in UTF-16 code units, a regex criterion is matched against. */
export const REGEX_MAX_INPUT = 1024 * 1024;

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/** A leading `(?ims)` group split off the pattern: the flags it sets and the rest of the pattern. */
export function splitInlineFlags(pattern: string): { pattern: string; flags: string; group?: string } {
  const m = INLINE_FLAGS.exec(pattern);
  if (!m) return { pattern, flags: '' };
  const flags = [...new Set(m[1]!)].sort().join('');
  return { pattern: pattern.slice(m[0].length), flags, group: m[0] };
}

/** The DIALECT_REGEX_INLINE_FLAGS warning for a pattern that starts with an inline flag group, if it does. */
export function inlineFlagsWarning(pattern: string): ConditionWarning | undefined {
  const split = splitInlineFlags(pattern);
  if (!split.group) return undefined;
  const names: Record<string, string> = { i: 'i (ignore case)', m: 'm (multiline)', s: 's (dotAll)' };
  const standard: Record<string, string> = {
    i: 'spell both cases, e.g. [Rr]unning',
    m: 'match line boundaries with (?:^|\\n) and (?:\\n|$)',
    s: 'write [\\s\\S] where "." must also match a line break',
  };
  const flags = [...split.flags];
  return {
    code: 'DIALECT_REGEX_INLINE_FLAGS',
    message: `Regex "${pattern}" starts with the inline flag group "${split.group}", which ECMA-262 (the regex dialect, P11) does not have; it is read as the ECMA-262 flag${flags.length > 1 ? 's' : ''} ${flags.map((f) => names[f]).join(', ')} applied to /${split.pattern}/. ECMA-262 cannot set flags inside a pattern; the standard form is to ${flags.map((f) => standard[f]).join('; ')}.`,
  };
}

/** Compiles a pattern (a leading inline flag group sets flags) for linear-time matching; throws CRITERION_SYNTAX. */
export function compileRegex(pattern: string): LinearRegex {
  const split = splitInlineFlags(pattern);
  try {
    return compileLinearRegex(split.pattern, split.flags);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    const offset = err.offset !== undefined ? err.offset + (split.group?.length ?? 0) : undefined;
    throw new ArazzoError(
      'CRITERION_SYNTAX',
      `Regex ${err.message.startsWith('/') ? err.message : `/${pattern}/: ${err.message}`}.`,
      { ...(offset !== undefined ? { offset } : {}) },
      { cause: err },
    );
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
