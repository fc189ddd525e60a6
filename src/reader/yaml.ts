/**
 * Turning YAML 1.2 or JSON text into plain data with the `yaml` package, safely: core schema only
 * (no custom tags, no YAML 1.1 `!!binary`/`!!timestamp`), unique string keys, a cap on alias
 * expansion (billion laughs) and on nesting depth. Positions are not kept: `locateYaml` parses the
 * text again, with a line counter, only when a problem has to be located.
 */
import type { ErrorCode } from '../error-codes.js';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

/** Alias expansions allowed per document; yaml counts nested expansions, so a bomb trips it at once. */
export const MAX_ALIAS_COUNT = 1000;
/** Deepest nesting of mappings and lists accepted. Real descriptions stay far below (< 64). */
export const MAX_DEPTH = 256;

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'core',
  resolveKnownTags: false,
  customTags: [],
  uniqueKeys: true,
  stringKeys: true,
  strict: true,
  prettyErrors: false,
};

export interface YamlProblem {
  /** YAML_SYNTAX, YAML_DUPLICATE_KEY, YAML_TAG_NOT_ALLOWED, YAML_KEY_NOT_SCALAR, YAML_ALIAS_LIMIT or DOCUMENT_TOO_DEEP. */
  readonly code: ErrorCode;
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

/** The text is not acceptable; `problems` is sorted by position, syntax echoes left out. */
export class YamlError extends Error {
  readonly problems: readonly YamlProblem[];
  constructor(problems: readonly YamlProblem[]) {
    super(problems[0]?.message ?? 'invalid YAML');
    this.name = 'YamlError';
    this.problems = problems;
  }
}

const SYNTAX: ErrorCode = 'YAML_SYNTAX';
/** The tags of the YAML 1.2 core schema (JSON-compatible values). */
const CORE_TAGS = new Set(['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq']);

/** Parse YAML 1.2 (JSON included) into plain data. Throws YamlError. */
export function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  };
  const problems: YamlProblem[] = [];
  for (const error of doc.errors) {
    const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    problems.push({ ...problemFor(error.code, message), ...at(error.pos[0]) });
  }
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = (/Unresolved tag: (\S+)/.exec(warning.message)?.[1] ?? 'this tag').replace('tag:yaml.org,2002:', '!!');
    const message = CORE_TAGS.has(tag)
      ? `The value tagged ${tag} is not a valid ${tag.slice(2)}; fix the value or remove the tag.`
      : `The YAML tag ${tag} is not allowed: documents hold plain JSON-compatible values. Remove the tag.`;
    problems.push({ code: 'YAML_TAG_NOT_ALLOWED', message, ...at(warning.pos[0]) });
  }
  if (problems.length > 0) throw new YamlError(withoutEchoes(problems));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let offset = 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    throw new YamlError([
      {
        code: 'YAML_ALIAS_LIMIT',
        message: `YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes, which only a resource-exhaustion attack (a "billion laughs" document) needs. Write the values out, or use fewer aliases.`,
        ...at(offset),
      },
    ]);
  }
  const tooDeep = firstTooDeep(data, MAX_DEPTH);
  if (tooDeep) throw new YamlError([{ ...tooDeepProblem(), ...(locateYaml(text, tooDeep) ?? { line: 1, column: 1 }) }]);
  return data;
}

function problemFor(code: string, message: string): { code: ErrorCode; message: string } {
  switch (code) {
    case 'DUPLICATE_KEY':
      return { code: 'YAML_DUPLICATE_KEY', message: 'Duplicate key: a mapping must not repeat a key. Remove or rename one of them.' };
    case 'NON_STRING_KEY':
      return { code: 'YAML_KEY_NOT_SCALAR', message: 'Mapping keys must be plain strings, not lists, mappings or tagged values.' };
    case 'RESOURCE_EXHAUSTION':
      // yaml catches the stack overflow of a very deeply nested document and reports it here.
      return tooDeepProblem();
    default:
      return { code: SYNTAX, message: `YAML/JSON syntax error: ${message}` };
  }
}

function tooDeepProblem(): { code: ErrorCode; message: string } {
  return {
    code: 'DOCUMENT_TOO_DEEP',
    message: `Mappings and lists are nested more than ${MAX_DEPTH} levels deep here (or an alias refers to its own ancestor); no real document needs that. Flatten the structure.`,
  };
}

/**
 * One slip (a wrong indentation) makes the parser lose its way and report every later line as
 * well. Only the first syntax error is reliable: keep it, and the other problems before it.
 */
function withoutEchoes(problems: YamlProblem[]): YamlProblem[] {
  const sorted = problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const first = sorted.findIndex((p) => p.code === SYNTAX || p.code === 'DOCUMENT_TOO_DEEP');
  return first < 0 ? sorted : sorted.slice(0, first + 1).filter((p, i) => i === first || p.code !== SYNTAX);
}

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
        const child: unknown = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') stack.push({ value: child, depth, key, up: entry });
      }
    }
  }
  return undefined;
}

export interface Position {
  line: number;
  column: number;
}

/**
 * A locator for `text`: the 1-based line and column of the key (or list item) at `segments`, or
 * of the deepest existing ancestor. The text is parsed again, with positions, on the first call.
 */
export function yamlLocator(text: string): (segments: ReadonlyArray<string | number>) => Position | undefined {
  let parsed: { doc: Document; lines: LineCounter } | undefined;
  return (segments) => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { doc: parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines };
    }
    return locateIn(parsed.doc, parsed.lines, segments);
  };
}

/** One-off `yamlLocator(text)(segments)`. */
export function locateYaml(text: string, segments: ReadonlyArray<string | number>): Position | undefined {
  return yamlLocator(text)(segments);
}

function locateIn(doc: Document, lines: LineCounter, segments: ReadonlyArray<string | number>): Position | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
