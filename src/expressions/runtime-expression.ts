/**
 * Runtime expressions (Arazzo 1.0.1 §Runtime Expressions, 1.1.0 grammar): parsed once into a small
 * AST, from which a closure is built; `evaluate(ctx)` does no string work and never throws — anything
 * missing yields `undefined`.
 *
 * Two scanning modes share one grammar:
 * - `whole`: the complete text must be one expression (`parseRuntimeExpression`, `{$…}` contents).
 *   The free-text parts of the grammar (a JSON Pointer after `#`, a `$sourceDescriptions` field)
 *   run to the end of the text.
 * - `embedded`: the longest valid expression starting at a position (simple conditions, P28 bare
 *   expressions in strings). Free text then stops at whitespace and at characters that end an
 *   operand (`( ) { } ' " = < > ! & | , ;`), and a trailing `.` is left out.
 *
 * Identifiers follow the 1.1 grammar in both versions: step, workflow and source ids are
 * `[A-Za-z0-9_-]+`, input/output/component names `[A-Za-z0-9._-]+` (so `$inputs.a.b` is the
 * input named `a.b`). Header names are RFC 9110 tokens, matched case-insensitively.
 *
 * Two spellings of other runners are read as the standard one, and marked on the expression
 * (`dialect`) for the loader to report (docs/dialects.md):
 * - `$steps.<id>.<name>` (no `.outputs.`) is `$steps.<id>.outputs.<name>`;
 * - a dot path into a body, `$response.body.a.b` or `$request.body.items[0].id`, is the JSON
 *   Pointer `#/a/b`. Not in simple conditions, where `.` and `[]` are operators on the body
 *   (`dotPaths: false`, the default of the embedded mode).
 */
import type { ArazzoVersion } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { escapePointerToken, getByTokens, parseJsonPointer } from '../selection/json-pointer.js';
import type { EvalContext, ExpressionDialect, ExpressionSyntaxIssue, MessageView, RuntimeExpression } from './types.js';
import type { ErrorCode } from '../error-codes.js';
import { suggest } from '../util/suggest.js';
import { ownPropertyOf as own } from '../util/guards.js';

export type ScanMode = 'whole' | 'embedded';

/** The roots an expression may start with (after `$`). */
export const RUNTIME_EXPRESSION_ROOTS: readonly string[] = [
  'url',
  'method',
  'statusCode',
  'request',
  'response',
  'inputs',
  'outputs',
  'steps',
  'workflows',
  'sourceDescriptions',
  'components',
  'self',
  'message',
];
const ROOT_SET = new Set(RUNTIME_EXPRESSION_ROOTS);

const ID_STRICT = /[A-Za-z0-9_-]/;
const IDENTIFIER = /[A-Za-z0-9._-]/;
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** Header tokens inside conditions and strings: without `! & ' |`, which end an operand there. */
const TCHAR_EMBEDDED = /[#$%*+\-.^_`~0-9A-Za-z]/;
const EMBEDDED_STOP = /[\s(){}'"=<>!&|,;]/;
const WORD_CHAR = /[A-Za-z0-9_]/;

/** Successful scan: the expression and the index just after it. */
export interface ExpressionMatch {
  readonly expression: RuntimeExpression;
  readonly end: number;
}

/** Result of `matchRuntimeExpression`. */
export type ScanResult = ({ ok: true } & ExpressionMatch) | ({ ok: false } & ExpressionSyntaxIssue);

class ScanFailure {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly offset: number,
  ) {}
}

interface Cursor {
  readonly text: string;
  pos: number;
  readonly mode: ScanMode;
  readonly version: ArazzoVersion;
  /** Read `$response.body.a.b` as a dot path into the body (a dialect). */
  readonly dotPaths: boolean;
}

/** Options of a scan. */
export interface ScanOptions {
  /**
   * Read a dot path after `$request.body` / `$response.body` (`$response.body.a.b`) as the JSON
   * Pointer `#/a/b`, marked as a dialect. Default: true in whole mode, false in embedded mode
   * (simple conditions apply `.` to the body themselves).
   */
  readonly dotPaths?: boolean;
}

/** Roots people write for a real one; the near-miss check suggests the real spelling. */
const ROOT_ALIASES: Readonly<Record<string, string>> = {
  body: '$response.body',
  header: '$response.header',
  headers: '$response.header',
  status: '$statusCode',
  statuscode: '$statusCode',
  status_code: '$statusCode',
  input: '$inputs',
  output: '$outputs',
  step: '$steps',
  workflow: '$workflows',
  source: '$sourceDescriptions',
  sources: '$sourceDescriptions',
  sourcedescription: '$sourceDescriptions',
  component: '$components',
};

/**
 * The root a misspelt one stands for (`respnse` → `$response`, `input` → `$inputs`, `body` →
 * `$response.body`, `statuscode` → `$statusCode`), or undefined when `word` is not close to any
 * root. `word` is the letters after `$`; a real root returns undefined.
 */
export function nearMissRoot(word: string): string | undefined {
  if (word === '' || ROOT_SET.has(word)) return undefined;
  const alias = ROOT_ALIASES[word.toLowerCase()];
  if (alias !== undefined) return alias;
  const close = suggest(word, RUNTIME_EXPRESSION_ROOTS);
  // Short words are too often plain text ($id, $ref, $USD): only a case slip counts for them.
  if (close === undefined || (word.length < 4 && close.toLowerCase() !== word.toLowerCase())) return undefined;
  return `$${close}`;
}

function fail(cur: Cursor, message: string, offset = cur.pos, code: ErrorCode = 'EXPRESSION_SYNTAX'): never {
  throw new ScanFailure(code, message, offset);
}

function readWhile(cur: Cursor, re: RegExp): string {
  const start = cur.pos;
  while (cur.pos < cur.text.length && re.test(cur.text[cur.pos]!)) cur.pos++;
  return cur.text.slice(start, cur.pos);
}

function describeChar(cur: Cursor): string {
  return cur.pos < cur.text.length ? `"${cur.text[cur.pos]}"` : 'the end of the text';
}

function expect(cur: Cursor, literal: string, what: string): void {
  if (cur.text.startsWith(literal, cur.pos)) {
    cur.pos += literal.length;
    return;
  }
  fail(cur, `Expected ${what} but found ${describeChar(cur)}.`);
}

/** A name made of identifier characters; in embedded mode a trailing `.` belongs to the text around. */
function readName(cur: Cursor, re: RegExp, what: string): string {
  const start = cur.pos;
  let name = readWhile(cur, re);
  if (cur.mode === 'embedded' && re === IDENTIFIER) {
    while (name.endsWith('.')) {
      name = name.slice(0, -1);
      cur.pos--;
    }
  }
  if (name === '') fail(cur, `Expected ${what} but found ${describeChar(cur)}.`, start);
  return name;
}

/** Free text to the end (whole mode) or to the next operand stop (embedded mode). */
function readFreeText(cur: Cursor): string {
  const start = cur.pos;
  if (cur.mode === 'whole') {
    cur.pos = cur.text.length;
  } else {
    while (cur.pos < cur.text.length && !EMBEDDED_STOP.test(cur.text[cur.pos]!)) cur.pos++;
  }
  const value = cur.text.slice(start, cur.pos);
  if (cur.version === '1.1') {
    const brace = value.search(/[{}]/);
    if (brace >= 0) fail(cur, 'Braces "{" and "}" are not allowed inside a runtime expression.', start + brace);
  }
  return value;
}

/** An optional `#` JSON Pointer; returns the parsed tokens, or undefined when there is no `#`. */
function readPointer(cur: Cursor): { text: string; tokens: string[] } | undefined {
  if (cur.text[cur.pos] !== '#') return undefined;
  cur.pos++;
  const start = cur.pos;
  let text = readFreeText(cur);
  if (cur.mode === 'embedded') {
    while (text.endsWith('.')) {
      text = text.slice(0, -1);
      cur.pos--;
    }
  }
  if (text !== '' && !text.startsWith('/')) {
    fail(cur, `A JSON Pointer after "#" must start with "/" (e.g. "#/id"), found "${text[0]}".`, start);
  }
  try {
    return { text, tokens: parseJsonPointer(text) };
  } catch (err) {
    const offset = err instanceof ArazzoError && typeof err.details?.['offset'] === 'number' ? (err.details['offset'] as number) : 0;
    return fail(cur, err instanceof Error ? err.message : String(err), start + offset);
  }
}

type Evaluator = (ctx: EvalContext) => unknown;

const DOT_NAME = /[A-Za-z0-9_-]/;

/** A dot path after a body (`.a.b`, `.items[0].id`), as the JSON Pointer it stands for. */
function readDotPath(cur: Cursor): { text: string; tokens: string[] } {
  const tokens: string[] = [];
  for (;;) {
    const ch = cur.text[cur.pos];
    if (ch === '.' && DOT_NAME.test(cur.text[cur.pos + 1] ?? '')) {
      cur.pos++;
      tokens.push(readWhile(cur, DOT_NAME));
    } else if (ch === '[' && /^\[\d+\]/.test(cur.text.slice(cur.pos, cur.pos + 12))) {
      const close = cur.text.indexOf(']', cur.pos);
      tokens.push(cur.text.slice(cur.pos + 1, close));
      cur.pos = close + 1;
    } else {
      break;
    }
  }
  return { text: `/${tokens.map(escapePointerToken).join('/')}`, tokens };
}

function withPointer(base: Evaluator, pointer: { tokens: string[] } | undefined): Evaluator {
  if (!pointer || pointer.tokens.length === 0) return base;
  const tokens = pointer.tokens;
  return (ctx) => {
    const value = base(ctx);
    return value === undefined ? undefined : getByTokens(value, tokens);
  };
}

interface Parsed {
  root: string;
  refId?: string;
  segments: string[];
  pointer?: string;
  dialect?: ExpressionDialect;
  evaluate: Evaluator;
}

function keywordBoundary(cur: Cursor, root: string): void {
  if (cur.mode === 'embedded' && cur.pos < cur.text.length && WORD_CHAR.test(cur.text[cur.pos]!)) {
    fail(cur, `Unknown runtime expression "$${root}${readWhile({ ...cur }, WORD_CHAR)}".`, cur.pos - root.length - 1);
  }
}

function parseMessageSource(cur: Cursor, which: 'request' | 'response'): Parsed {
  expect(cur, '.', `"." after "$${which}"`);
  const sourceStart = cur.pos;
  const source = readWhile(cur, /[A-Za-z]/);
  const pick = (ctx: EvalContext): MessageView | undefined => (which === 'request' ? ctx.request : ctx.response);
  switch (source) {
    case 'header': {
      expect(cur, '.', '"." after "header"');
      let name = readName(cur, cur.mode === 'whole' ? TCHAR : TCHAR_EMBEDDED, 'a header name');
      if (cur.mode === 'embedded') {
        while (name.length > 1 && name.endsWith('.')) {
          name = name.slice(0, -1);
          cur.pos--;
        }
      }
      const lower = name.toLowerCase();
      return { root: which, segments: [which, 'header', name], evaluate: (ctx) => own(pick(ctx)?.headers, lower) };
    }
    case 'query':
    case 'path': {
      if (which === 'response') fail(cur, `"$response.${source}" does not exist; a response has "header" and "body".`, sourceStart);
      expect(cur, '.', `"." after "${source}"`);
      const name =
        cur.mode === 'whole' ? readName(cur, /[^\s{}#]/, `a ${source} parameter name`) : readName(cur, /[A-Za-z0-9_.~-]/, `a ${source} parameter name`);
      return {
        root: which,
        segments: [which, source, name],
        evaluate: source === 'query' ? (ctx) => own(pick(ctx)?.query, name) : (ctx) => own(pick(ctx)?.path, name),
      };
    }
    case 'body': {
      let pointer = readPointer(cur);
      let dialect: ExpressionDialect | undefined;
      if (!pointer && cur.dotPaths && cur.text[cur.pos] === '.' && DOT_NAME.test(cur.text[cur.pos + 1] ?? '')) {
        pointer = readDotPath(cur);
        dialect = { kind: 'body-dot-path', standard: `$${which}.body#${pointer.text}` };
      }
      const base: Evaluator = (ctx) => pick(ctx)?.body;
      return {
        root: which,
        segments: [which, 'body'],
        ...(pointer ? { pointer: pointer.text } : {}),
        ...(dialect ? { dialect } : {}),
        evaluate: withPointer(base, pointer),
      };
    }
    default: {
      const expected = which === 'request' ? '"header.", "query.", "path." or "body"' : '"header." or "body"';
      const found = source || cur.text[cur.pos] || '';
      const close = suggest(source, which === 'request' ? ['header', 'query', 'path', 'body'] : ['header', 'body']);
      const hint = source && close ? ` Did you mean "$${which}.${close}"?` : '';
      return fail(cur, `"$${which}." must be followed by ${expected}, found "${found}".${hint}`, sourceStart);
    }
  }
}

function parseAfterRoot(cur: Cursor, root: string, rootStart: number): Parsed {
  switch (root) {
    case 'url':
      keywordBoundary(cur, root);
      return { root, segments: [root], evaluate: (ctx) => ctx.url };
    case 'method':
      keywordBoundary(cur, root);
      return { root, segments: [root], evaluate: (ctx) => ctx.method };
    case 'statusCode':
      keywordBoundary(cur, root);
      return { root, segments: [root], evaluate: (ctx) => ctx.statusCode };
    case 'self':
      if (cur.version === '1.0') fail(cur, '"$self" is an Arazzo 1.1 expression; it is not available in a 1.0 document.', rootStart);
      keywordBoundary(cur, root);
      return { root, segments: [root], evaluate: (ctx) => ctx.self };
    case 'message':
      return fail(cur, '"$message" expressions read AsyncAPI messages, which this engine does not support (P1).', rootStart, 'EXPRESSION_UNSUPPORTED');
    case 'request':
    case 'response':
      return parseMessageSource(cur, root);
    case 'inputs':
    case 'outputs': {
      expect(cur, '.', `"." after "$${root}"`);
      const name = readName(cur, IDENTIFIER, `an ${root === 'inputs' ? 'input' : 'output'} name ([A-Za-z0-9._-])`);
      const pointer = readPointer(cur);
      const base: Evaluator = root === 'inputs' ? (ctx) => own(ctx.inputs, name) : (ctx) => own(ctx.outputs, name);
      return { root, segments: [root, name], ...(pointer ? { pointer: pointer.text } : {}), evaluate: withPointer(base, pointer) };
    }
    case 'steps': {
      expect(cur, '.', '"." after "$steps"');
      const id = readName(cur, ID_STRICT, 'a step id ([A-Za-z0-9_-])');
      // `$steps.x.token`, another runner's `$steps.x.outputs.token`: read so, and marked (the
      // loader accepts it with a warning when step x declares the output, else reports it).
      const shorthand =
        !cur.text.startsWith('.outputs.', cur.pos) &&
        cur.text[cur.pos] === '.' &&
        IDENTIFIER.test(cur.text[cur.pos + 1] ?? '') &&
        !cur.text.startsWith('.outputs', cur.pos);
      if (shorthand) {
        cur.pos++;
      } else if (cur.text.startsWith('.outputs.', cur.pos)) {
        cur.pos += '.outputs.'.length;
      } else {
        const next = cur.text[cur.pos];
        const idHint = cur.mode === 'whole' && next !== undefined && next !== '.' ? ' Step ids in expressions use only A-Z, a-z, 0-9, "_" and "-".' : '';
        fail(cur, `Expected ".outputs.<name>" after "$steps.${id}".${idHint}`);
      }
      const name = readName(cur, IDENTIFIER, 'an output name ([A-Za-z0-9._-])');
      const pointer = readPointer(cur);
      const base: Evaluator = (ctx) => own(own(ctx.steps, id), name);
      return {
        root,
        refId: id,
        segments: [root, id, 'outputs', name],
        ...(pointer ? { pointer: pointer.text } : {}),
        ...(shorthand ? { dialect: { kind: 'step-outputs', standard: `$steps.${id}.outputs.${name}${pointer ? `#${pointer.text}` : ''}` } } : {}),
        evaluate: withPointer(base, pointer),
      };
    }
    case 'workflows': {
      expect(cur, '.', '"." after "$workflows"');
      const id = readName(cur, ID_STRICT, 'a workflow id ([A-Za-z0-9_-])');
      expect(cur, '.', `".inputs.", ".outputs." or ".steps." after "$workflows.${id}"`);
      const kindStart = cur.pos;
      const kind = readWhile(cur, /[A-Za-z]/);
      if (kind === 'steps') {
        expect(cur, '.', '"." after "steps"');
        const stepId = readName(cur, ID_STRICT, 'a step id ([A-Za-z0-9_-])');
        return { root, refId: id, segments: [root, id, 'steps', stepId], evaluate: () => undefined };
      }
      if (kind !== 'inputs' && kind !== 'outputs') {
        fail(cur, `Expected "inputs" or "outputs" after "$workflows.${id}.", found "${kind || cur.text[cur.pos] || ''}".`, kindStart);
      }
      expect(cur, '.', `"." after "${kind}"`);
      const name = readName(cur, IDENTIFIER, `a workflow ${kind === 'inputs' ? 'input' : 'output'} name ([A-Za-z0-9._-])`);
      const pointer = readPointer(cur);
      const base: Evaluator = (ctx) => own(own(own(ctx.workflows, id), kind), name);
      return {
        root,
        refId: id,
        segments: [root, id, kind, name],
        ...(pointer ? { pointer: pointer.text } : {}),
        evaluate: withPointer(base, pointer),
      };
    }
    case 'sourceDescriptions': {
      expect(cur, '.', '"." after "$sourceDescriptions"');
      const name = readName(cur, ID_STRICT, 'a source description name ([A-Za-z0-9_-])');
      expect(cur, '.', `"." and a field or operation/workflow id after "$sourceDescriptions.${name}"`);
      const fieldStart = cur.pos;
      const field = cur.mode === 'whole' ? readFreeText(cur) : readName(cur, IDENTIFIER, 'a field, operationId or workflowId');
      if (field === '') fail(cur, `Expected a field, operationId or workflowId after "$sourceDescriptions.${name}.".`, fieldStart);
      return { root, refId: name, segments: [root, name, field], evaluate: (ctx) => own(own(ctx.sourceDescriptions, name), field) };
    }
    case 'components': {
      expect(cur, '.', '"." after "$components"');
      const kindStart = cur.pos;
      const kind = readWhile(cur, /[A-Za-z]/);
      const kinds = cur.version === '1.0' ? ['inputs', 'parameters', 'successActions', 'failureActions'] : ['parameters', 'successActions', 'failureActions'];
      if (!kinds.includes(kind)) {
        fail(cur, `Expected one of ${kinds.map((k) => `"${k}"`).join(', ')} after "$components.", found "${kind || cur.text[cur.pos] || ''}".`, kindStart);
      }
      expect(cur, '.', `"." after "$components.${kind}"`);
      const key = readName(cur, IDENTIFIER, 'a component key ([A-Za-z0-9._-])');
      return { root, segments: [root, kind, key], evaluate: (ctx) => own(own(ctx.components, kind), key) };
    }
    default:
      return fail(cur, `Unknown runtime expression root "$${root}".`, rootStart);
  }
}

function makeExpression(text: string, parsed: Parsed): RuntimeExpression {
  const expr: RuntimeExpression = {
    text,
    root: parsed.root,
    ...(parsed.refId !== undefined ? { refId: parsed.refId } : {}),
    segments: parsed.segments,
    ...(parsed.pointer !== undefined ? { pointer: parsed.pointer } : {}),
    ...(parsed.dialect !== undefined ? { dialect: parsed.dialect } : {}),
    evaluate: parsed.evaluate,
  };
  return expr;
}

function scan(text: string, start: number, version: ArazzoVersion, mode: ScanMode, options: ScanOptions = {}): ScanResult {
  const cur: Cursor = { text, pos: start, mode, version, dotPaths: options.dotPaths ?? mode === 'whole' };
  try {
    if (text[start] !== '$') fail(cur, `A runtime expression starts with "$", found ${describeChar(cur)}.`);
    cur.pos++;
    const rootStart = start;
    const root = readWhile(cur, /[A-Za-z]/);
    if (!ROOT_SET.has(root)) {
      const close = nearMissRoot(root);
      fail(
        cur,
        `Unknown runtime expression "$${root}${root ? '' : (text[cur.pos] ?? '')}"; ${close ? `did you mean "${close}"? Expected` : 'expected'} one of ${RUNTIME_EXPRESSION_ROOTS.map((r) => `$${r}`).join(', ')}.`,
        rootStart,
      );
    }
    const parsed = parseAfterRoot(cur, root, rootStart);
    if (mode === 'whole' && cur.pos < text.length) {
      fail(cur, `Unexpected ${describeChar(cur)} after the runtime expression "${text.slice(start, cur.pos)}".`);
    }
    return { ok: true, expression: makeExpression(text.slice(start, cur.pos), parsed), end: cur.pos };
  } catch (err) {
    if (err instanceof ScanFailure) return { ok: false, code: err.code, message: err.message, offset: err.offset };
    throw err;
  }
}

/**
 * Parses a string that must be exactly one runtime expression. Throws
 * `ArazzoError('EXPRESSION_SYNTAX' | 'EXPRESSION_UNSUPPORTED', message, { offset, expression })`.
 */
export function parseRuntimeExpression(text: string, version: ArazzoVersion = '1.1'): RuntimeExpression {
  const result = scan(text, 0, version, 'whole');
  if (result.ok) return result.expression;
  throw new ArazzoError(result.code, `${result.message} (in "${text}" at offset ${result.offset})`, { offset: result.offset, expression: text });
}

/** Like `parseRuntimeExpression` but returns the issue instead of throwing. */
export function tryParseRuntimeExpression(text: string, version: ArazzoVersion = '1.1'): ScanResult {
  return scan(text, 0, version, 'whole');
}

/**
 * The longest valid runtime expression starting at `start` in `text` (which must be at a `$`), in
 * embedded mode: used by simple conditions and P28 bare expressions. Offsets are indexes into `text`.
 */
export function matchRuntimeExpression(
  text: string,
  start: number,
  version: ArazzoVersion = '1.1',
  mode: ScanMode = 'embedded',
  options: ScanOptions = {},
): ScanResult {
  return scan(text, start, version, mode, options);
}

/** True when `text[index]` is `$` followed by a known root name (`$inputs`, `$steps`, …), not JSONPath `$.`/`$[`. */
export function startsRuntimeExpression(text: string, index: number): boolean {
  if (text[index] !== '$') return false;
  let end = index + 1;
  while (end < text.length && /[A-Za-z]/.test(text[end]!)) end++;
  return ROOT_SET.has(text.slice(index + 1, end));
}
