/**
 * A small, fast reader for the plain subset of YAML 1.2 that Arazzo and OpenAPI files are written
 * in: block mappings and sequences, single-line flow collections, plain and single-line quoted
 * scalars, literal and folded block scalars, comments. It exists for start-up speed: the `yaml`
 * package costs ~150 ms to load and warm up on a cold process, this reader a few milliseconds.
 *
 * It never guesses. Anything outside the subset (anchors, aliases, tags, directives, multi-line
 * plain or quoted scalars, multi-line flow collections, complex or duplicate keys, tabs, a lone CR, a
 * scalar the core schema would read as something other than a plain string, integer, decimal,
 * boolean or null, any syntax error) makes it return `undefined`, and the caller parses the text
 * with the `yaml` package, which also reports every error. A test checks that both give the same
 * data and positions on every YAML file the project ships or tests with.
 */

/** 0-based offset of a node (a mapping key's start, or a sequence item's start) and its children. */
export interface PositionNode {
  readonly at: number;
  readonly keys?: Map<string, PositionNode>;
  readonly items?: PositionNode[];
}

export interface FastYamlResult {
  readonly data: unknown;
  /** Present when positions were asked for; `at` is the root node's start. */
  readonly positions?: PositionNode;
}

class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported();
};

const INT = /^[-+]?[0-9]+$/;
const DECIMAL = /^[-+]?[0-9]+\.[0-9]+$/;
/** Everything else the core schema resolves to a number (octal, hex, exponents, .inf, .nan, `1.`, `.5`). */
const OTHER_NUMBER = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** Core-schema resolution of a plain scalar, or bail for the forms this reader does not take. */
function resolvePlain(text: string): unknown {
  switch (text) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  const first = text.charCodeAt(0);
  // Only texts starting with a digit, sign or dot can be numbers.
  if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46) {
    if (INT.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : bail();
    }
    if (DECIMAL.test(text)) return Number.parseFloat(text);
    if (OTHER_NUMBER.test(text)) bail();
  }
  return text;
}

const DOUBLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  '"': '"',
  '/': '/',
  '\\': '\\',
  ' ': ' ',
};

class Reader {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Leading spaces of each line, and whether it holds content (not blank, not a comment). */
  private readonly indents: number[] = [];
  private readonly hasContent: boolean[] = [];
  /** Current line, and the column its content starts at when a `- ` item put us mid-line (else -1). */
  private line = 0;
  private col = -1;

  constructor(
    private readonly text: string,
    private readonly withPositions: boolean,
  ) {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      // A CRLF line ends before its CR; offsets stay those of the original text.
      const end = nl < 0 ? text.length : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      this.starts.push(start);
      this.ends.push(end);
      this.indents.push(i - start);
      this.hasContent.push(i < end && text.charCodeAt(i) !== 35 /* # */);
      if (nl < 0) break;
      start = nl + 1;
    }
  }

  read(): FastYamlResult {
    const first = this.nextContentLine();
    if (first < 0) bail();
    const indent = this.indentOf(first);
    const content = this.starts[first]! + indent;
    const c = this.text[content];
    // A root flow collection (JSON, mostly) or a root scalar is not taken; a quoted first key is.
    if (c === '{' || c === '[' || ((c === '"' || c === "'") && this.keyEnd(content, this.ends[first]!) < 0)) bail();
    const [data, positions] = this.block(indent);
    if (this.nextContentLine() >= 0) bail();
    return this.withPositions ? { data, positions: positions! } : { data };
  }

  private indentOf(line: number): number {
    return this.indents[line]!;
  }

  /** The next line with content (skipping blank and comment lines) from the cursor, or -1. */
  private nextContentLine(): number {
    if (this.col >= 0) return this.line;
    for (let l = this.line; l < this.starts.length; l++) {
      if (this.hasContent[l]) {
        this.line = l;
        return l;
      }
    }
    this.line = this.starts.length;
    return -1;
  }

  /** Column where the content of the current line starts. */
  private contentCol(line: number): number {
    return this.line === line && this.col >= 0 ? this.col : this.indentOf(line);
  }

  private isSeqEntry(pos: number, end: number): boolean {
    return this.text[pos] === '-' && (pos + 1 === end || this.text[pos + 1] === ' ');
  }

  /** A block node whose first line's content starts at column `indent`. */
  private block(indent: number): [unknown, PositionNode | undefined] {
    const line = this.nextContentLine();
    const pos = this.starts[line]! + indent;
    if (this.isSeqEntry(pos, this.ends[line]!)) return this.sequence(indent);
    return this.mapping(indent);
  }

  private sequence(indent: number): [unknown[], PositionNode | undefined] {
    const out: unknown[] = [];
    const items: PositionNode[] | undefined = this.withPositions ? [] : undefined;
    let at = -1;
    for (;;) {
      const line = this.nextContentLine();
      if (line < 0) break;
      const col = this.contentCol(line);
      if (col < indent) break;
      if (col > indent) bail();
      const s = this.starts[line]! + col;
      const end = this.ends[line]!;
      if (!this.isSeqEntry(s, end)) break; // `key:` followed by a sequence at the key's own indentation
      if (at < 0) at = s;
      let p = s + 1;
      while (p < end && this.text.charCodeAt(p) === 32) p++;
      if (p === end || this.text[p] === '#') bail(); // `-` alone on its line
      const itemCol = p - this.starts[line]!;
      const [value, position] = this.inlineOrBlock(line, itemCol, indent);
      out.push(value);
      items?.push(position!);
    }
    return [out, items ? { at, items } : undefined];
  }

  /**
   * A value that starts at `col` of `line`, after `- `: a compact mapping or sequence (continuing on
   * the next lines at that column) or a single-line value.
   */
  private inlineOrBlock(line: number, col: number, parentIndent: number): [unknown, PositionNode | undefined] {
    const s = this.starts[line]! + col;
    const end = this.ends[line]!;
    if (this.isSeqEntry(s, end) || this.keyEnd(s, end) >= 0) {
      this.line = line;
      this.col = col;
      return this.block(col);
    }
    return this.value(s, end, line, parentIndent);
  }

  /**
   * If the text at `s` is `key:` (followed by a space or the end of the line), the offset of the
   * colon; -1 when it is not a mapping entry. Quoted keys are handled by the caller.
   */
  private keyEnd(s: number, end: number): number {
    const t = this.text;
    const c = t[s];
    if (c === '{' || c === '[' || c === '|' || c === '>') return -1;
    if (c === '"' || c === "'") {
      const close = c === '"' ? this.doubleQuoted(s, end) : this.singleQuoted(s, end);
      if (!close) return -1;
      const after = close[1];
      return t[after] === ':' && (after + 1 === end || t[after + 1] === ' ') ? after : -1;
    }
    // Native searches rather than a character loop: this runs once per line, mostly before the JIT warms up.
    // (on the line's own text, so a search never runs past the end of the line).
    const lineText = t.slice(s, end);
    const len = lineText.length;
    let colon = lineText.indexOf(':');
    while (colon >= 0 && colon + 1 !== len && lineText.charCodeAt(colon + 1) !== 32) colon = lineText.indexOf(':', colon + 1);
    if (colon < 0) return -1;
    const hash = lineText.indexOf(' #');
    return hash >= 0 && hash < colon ? -1 : s + colon;
  }

  private mapping(indent: number): [Record<string, unknown>, PositionNode | undefined] {
    const out: Record<string, unknown> = {};
    const keys: Map<string, PositionNode> | undefined = this.withPositions ? new Map() : undefined;
    let at = -1;
    for (;;) {
      const line = this.nextContentLine();
      if (line < 0) break;
      const col = this.contentCol(line);
      if (col < indent) break;
      if (col > indent) bail();
      this.col = -1;
      const s = this.starts[line]! + col;
      const end = this.ends[line]!;
      const colon = this.keyEnd(s, end);
      if (colon < 0) bail();
      if (at < 0) at = s;
      const key = this.key(s, colon, end);
      if (Object.hasOwn(out, key) || key === '__proto__') bail();
      let p = colon + 1;
      while (p < end && this.text.charCodeAt(p) === 32) p++;
      let value: unknown;
      let position: PositionNode | undefined;
      if (p === end || this.text[p] === '#') {
        // The value is on the next lines: more indented, or a sequence at this same indentation.
        this.line = line + 1;
        const next = this.nextContentLine();
        const nextIndent = next < 0 ? -1 : this.indentOf(next);
        if (next >= 0 && nextIndent > indent) {
          [value, position] = this.block(nextIndent);
        } else if (next >= 0 && nextIndent === indent && this.isSeqEntry(this.starts[next]! + indent, this.ends[next]!)) {
          [value, position] = this.sequence(indent);
        } else {
          value = null;
        }
      } else {
        [value, position] = this.value(p, end, line, indent);
      }
      out[key] = value;
      keys?.set(key, position ? { ...position, at: s } : { at: s });
    }
    return [out, keys ? { at, keys } : undefined];
  }

  /** The JS key for a mapping key written between `s` and the colon. */
  private key(s: number, colon: number, end: number): string {
    const t = this.text;
    const c = t[s];
    if (c === '"' || c === "'") {
      const q = c === '"' ? this.doubleQuoted(s, end) : this.singleQuoted(s, end);
      return q![0];
    }
    const raw = t.slice(s, colon).trimEnd();
    if (raw === '' || '-?:,[]{}#&*!|>%@`'.includes(raw[0]!) || raw === '<<') bail();
    const resolved = resolvePlain(raw);
    if (typeof resolved === 'string') return resolved;
    return resolved !== null && String(resolved) === raw ? raw : bail(); // `1.50:` would be key "1.5"; leave such cases to yaml
  }

  /**
   * A value starting at offset `s` on `line` (ending at `end`): block scalar, flow collection,
   * quoted or plain scalar. Consumes the line (and a block scalar's lines).
   */
  private value(s: number, end: number, line: number, parentIndent: number): [unknown, PositionNode | undefined] {
    const t = this.text;
    const c = t[s]!;
    this.col = -1;
    this.line = line + 1;
    if (c === '|' || c === '>') return [this.blockScalar(s, end, parentIndent), this.withPositions ? { at: s } : undefined];
    if (c === '{' || c === '[') {
      const flow = new FlowReader(t, s, end, this.withPositions);
      const result = flow.value();
      this.expectLineEnd(flow.pos, end);
      this.noContinuation(parentIndent);
      return result;
    }
    if (c === '"' || c === "'") {
      const q = c === '"' ? this.doubleQuoted(s, end) : this.singleQuoted(s, end);
      if (!q) bail();
      this.expectLineEnd(q![1], end);
      this.noContinuation(parentIndent);
      return [q![0], this.withPositions ? { at: s } : undefined];
    }
    if ('&*!%@`,]}'.includes(c)) bail();
    if ((c === '-' || c === '?' || c === ':') && (s + 1 === end || t[s + 1] === ' ')) bail();
    const lineText = t.slice(s, end);
    const hash = lineText.indexOf(' #');
    const stop = hash >= 0 ? hash : lineText.length;
    const nested = lineText.indexOf(': ');
    if ((nested >= 0 && nested < stop) || (hash < 0 && lineText.charCodeAt(lineText.length - 1) === 58)) bail(); // `a: b: c`
    const raw = lineText.slice(0, stop).trimEnd();
    this.noContinuation(parentIndent);
    return [resolvePlain(raw), this.withPositions ? { at: s } : undefined];
  }

  /** A scalar followed by a more-indented line: a multi-line scalar or an error, not taken. */
  private noContinuation(parentIndent: number): void {
    const next = this.nextContentLine();
    if (next >= 0 && this.indentOf(next) > parentIndent) bail();
  }

  private expectLineEnd(pos: number, end: number): void {
    let p = pos;
    while (p < end && this.text.charCodeAt(p) === 32) p++;
    if (p < end && !(this.text[p] === '#' && p > pos)) bail();
  }

  /** Single-quoted scalar on one line: [value, offset after the closing quote]. */
  private singleQuoted(s: number, end: number): [string, number] | undefined {
    const t = this.text;
    let out = '';
    let from = s + 1;
    for (let i = s + 1; i < end; i++) {
      if (t[i] !== "'") continue;
      if (t[i + 1] === "'" && i + 1 < end) {
        out += t.slice(from, i + 1);
        i++;
        from = i + 1;
        continue;
      }
      return [out + t.slice(from, i), i + 1];
    }
    return undefined;
  }

  private doubleQuoted(s: number, end: number): [string, number] | undefined {
    return readDoubleQuoted(this.text, s, end);
  }

  /** `|` or `>` with optional `-` chomping; content more indented than `parentIndent`. */
  private blockScalar(s: number, end: number, parentIndent: number): string {
    const t = this.text;
    const folded = t[s] === '>';
    let p = s + 1;
    let strip = false;
    if (t[p] === '-') {
      strip = true;
      p++;
    }
    this.expectLineEnd(p, end);
    if (p < end && t[p] !== ' ' && t[p] !== '#') bail(); // `+` keep chomping or an indentation indicator
    const lines: string[] = [];
    let contentIndent = -1;
    let l = this.line;
    for (; l < this.starts.length; l++) {
      const ls = this.starts[l]!;
      const le = this.ends[l]!;
      const ind = this.indentOf(l);
      if (ls + ind === le) {
        // Whitespace-only line: part of the scalar unless it ends it; longer than the indent is content we do not take.
        if (contentIndent < 0 || ind > contentIndent) bail();
        lines.push('');
        continue;
      }
      if (contentIndent < 0) {
        if (ind <= parentIndent) bail(); // an empty block scalar
        contentIndent = ind;
      }
      if (ind < contentIndent) break;
      if (folded && ind > contentIndent) bail(); // more-indented lines keep their breaks when folded
      lines.push(t.slice(ls + contentIndent, le));
    }
    if (contentIndent < 0) bail();
    // Trailing blank lines belong to chomping, and the next node starts after them.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const body = lines.slice(0, last);
    this.line = l;
    this.col = -1;
    let text: string;
    if (!folded) {
      text = body.join('\n');
    } else {
      text = '';
      let blanks = 0;
      body.forEach((lineText, i) => {
        if (lineText === '') {
          blanks++;
          return;
        }
        if (i > 0) text += blanks > 0 ? '\n'.repeat(blanks) : ' ';
        blanks = 0;
        text += lineText;
      });
    }
    return strip || text === '' ? text : `${text}\n`;
  }
}

function readDoubleQuoted(t: string, s: number, end: number): [string, number] | undefined {
  let out = '';
  let from = s + 1;
  for (let i = s + 1; i < end; i++) {
    const ch = t[i];
    if (ch === '"') return [out + t.slice(from, i), i + 1];
    if (ch !== '\\') continue;
    out += t.slice(from, i);
    const e = t[i + 1];
    if (e === undefined || i + 1 >= end) return undefined;
    if (e === 'u' || e === 'x') {
      const n = e === 'u' ? 4 : 2;
      const hex = t.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) bail();
      const code = Number.parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) bail(); // surrogate pairs: leave to yaml
      out += String.fromCharCode(code);
      i += 1 + n;
    } else {
      const mapped = DOUBLE_ESCAPES[e];
      if (mapped === undefined) bail();
      out += mapped;
      i += 1;
    }
    from = i + 1;
  }
  return undefined;
}

/** A flow collection that opens and closes on one line. */
class FlowReader {
  pos: number;

  constructor(
    private readonly t: string,
    start: number,
    private readonly end: number,
    private readonly withPositions: boolean,
  ) {
    this.pos = start;
  }

  private skip(): void {
    while (this.pos < this.end && this.t.charCodeAt(this.pos) === 32) this.pos++;
  }

  value(): [unknown, PositionNode | undefined] {
    this.skip();
    const at = this.pos;
    const c = this.t[at];
    if (c === '{') return this.map();
    if (c === '[') return this.seq();
    if (c === '"' || c === "'") return [this.quoted(), this.withPositions ? { at } : undefined];
    return [resolvePlain(this.plain()), this.withPositions ? { at } : undefined];
  }

  private quoted(): string {
    const t = this.t;
    const s = this.pos;
    if (t[s] === '"') {
      const q = readDoubleQuoted(t, s, this.end);
      if (!q) bail();
      this.pos = q![1];
      return q![0];
    }
    for (let i = s + 1; i < this.end; i++) {
      if (t[i] !== "'") continue;
      if (t[i + 1] === "'" && i + 1 < this.end) {
        i++;
        continue;
      }
      this.pos = i + 1;
      return t.slice(s + 1, i).replace(/''/g, "'");
    }
    return bail();
  }

  /** A plain scalar in flow context: up to `,`, `]`, `}`, ` #` or `: `. */
  private plain(): string {
    const t = this.t;
    const s = this.pos;
    const c = t[s];
    if (c === undefined || '&*!%@`,?:-#|>]}'.includes(c)) {
      if (!(c === '-' && /[0-9.]/.test(t[s + 1] ?? ''))) bail();
    }
    let i = s;
    for (; i < this.end; i++) {
      const ch = t[i];
      if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
      if (ch === '#' && t[i - 1] === ' ') bail();
      if (ch === ':' && (t[i + 1] === ' ' || t[i + 1] === ',' || t[i + 1] === ']' || t[i + 1] === '}' || i + 1 === this.end)) break;
    }
    this.pos = i;
    return t.slice(s, i).trimEnd();
  }

  private map(): [Record<string, unknown>, PositionNode | undefined] {
    const out: Record<string, unknown> = {};
    const keys: Map<string, PositionNode> | undefined = this.withPositions ? new Map() : undefined;
    const at = this.pos;
    this.pos++;
    this.skip();
    if (this.t[this.pos] === '}') {
      this.pos++;
      return [out, keys ? { at, keys } : undefined];
    }
    for (;;) {
      this.skip();
      const keyAt = this.pos;
      const c = this.t[keyAt];
      let key: string;
      if (c === '"' || c === "'") {
        key = this.quoted();
      } else {
        const raw = this.plain();
        if (raw === '' || raw === '<<') bail();
        const resolved = resolvePlain(raw);
        key = typeof resolved === 'string' ? resolved : resolved !== null && String(resolved) === raw ? raw : bail();
      }
      if (this.t[this.pos] !== ':' || this.t[this.pos + 1] !== ' ') bail();
      this.pos += 2;
      if (Object.hasOwn(out, key) || key === '__proto__') bail();
      this.skip();
      if (this.t[this.pos] === ',' || this.t[this.pos] === '}') bail(); // `{ a: }`
      const [value, position] = this.value();
      out[key] = value;
      keys?.set(key, position ? { ...position, at: keyAt } : { at: keyAt });
      this.skip();
      const sep = this.t[this.pos];
      this.pos++;
      if (sep === '}') break;
      if (sep !== ',') bail();
      this.skip();
      if (this.t[this.pos] === '}') bail(); // trailing comma
    }
    return [out, keys ? { at, keys } : undefined];
  }

  private seq(): [unknown[], PositionNode | undefined] {
    const out: unknown[] = [];
    const items: PositionNode[] | undefined = this.withPositions ? [] : undefined;
    const at = this.pos;
    this.pos++;
    this.skip();
    if (this.t[this.pos] === ']') {
      this.pos++;
      return [out, items ? { at, items } : undefined];
    }
    for (;;) {
      const [value, position] = this.value();
      out.push(value);
      items?.push(position!);
      this.skip();
      const sep = this.t[this.pos];
      this.pos++;
      if (sep === ']') break;
      if (sep !== ',') bail(); // also `[a: b]`, a single-pair mapping
      this.skip();
      if (this.t[this.pos] === ']') bail();
    }
    return [out, items ? { at, items } : undefined];
  }
}

/**
 * Parse `text` if it is within the subset; `undefined` otherwise (the caller then uses `yaml`).
 * With `withPositions`, also the offsets `locate` needs.
 */
export function fastParseYaml(text: string, withPositions = false): FastYamlResult | undefined {
  if (text.includes('\t') || /\r(?!\n)/.test(text) || text.charCodeAt(0) === 0xfeff) return undefined;
  if (/^(?:---|\.\.\.)(?:[ \n]|$)|^%/m.test(text)) return undefined;
  try {
    return new Reader(text, withPositions).read();
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/** Offset of the deepest existing node along `segments` (JSON path segments), as `yaml`'s ranges give it. */
export function locateOffset(root: PositionNode, segments: ReadonlyArray<string | number>): number {
  let node = root;
  for (const segment of segments) {
    const next = node.keys ? node.keys.get(String(segment)) : node.items && typeof segment === 'number' ? node.items[segment] : undefined;
    if (!next) break;
    node = next;
  }
  return node.at;
}

/** 1-based line and column of an offset (as yaml's LineCounter computes them). */
export function lineColumn(text: string, lineStarts: number[] | undefined, offset: number): { line: number; column: number; starts: number[] } {
  const starts = lineStarts ?? computeLineStarts(text);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1, starts };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

// ---- JSON documents ----

/** One JSON token: whitespace, string, punctuation, or a literal (number, true, false, null). */
const JSON_TOKEN = /[ \n\r]+|"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^ \n\r{}[\]:,"]+/y;

interface JsonFrame {
  readonly node: { at: number; keys?: Map<string, PositionNode>; items?: PositionNode[] };
  /** Object frames: the key read and where it starts, until its value arrives. */
  key?: string;
  keyAt?: number;
  keyEnd?: number;
}

/**
 * A JSON document (an object or array at the root): data from `JSON.parse`, positions and the
 * duplicate-key check from one token scan. `undefined` (the yaml package reads it) for invalid
 * JSON, duplicate keys, tabs, a key longer than YAML's 1024-character implicit-key limit or one
 * whose `:` is on a later line, so results stay those of the yaml package.
 */
export function fastParseJson(text: string, withPositions = false): FastYamlResult | undefined {
  if (text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const first = text.search(/\S/);
  if (first < 0 || (text[first] !== '{' && text[first] !== '[')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const stack: JsonFrame[] = [];
  let root: PositionNode | undefined;
  /** Attach a value starting at `at` to its parent; returns its node. */
  const place = (node: JsonFrame['node']): void => {
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = node;
      return;
    }
    if (parent.node.items) parent.node.items.push(node);
    else {
      parent.node.keys!.set(parent.key!, { ...node, at: parent.keyAt! });
      // Containers are filled after being placed: keep the placed copy in sync by sharing the collections.
      parent.key = undefined;
    }
  };
  JSON_TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    JSON_TOKEN.lastIndex = pos;
    const m = JSON_TOKEN.exec(text);
    if (!m) return undefined;
    const token = m[0];
    const at = pos;
    pos += token.length;
    const c = token[0]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === ',') continue;
    const frame = stack[stack.length - 1];
    if (c === ':') {
      if (frame && frame.keyEnd !== undefined && text.slice(frame.keyEnd, at).includes('\n')) return undefined;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      continue;
    }
    if (frame?.node.keys && frame.key === undefined) {
      // A key.
      const key = JSON.parse(token) as string;
      if (token.length > 1024 || frame.node.keys.has(key) || key === '__proto__') return undefined;
      frame.key = key;
      frame.keyAt = at;
      frame.keyEnd = pos;
      frame.node.keys.set(key, { at }); // reserve: a duplicate later is caught even before its value
      continue;
    }
    if (c === '{' || c === '[') {
      const node = c === '{' ? { at, keys: new Map<string, PositionNode>() } : { at, items: [] as PositionNode[] };
      place(node);
      stack.push({ node });
      continue;
    }
    place({ at });
  }
  return withPositions ? { data, positions: root! } : { data };
}
