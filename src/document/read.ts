/**
 * Reading an Arazzo document from a file, an http(s) URL or memory. YAML 1.2 (core schema, no
 * custom tags, unique keys) and JSON (parsed by the same YAML parser, so positions work for both).
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';
import { createRequire } from 'node:module';
import type { Document, Node } from 'yaml';
import { ArazzoError, DocumentError, type Problem } from '../errors.js';
import { parseJsonPath } from './json-path.js';
import { fastParseJson, fastParseYaml, lineColumn, locateOffset } from './fast-yaml.js';
import { DEFAULT_MAX_SOURCE_BYTES, DEFAULT_SOURCE_TIMEOUT_MS } from '../sources/fetch.js';
import type { ErrorCode } from '../error-codes.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** The `yaml` package, loaded on first need (~40 ms): most documents and sources are read by fast-yaml.ts. */
export function yamlLib(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

export interface ReadOptions {
  /** undici Dispatcher for http(s) URLs (an Agent, a MockAgent, a proxy). */
  dispatcher?: Dispatcher;
  /** A WHATWG fetch to use for http(s) URLs instead of undici's `request`. */
  fetch?: typeof globalThis.fetch;
  /** Timeout for fetching a URL, in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Largest document accepted, in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Directory relative file paths resolve against. Default `process.cwd()`. */
  cwd?: string;
  /** Caller's AbortSignal for fetching. */
  signal?: AbortSignal;
}

export interface Position {
  line: number;
  column: number;
}

export interface ReadResult {
  /** The parsed document (plain JSON values). */
  data: unknown;
  /** The text it was parsed from; absent for an in-memory object. */
  text?: string;
  /** Absolute file path, URL, or `<memory>`. */
  location: string;
  /** `$self` resolved against the retrieval URI, else the retrieval URI (a file: URL for files). */
  baseUri: string;
  /** 1-based line/column of a JSON path; the deepest existing ancestor when the path does not exist. */
  locate(path: string): Position | undefined;
}

/** The same limits as for sources: one size cap and one timeout for everything a load reads. */
export const DEFAULT_MAX_BYTES = DEFAULT_MAX_SOURCE_BYTES;
export const DEFAULT_TIMEOUT_MS = DEFAULT_SOURCE_TIMEOUT_MS;
export const MEMORY_LOCATION = '<memory>';

/** Tags of the YAML 1.2 core schema (JSON-compatible). Anything else is rejected. */
const ALLOWED_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

/**
 * Read a document: a file path, an http(s) URL (string or URL), a `file:` URL, or an in-memory
 * object (used as is). Throws `DocumentError` listing every parse problem with its line and
 * column, or `ArazzoError` with `DOCUMENT_NOT_FOUND`, `DOCUMENT_FETCH_FAILED` or `DOCUMENT_TOO_LARGE`.
 */
export async function readDocument(input: string | URL | object, options: ReadOptions = {}): Promise<ReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof input === 'object' && !(input instanceof URL)) {
    return {
      data: input,
      location: MEMORY_LOCATION,
      baseUri: selfBase(input, undefined) ?? MEMORY_LOCATION,
      locate: () => undefined,
    };
  }
  const url = toUrl(input, options.cwd);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const text = await fetchText(url, options, maxBytes);
    return parseText(text, url.href);
  }
  if (url.protocol !== 'file:') {
    throw new ArazzoError('DOCUMENT_NOT_FOUND', `Cannot read ${url.href}: only file paths and http(s) URLs are supported.`, {
      location: url.href,
    });
  }
  const path = fileURLToPath(url);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new ArazzoError('DOCUMENT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}. Check the path.`, {
      location: path,
    });
  }
  if (size > maxBytes) throw tooLarge(path, maxBytes);
  const text = await readFile(path, 'utf8');
  return parseText(text, path, url.href);
}

/**
 * Parse document text (YAML or JSON). `location` names it in problems; `retrievalUri` is the
 * base URI unless `$self` says otherwise.
 */
export function parseText(text: string, location: string = MEMORY_LOCATION, retrievalUri: string = location): ReadResult {
  const fast = fastParseYaml(text, true) ?? fastParseJson(text, true);
  if (fast) {
    const positions = fast.positions!;
    let lineStarts: number[] | undefined;
    return {
      data: fast.data,
      text,
      location,
      baseUri: selfBase(fast.data, retrievalUri) ?? retrievalUri,
      locate: (path) => {
        const segments = parseJsonPath(path);
        if (!segments) return undefined;
        const { line, column, starts } = lineColumn(text, lineStarts, locateOffset(positions, segments));
        lineStarts = starts;
        return { line, column };
      },
    };
  }
  // Outside the fast readers' subsets (or invalid): the yaml package parses it and reports every error.
  const { LineCounter, parseDocument, visit, isScalar } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'core',
    customTags: [],
    uniqueKeys: true,
    lineCounter,
    prettyErrors: false,
    strict: true,
  });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: Problem[] = [];
  const add = (code: ErrorCode, message: string, offset: number): void => {
    problems.push({ code, message, severity: 'error', path: '$', file: location, ...toPosition(offset) });
  };
  for (const error of doc.errors) {
    if (error.code === 'DUPLICATE_KEY') {
      add('YAML_DUPLICATE_KEY', 'Duplicate key: a mapping must not repeat a key. Remove or rename one of them.', error.pos[0]);
    } else {
      add('YAML_SYNTAX', `YAML/JSON syntax error: ${error.message}`, error.pos[0]);
    }
  }
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const range = (pair.key as Node).range;
        add('YAML_KEY_NOT_SCALAR', 'Mapping keys must be plain strings, not lists or mappings.', range?.[0] ?? 0);
      }
    },
    Node(_key, node) {
      if (node.tag && !ALLOWED_TAGS.has(node.tag)) {
        add(
          'YAML_TAG_NOT_ALLOWED',
          `The YAML tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed: Arazzo documents use plain JSON-compatible values. Remove the tag.`,
          tagOffset(text, node.range?.[0] ?? 0),
        );
      }
    },
  });
  if (problems.length > 0) throw new DocumentError(sortProblems(problems), location);
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  return {
    data,
    text,
    location,
    baseUri: selfBase(data, retrievalUri) ?? retrievalUri,
    locate: (path) => locateInDocument(doc, path, toPosition),
  };
}

/** Best effort: the tag token precedes the node on the same or previous lines; find its `!`. */
function tagOffset(text: string, nodeStart: number): number {
  const bang = text.lastIndexOf('!', nodeStart);
  if (bang < 0) return nodeStart;
  const between = text.slice(bang, nodeStart);
  return /^!\S*\s*$/.test(between) ? bang : nodeStart;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function locateInDocument(doc: Document, path: string, toPosition: (offset: number) => Position): Position | undefined {
  const { isMap, isPair, isScalar, isSeq } = yamlLib();
  const segments = parseJsonPath(path);
  if (!segments) return undefined;
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : toPosition(offset);
}

/** `$self` of `data` resolved against `retrievalUri`; undefined when absent, empty or not a URI reference. */
export function selfBase(data: unknown, retrievalUri: string | undefined): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const self = (data as Record<string, unknown>).$self;
  if (typeof self !== 'string' || self === '') return undefined;
  try {
    return new URL(self, retrievalUri).href;
  } catch {
    return undefined;
  }
}

/** A file path (relative to `cwd`, default the current directory) or a file:/http(s) URL as a URL. */
export function toUrl(input: string | URL, cwd?: string): URL {
  if (input instanceof URL) return input;
  if (/^(https?|file):/i.test(input)) return new URL(input);
  return pathToFileURL(resolvePath(cwd ?? process.cwd(), input));
}

function tooLarge(location: string, maxBytes: number): ArazzoError {
  return new ArazzoError(
    'DOCUMENT_TOO_LARGE',
    `${location} is larger than the ${maxBytes}-byte limit. Raise the maxBytes option if this document is trusted.`,
    { location, maxBytes },
  );
}

async function fetchText(url: URL, options: ReadOptions, maxBytes: number): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers = { accept: 'application/vnd.oai.workflows+yaml, application/yaml, application/json;q=0.9, */*;q=0.5' };
  const fail = (why: string): ArazzoError => new ArazzoError('DOCUMENT_FETCH_FAILED', `Cannot fetch ${url.href}: ${why}`, { location: url.href });
  try {
    let status: number;
    let chunks: AsyncIterable<Uint8Array>;
    let declared: string | undefined;
    if (options.fetch) {
      const response = await options.fetch(url, { headers, signal });
      status = response.status;
      declared = response.headers.get('content-length') ?? undefined;
      chunks = (response.body ?? emptyStream()) as unknown as AsyncIterable<Uint8Array>;
      if (status < 200 || status > 299) {
        await response.body?.cancel();
        throw fail(`the server answered HTTP ${status}.`);
      }
    } else {
      const { request } = await import('undici'); // loaded only when a document is fetched over http
      const response = await request(url, {
        method: 'GET',
        headers,
        signal,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      status = response.statusCode;
      const length = response.headers['content-length'];
      declared = Array.isArray(length) ? length[0] : length;
      chunks = response.body;
      if (status < 200 || status > 299) {
        await response.body.dump();
        throw fail(`the server answered HTTP ${status}.`);
      }
    }
    if (declared !== undefined && Number(declared) > maxBytes) {
      throw tooLarge(url.href, maxBytes);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of chunks) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(url.href, maxBytes);
      parts.push(chunk);
    }
    return Buffer.concat(parts).toString('utf8');
  } catch (error) {
    if (error instanceof ArazzoError) throw error;
    if (timeout.aborted) throw fail(`no complete answer within ${timeoutMs} ms (timeoutMs option).`);
    throw fail(`${(error as Error).message}.`);
  }
}

function emptyStream(): AsyncIterable<Uint8Array> {
  return (async function* () {})();
}
