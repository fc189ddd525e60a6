/**
 * Turning YAML 1.2 or JSON text into plain data with the `yaml` package, safely: core schema only
 * (no custom tags, no YAML 1.1 `!!binary`/`!!timestamp`), unique string keys, a cap on alias
 * expansion (billion laughs) and on nesting depth. No YAML nodes are kept: a document's positions
 * become a plain table (path → line, column), which the read cache can store with its data.
 */
import type { ErrorCode } from '../error-codes.js';
import { firstTooDeep, MAX_ALIAS_COUNT, MAX_DEPTH } from './limits.js';
import { locate, type Position, type PositionTable } from './positions.js';
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
  constructor(problems: readonly YamlProblem[], options?: ErrorOptions) {
    super(problems[0]?.message ?? 'invalid YAML', options);
    this.name = 'YamlError';
    this.problems = problems;
  }
}

const SYNTAX: ErrorCode = 'YAML_SYNTAX';
/** The tags of the YAML 1.2 core schema (JSON-compatible values). */
const CORE_TAGS = new Set(['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq']);

/** Parse YAML 1.2 (JSON included) into plain data. Throws YamlError. */
export function parseYaml(text: string): unknown {
  return parseChecked(text).data;
}

/** parseYaml, and the position of every key and list item. Throws YamlError. */
export function parseYamlWithPositions(text: string): { data: unknown; positions: PositionTable } {
  const { data, doc, lineCounter } = parseChecked(text);
  return { data, positions: positionTable(doc, lineCounter) };
}

function parseChecked(text: string): { data: unknown; doc: Document; lineCounter: LineCounter } {
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
    throw new YamlError(
      [
        {
          code: 'YAML_ALIAS_LIMIT',
          message: `YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes, which only a resource-exhaustion attack (a "billion laughs" document) needs. Write the values out, or use fewer aliases.`,
          ...at(offset),
        },
      ],
      { cause: error },
    );
  }
  const tooDeep = firstTooDeep(data, MAX_DEPTH);
  if (tooDeep) throw new YamlError([{ ...tooDeepProblem(), ...(locate(positionTable(doc, lineCounter), tooDeep) ?? { line: 1, column: 1 }) }]);
  return { data, doc, lineCounter };
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

/** The table of a parsed document, without recursion. */
function positionTable(doc: Document, lines: LineCounter): PositionTable {
  const table: PositionTable = {};
  const at = (offset: number): readonly [number, number] => {
    const { line, col } = lines.linePos(offset);
    return [line, col];
  };
  const root = doc.contents as (Node & { range?: [number, number, number] }) | null;
  if (!root?.range) return table;
  table[''] = at(root.range[0]);
  const pending: Array<{ node: unknown; key: string }> = [{ node: root, key: '' }];
  while (pending.length > 0) {
    const { node, key } = pending.pop()!;
    const prefix = key === '' ? '' : `${key}\u0000`;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const child = `${prefix}${String(pair.key.value)}`;
        const range = (pair.key as { range?: [number, number, number] }).range;
        if (range) table[child] = at(range[0]);
        pending.push({ node: pair.value, key: child });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${prefix}${i}`;
        const range = (item as { range?: [number, number, number] } | null)?.range;
        if (range) table[child] = at(range[0]);
        pending.push({ node: item, key: child });
      });
    }
  }
  return table;
}

/** The position of `segments` in `text` (parsed again, for a rare error message). */
export function locateYaml(text: string, segments: ReadonlyArray<string | number>): Position | undefined {
  const lines = new LineCounter();
  return locate(positionTable(parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines), segments);
}
