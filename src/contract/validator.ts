/**
 * Compiling JSON Schema 2020-12 (what `dialect.ts` makes of OpenAPI schemas) with ajv, and turning
 * ajv's errors into what a failed check reports: the JSON path, the rule, what was expected and
 * the value, bounded.
 *
 * `pattern` runs on RE2 (linear time), like every regex of the engine: a description's pattern
 * cannot hang a check, whatever the response. A pattern RE2 cannot run (a lookahead, a
 * backreference) is not checked, and the compile result says which, so the command can warn.
 */
import type { Ajv2020 as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { jsonPreview } from '../util/json.js';
import { appendPath, pointerToJsonPath } from '../document/json-path.js';
import { loadSelectionEngines } from '../selection/engines.js';
import { compileLinearRegex } from '../selection/regex.js';
import { truncateForMessage } from '../util/truncate.js';

/** A compiled schema: undefined when the value is valid, else its violations (at most MAX_VIOLATIONS). */
export type SchemaCheck = (value: unknown) => readonly Violation[] | undefined;

export interface Violation {
  /** JSON path of the offending value, from `$` (the checked value). */
  readonly path: string;
  /** The JSON Schema keyword that failed (`required`, `type`, `enum`, `format`, …). */
  readonly rule: string;
  /** What the schema wants, in words. */
  readonly expected?: string;
  /** The offending value as compact JSON, bounded; absent for a missing property. */
  readonly value?: string;
  /** ajv's wording, e.g. "must be integer". */
  readonly detail: string;
}

export interface Compiled {
  readonly check: SchemaCheck;
  /** Patterns of the schema RE2 cannot run; they are not checked. */
  readonly uncheckedPatterns: readonly string[];
}

/** Violations reported per value: the first ones say what broke; a thousand more say nothing new. */
export const MAX_VIOLATIONS = 5;
/** Characters of an offending value quoted. */
export const VALUE_MAX = 120;

interface Validators {
  /** Plain validation: response and request bodies; every error, with its data (what a finding quotes). */
  readonly plain: AjvClass;
  /**
   * The same without collecting errors: it stops at the first one and builds no error objects, and
   * its generated code is about half the size. Bodies are checked with it first; `plain` runs only
   * on a body found invalid, to say everything that is wrong with it.
   */
  readonly lean: AjvClass;
  /** Parameters and headers arrive as text: "42" is the integer 42 (ajv `coerceTypes: 'array'`). */
  readonly coercing: AjvClass;
}

let validators: Promise<Validators> | undefined;
/** The patterns RE2 refused during the compile in progress (compiling is synchronous). */
let refused: string[] | undefined;

/**
 * The `pattern` engine. RE2 (linear time) for every pattern, with one shortcut: a pattern whose
 * backtracking is bounded by its shape (see `boundedBacktracking`) runs on the native engine for
 * strings of at most NATIVE_MAX characters, where its worst case is a few thousand steps. A
 * pattern RE2 cannot run matches everything and is remembered, instead of failing the whole schema.
 */
const lenientRe2 = Object.assign(
  (pattern: string) => {
    let re: { test(text: string): boolean };
    try {
      re = compileLinearRegex(pattern);
    } catch {
      refused?.push(pattern);
      return { test: () => true, toString: () => `/${pattern}/u` };
    }
    const native = boundedBacktracking(pattern) ? new RegExp(pattern, 'u') : undefined;
    return {
      test: native ? (text: string) => (text.length <= NATIVE_MAX ? native.test(text) : re.test(text)) : (text: string) => re.test(text),
      toString: () => `/${pattern}/u`,
    };
  },
  { code: 'lenientRe2' },
);

/** Strings up to this length may run on the native engine (for a pattern `boundedBacktracking` accepts). */
const NATIVE_MAX = 256;
/** The most combinations the bounded quantifiers of such a pattern may make. */
const NATIVE_COMBINATIONS = 64;

/**
 * Whether a backtracking engine runs `pattern` in time linear in the input, times a small constant:
 * anchored at both ends (`^…$`), no alternation, no quantified group, no lookaround or
 * backreference, at most one unbounded quantifier (`*`, `+`, `{n,}`), and bounded ones (`?`,
 * `{n,m}`) that together allow at most NATIVE_COMBINATIONS ways of splitting the input. Typical API
 * patterns qualify (`^sku-[0-9]+$`, `^[A-Z]{3}$`, `^\d{4}-\d{2}-\d{2}$`); anything else keeps RE2.
 */
export function boundedBacktracking(pattern: string): boolean {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) return false;
  let unbounded = 0;
  let combinations = 1;
  let afterGroup = false;
  for (let i = 1; i < pattern.length - 1; i++) {
    const c = pattern[i] as string;
    const wasGroup = afterGroup;
    afterGroup = false;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9k]/.test(n)) return false; // a backreference
      i++;
      continue;
    }
    if (c === '[') {
      // Skip the class (in ECMAScript `[]` is an empty class and `[^]` any character).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      if (j >= pattern.length - 1) return false;
      i = j;
      continue;
    }
    if (c === '|') return false;
    if (c === '(') {
      if (pattern[i + 1] === '?' && pattern[i + 2] !== ':') return false; // lookaround, named group
      continue;
    }
    if (c === ')') {
      afterGroup = true;
      continue;
    }
    let bounded: number | undefined;
    if (c === '*' || c === '+') bounded = undefined;
    else if (c === '?') bounded = 2;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!m) continue; // a literal brace
      i += m[0].length - 1;
      if (m[2] !== undefined && m[3] === '') bounded = undefined;
      else bounded = m[3] !== undefined ? Number(m[3]) - Number(m[1]) + 1 : 1;
    } else continue;
    if (wasGroup) return false; // a quantified group
    if (pattern[i + 1] === '?') i++; // lazy: same bound
    if (bounded === undefined) {
      if (++unbounded > 1) return false;
    } else {
      combinations *= Math.max(1, bounded);
      if (combinations > NATIVE_COMBINATIONS) return false;
    }
  }
  return true;
}

/** Load ajv, its formats and RE2 once per process. */
export function loadValidators(): Promise<Validators> {
  validators ??= (async () => {
    const [{ Ajv2020 }, formats] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats'), loadSelectionEngines({ regex: true })]);
    const addFormats = (formats as unknown as { default: (ajv: AjvClass) => void }).default;
    const make = (extra: Options): AjvClass => {
      const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true, validateSchema: false, logger: false, code: { regExp: lenientRe2 }, ...extra });
      addFormats(ajv);
      addOpenApiFormats(ajv);
      return ajv;
    };
    return { plain: make({}), lean: make({ allErrors: false, verbose: false, messages: false }), coercing: make({ coerceTypes: 'array' }) };
  })();
  return validators;
}

/** The OpenAPI data type formats (3.0 "Data Types"; 2.0 the same), beyond JSON Schema's. */
function addOpenApiFormats(ajv: AjvClass): void {
  const INT32 = 2 ** 31;
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 });
  // JSON numbers past 2^53 lose precision in any parser: accept every integer.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', { type: 'string', validate: (s: string) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) });
  for (const name of ['binary', 'password']) ajv.addFormat(name, { type: 'string', validate: () => true });
}

/**
 * Compile a JSON Schema 2020-12 root. `coerce`: the value arrives as text (a parameter, a header)
 * and is checked as the server would read it. Throws ajv's error when the schema is unusable.
 */
export function compileSchema(v: Validators, schema: unknown, coerce = false): Compiled {
  refused = [];
  try {
    let check: SchemaCheck;
    let uncheckedPatterns: readonly string[];
    if (coerce) {
      const validate = v.coercing.compile(schema as object);
      uncheckedPatterns = refused;
      check = (value) => (validate(value) ? undefined : violations(validate.errors ?? []));
    } else {
      // Most bodies are valid: the lean validator says so; the one that collects every error is
      // compiled the first time a body is not.
      const valid = v.lean.compile(schema as object);
      uncheckedPatterns = refused;
      let explain: ValidateFunction | undefined;
      check = (value) => {
        if (valid(value)) return undefined;
        explain ??= v.plain.compile(schema as object);
        return explain(value) ? undefined : violations(explain.errors ?? []);
      };
    }
    if (coerce) {
      // A parameter or header is text, and the same text comes back step after step (an API
      // version, a trace id, a rate limit): the last text found valid is not validated again.
      let lastValid: string | undefined;
      const full = check;
      check = (value) => {
        if (typeof value !== 'string') return full(value);
        if (value === lastValid) return undefined;
        const found = full(value);
        if (!found) lastValid = value;
        return found;
      };
    }
    return { check, uncheckedPatterns };
  } finally {
    refused = undefined;
  }
}

/** ajv errors → violations: the specific ones, without the scaffolding of `if`, `anyOf` and nullable. */
function violations(errors: readonly ErrorObject[]): Violation[] {
  const specific = errors.filter((e) => !NOISE.has(e.keyword) && !(e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null'));
  const chosen = specific.length > 0 ? specific : errors.filter((e) => e.keyword !== 'if');
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const e of chosen.length > 0 ? chosen : errors) {
    const v = violation(e);
    const key = `${v.path}\u0000${v.rule}\u0000${v.expected ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
    if (out.length >= MAX_VIOLATIONS) break;
  }
  return out;
}

/** Keywords that only say "a branch below failed"; the branch's own error says what. */
const NOISE = new Set(['if', 'anyOf', 'oneOf', 'allOf', 'then', 'else']);

function violation(e: ErrorObject): Violation {
  const params: Record<string, unknown> = e.params;
  let path = pointerToJsonPath(e.instancePath);
  let value: string | undefined = preview(e.data);
  let expected: string | undefined;
  switch (e.keyword) {
    case 'required':
      path = appendPath(path, String(params.missingProperty));
      value = undefined;
      expected = 'present';
      break;
    case 'type':
      expected = Array.isArray(params.type) ? params.type.join(' or ') : String(params.type);
      break;
    case 'enum':
      expected = `one of ${bounded(params.allowedValues)}`;
      break;
    case 'const':
      expected = bounded(params.allowedValue);
      break;
    case 'format':
      expected = `format ${String(params.format)}`;
      break;
    case 'pattern':
      expected = `pattern ${String(params.pattern)}`;
      break;
    case 'additionalProperties':
    case 'unevaluatedProperties':
      path = appendPath(path, String(params.additionalProperty ?? params.unevaluatedProperty));
      value = undefined;
      expected = 'no such property';
      break;
    default:
      if (typeof params.comparison === 'string' && params.limit !== undefined) expected = `${params.comparison} ${String(params.limit)}`;
      else if (params.limit !== undefined) expected = `${e.keyword} ${String(params.limit)}`;
  }
  return {
    path,
    rule: e.keyword,
    ...(expected !== undefined ? { expected } : {}),
    ...(value !== undefined ? { value } : {}),
    detail: e.message ?? `fails ${e.keyword}`,
  };
}

function bounded(value: unknown): string {
  return truncateForMessage(jsonPreview(value, VALUE_MAX) ?? String(value), VALUE_MAX);
}

/** A value quoted in a finding: compact JSON, at most VALUE_MAX characters (the engine masks secrets in it). */
export function preview(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return bounded(value);
}
