/**
 * Regular expressions that cannot hang: ECMA-262 patterns run on RE2 (re2js), whose matching time
 * is linear in the input.
 *
 * A pattern is read as ECMA-262 with the `u` flag (the dialect of regex criteria, P11, and of JSON
 * Schema `pattern`): it is first checked by JavaScript's own parser, so its syntax errors are
 * ECMA-262's. It is then translated to RE2 syntax so that it matches the same strings:
 * - `.` excludes the ECMA-262 line terminators (`\n`, `\r`, U+2028, U+2029) unless the `s` flag
 *   is set; `\s` and `\S` use ECMA-262's white-space set (which includes U+00A0, U+FEFF, …);
 * - `\uXXXX`, `\u{X…}`, surrogate pairs, `\cX` and `\0` become RE2 code-point escapes;
 * - `\p{Script=Greek}`, `\p{General_Category=Lu}`, long category names (`\p{Letter}`) and
 *   `\p{ASCII}` are spelled the way RE2 knows them;
 * - named groups become plain groups (only whether the pattern matches matters).
 *
 * Refused, with a RegexSyntaxError that says why: backreferences (`\1`, `\k<name>`) and lookaround
 * (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`), which need a backtracking engine; and what RE2 cannot
 * represent, such as a repetition count above 1000 or `\p{Script_Extensions=…}`.
 *
 * Remaining differences from ECMA-262 (documented in the README): with the `m` flag, `^` and `$`
 * match around `\n` only (not `\r`, U+2028, U+2029); with the `i` flag, `\w` and `\b` stay ASCII
 * (ECMA-262 adds U+017F and U+212A).
 */
import type { EngineModules } from './engines.js';
import { engine } from './engines.js';

/** A compiled pattern: `test` searches the text (a match anywhere), in time linear in its length. */
export interface LinearRegex {
  readonly source: string;
  /** ECMA-262 flags, a subset of `ims` (`u` is implied). */
  readonly flags: string;
  test(text: string): boolean;
}

/** A pattern that is not valid ECMA-262, or that needs what a linear-time engine cannot do. */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset into the pattern, when known. */
    readonly offset: number | undefined,
    /** `syntax`: not ECMA-262; `backtracking`: needs backreferences or lookaround; `unsupported`: RE2 cannot represent it. */
    readonly reason: 'syntax' | 'backtracking' | 'unsupported',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RegexSyntaxError';
  }
}

/** ECMA-262 WhiteSpace and LineTerminator code points (what `\s` matches), as RE2 class members. */
const SPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** Everything `\S` matches, as RE2 class members (the complement of SPACE). */
const NOT_SPACE =
  '\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}';
const LINE_TERMINATORS = '\\n\\r\\x{2028}\\x{2029}';
const ANY = '\\x{0}-\\x{10FFFF}';

/** Long General_Category names (and aliases) to the short ones RE2 accepts. */
const CATEGORY: Record<string, string> = {
  Letter: 'L',
  Cased_Letter: 'LC',
  Uppercase_Letter: 'Lu',
  Lowercase_Letter: 'Ll',
  Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm',
  Other_Letter: 'Lo',
  Mark: 'M',
  Combining_Mark: 'M',
  Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me',
  Number: 'N',
  Decimal_Number: 'Nd',
  digit: 'Nd',
  Letter_Number: 'Nl',
  Other_Number: 'No',
  Punctuation: 'P',
  punct: 'P',
  Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd',
  Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe',
  Initial_Punctuation: 'Pi',
  Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po',
  Symbol: 'S',
  Math_Symbol: 'Sm',
  Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk',
  Other_Symbol: 'So',
  Separator: 'Z',
  Space_Separator: 'Zs',
  Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp',
  Other: 'C',
  Control: 'Cc',
  cntrl: 'Cc',
  Format: 'Cf',
  Surrogate: 'Cs',
  Private_Use: 'Co',
  Unassigned: 'Cn',
};

const hex = (cp: number): string => `\\x{${cp.toString(16).toUpperCase()}}`;

/**
 * Translates an ECMA-262 `u`-mode pattern (already known to be valid) to RE2 syntax. With
 * `iRegexp`, `.` follows I-Regexp (RFC 9485: any character but `\n` and `\r`).
 */
export function translateToRe2(pattern: string, flags = '', options: { iRegexp?: boolean } = {}): string {
  const dotAll = flags.includes('s');
  const notDot = options.iRegexp ? '\\n\\r' : LINE_TERMINATORS;
  let out = '';
  let i = 0;
  const n = pattern.length;

  const backtracking = (what: string, at: number): never => {
    throw new RegexSyntaxError(
      `${what} at offset ${at} needs a backtracking regex engine; patterns run on a linear-time engine (RE2), which has no backreferences or lookaround. Rewrite the pattern without it`,
      at,
      'backtracking',
    );
  };

  /** Reads `\p{…}`/`\P{…}` at `i` (the backslash) and returns its RE2 spelling. */
  const property = (): string => {
    const negated = pattern[i + 1] === 'P';
    const close = pattern.indexOf('}', i + 3);
    const body = pattern.slice(i + 3, close);
    const at = i;
    i = close + 1;
    let name = body;
    const eq = body.indexOf('=');
    if (eq >= 0) {
      const key = body.slice(0, eq);
      const value = body.slice(eq + 1);
      if (key === 'Script' || key === 'sc') name = value;
      else if (key === 'General_Category' || key === 'gc') name = CATEGORY[value] ?? value;
      else {
        throw new RegexSyntaxError(
          `"\\${negated ? 'P' : 'p'}{${body}}" at offset ${at} is not supported by the linear-time regex engine (RE2 knows scripts and general categories, not ${key})`,
          at,
          'unsupported',
        );
      }
    } else {
      name = CATEGORY[body] ?? body;
    }
    if (name === 'ASCII') return negated ? '[^\\x{0}-\\x{7F}]' : '[\\x{0}-\\x{7F}]';
    return `\\${negated ? 'P' : 'p'}{${name}}`;
  };

  /** Reads a `\u…` escape at `i` and returns its code point (combining a surrogate pair). */
  const unicodeEscape = (): number => {
    if (pattern[i + 2] === '{') {
      const close = pattern.indexOf('}', i + 3);
      const cp = Number.parseInt(pattern.slice(i + 3, close), 16);
      i = close + 1;
      return cp;
    }
    const cp = Number.parseInt(pattern.slice(i + 2, i + 6), 16);
    i += 6;
    if (cp >= 0xd800 && cp <= 0xdbff && pattern[i] === '\\' && pattern[i + 1] === 'u' && pattern[i + 2] !== '{') {
      const low = Number.parseInt(pattern.slice(i + 2, i + 6), 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        i += 6;
        return 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      }
    }
    return cp;
  };

  /** Translates the escape at `i`; `inClass` gives class-member spellings. */
  const translateEscape = (inClass: boolean): string => {
    const c = pattern[i + 1]!;
    switch (c) {
      case 's':
        i += 2;
        return inClass ? SPACE : `[${SPACE}]`;
      case 'S':
        i += 2;
        return inClass ? NOT_SPACE : `[${NOT_SPACE}]`;
      case 'b':
        i += 2;
        return inClass ? '\\x{8}' : '\\b';
      case '0':
        i += 2;
        return '\\x{0}';
      case 'c': {
        const cp = pattern.charCodeAt(i + 2) % 32;
        i += 3;
        return hex(cp);
      }
      case 'u':
        return hex(unicodeEscape());
      case 'p':
      case 'P': {
        const p = property();
        // A negated or ASCII property spelled as a class cannot sit inside another class.
        if (inClass && p.startsWith('[')) return p.startsWith('[^') ? NOT_ASCII_MEMBERS : '\\x{0}-\\x{7F}';
        return p;
      }
      case 'k':
        return backtracking(`The backreference "${pattern.slice(i, pattern.indexOf('>', i) + 1)}"`, i);
      default:
        if (c >= '1' && c <= '9') {
          let j = i + 1;
          while (j < n && pattern[j]! >= '0' && pattern[j]! <= '9') j++;
          return backtracking(`The backreference "${pattern.slice(i, j)}"`, i);
        }
        i += 2;
        return `\\${c}`;
    }
  };

  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += translateEscape(false);
      continue;
    }
    if (c === '.') {
      out += dotAll ? `[${ANY}]` : `[^${notDot}]`;
      i++;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern[i + 2];
        if (kind === '=' || kind === '!') backtracking(`The lookahead "(?${kind}"`, i);
        if (kind === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!')) backtracking(`The lookbehind "(?<${pattern[i + 3]}"`, i);
        if (kind === '<') {
          // A named group: only whether the pattern matches matters, so it becomes a plain group.
          i = pattern.indexOf('>', i) + 1;
          out += '(';
          continue;
        }
      }
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      let members = '';
      const negated = pattern[j] === '^';
      if (negated) j++;
      i = j;
      while (i < n && pattern[i] !== ']') {
        const m = pattern[i]!;
        if (m === '\\') {
          members += translateEscape(true);
          continue;
        }
        members += m === '[' ? '\\[' : m;
        i++;
      }
      i++; // the closing ]
      if (members === '') out += negated ? `[${ANY}]` : `[^${ANY}]`;
      else out += `[${negated ? '^' : ''}${members}]`;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Class members for "not ASCII" (`\P{ASCII}` inside a class). */
const NOT_ASCII_MEMBERS = '\\x{80}-\\x{10FFFF}';

const FLAG_BITS = (re2: EngineModules['regex']['RE2JS'], flags: string): number =>
  (flags.includes('i') ? re2.CASE_INSENSITIVE : 0) | (flags.includes('m') ? re2.MULTILINE : 0);

/**
 * Compiles an ECMA-262 pattern (with the `u` flag, plus any of `ims`) to a linear-time matcher.
 * Throws RegexSyntaxError. Needs the `regex` engine (`loadSelectionEngines({ regex: true })`).
 */
export function compileLinearRegex(pattern: string, flags = '', options: { iRegexp?: boolean } = {}): LinearRegex {
  if (/[^ims]/.test(flags)) throw new RegexSyntaxError(`Unsupported regex flags "${flags}" (only i, m and s).`, undefined, 'syntax');
  try {
    new RegExp(pattern, `u${flags}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new RegexSyntaxError(`/${pattern}/ is not a valid ECMA-262 pattern with the "u" flag: ${detail}`, undefined, 'syntax', { cause: err });
  }
  const translated = translateToRe2(pattern, flags, options);
  const { RE2JS } = engine('regex');
  let re: InstanceType<typeof RE2JS>;
  try {
    re = RE2JS.compile(translated, FLAG_BITS(RE2JS, flags));
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '');
    throw new RegexSyntaxError(`/${pattern}/ cannot run on the linear-time regex engine (RE2): ${detail}`, undefined, 'unsupported', { cause: err });
  }
  return { source: pattern, flags, test: (text) => re.test(text) };
}

/** What ajv's `code.regExp` option takes: a factory plus the `code` standalone output refers to. */
export type AjvRegExpEngine = ((pattern: string, u: string) => { test(text: string): boolean }) & { code: string };

/**
 * The ajv `code.regExp` engine: JSON Schema `pattern` and `patternProperties` run on RE2, so a
 * hostile schema or input cannot hang validation. Use as `new Ajv({ code: { regExp: re2RegExp } })`
 * after `loadSelectionEngines({ regex: true })`. A pattern RE2 cannot run makes ajv's `compile`
 * throw with the reason. In standalone code the engine must be in scope as `re2RegExp`.
 */
export const re2RegExp: AjvRegExpEngine = Object.assign(
  (pattern: string, _u: string) => {
    const re = compileLinearRegex(pattern);
    return { test: (text: string) => re.test(text), toString: () => `/${pattern}/u` };
  },
  { code: 're2RegExp' },
);
