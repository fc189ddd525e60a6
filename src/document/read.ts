/**
 * Reading an Arazzo document from a file, an http(s) URL or memory, through the one reader
 * (reader/resource.ts: size cap, timeout, host allowlist on every redirect hop), parsed by the
 * `yaml` package (YAML 1.2 core schema, no custom tags, unique keys; JSON too). Every failure is
 * a DocumentError whose problems carry the file, line and column.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DocumentError, type Problem } from '../errors.js';
import { parseJsonPath } from './json-path.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, displayLocation, ReadError, readResource, type ReaderOptions } from '../reader/resource.js';
import { readCached } from '../reader/cache.js';
import { locate, type Position, type PositionTable } from '../reader/positions.js';
import { ownPropertyOf } from '../util/guards.js';

export { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS };
export type { Position };

export interface ReadOptions extends ReaderOptions {
  /** Directory relative file paths resolve against. Default `process.cwd()`. */
  readonly cwd?: string;
}

export interface ReadResult {
  /** The parsed document (plain JSON values). */
  data: unknown;
  /** The text it was parsed from; absent for an in-memory object. */
  text?: string;
  /** Absolute file path, URL (after redirects), or `<memory>`. */
  location: string;
  /** `$self` resolved against the retrieval URI, else the retrieval URI (a file: URL for files). */
  baseUri: string;
  /** 1-based line/column of a JSON path; the deepest existing ancestor when the path does not exist. */
  locate(path: string): Position | undefined;
}

export const MEMORY_LOCATION = '<memory>';

/**
 * Read a document: a file path, an http(s) URL (string or URL), a `file:` URL, or an in-memory
 * object (used as is). Throws DocumentError: its problems list every parse problem with its line
 * and column, or the one reading problem (`DOCUMENT_NOT_FOUND`, `DOCUMENT_FETCH_FAILED`,
 * `DOCUMENT_TOO_LARGE`), whose code the error then carries too.
 */
export async function readDocument(input: string | URL | object, options: ReadOptions = {}): Promise<ReadResult> {
  if (typeof input === 'object' && !(input instanceof URL)) {
    return {
      data: input,
      location: MEMORY_LOCATION,
      baseUri: selfBase(input, undefined) ?? MEMORY_LOCATION,
      locate: () => undefined,
    };
  }
  const url = toUrl(input, options.cwd);
  let resource: Awaited<ReturnType<typeof readResource>>;
  try {
    resource = await readResource(url, { ...options, kind: 'document' });
  } catch (err) {
    if (err instanceof ReadError) throw readFailure(err, displayLocation(url));
    throw err;
  }
  return readText(resource.text, displayLocation(resource.url), resource.url.href);
}

/** A reading failure as a DocumentError with one problem, carrying that problem's code. */
export function readFailure(err: ReadError, location: string): DocumentError {
  const problem: Problem = { code: err.code, message: err.message, severity: 'error', path: '$', file: location };
  return new DocumentError([problem], location, err.code, { cause: err });
}

/**
 * Parse document text (YAML or JSON); `location` names it in problems, `retrievalUri` is the base
 * URI unless `$self` says otherwise. A text parsed before comes from the read cache (when the CLI
 * has enabled it) without loading the YAML parser; otherwise parse-text.ts loads and parses.
 */
export async function readText(text: string, location: string = MEMORY_LOCATION, retrievalUri: string = location): Promise<ReadResult> {
  const cached = readCached<ParsedText>('document', text);
  if (cached) return readResult(cached, text, location, retrievalUri);
  const { parseText } = await import('./parse-text.js');
  return parseText(text, location, retrievalUri);
}

/** What the YAML reader makes of a document's text: its data and the position of every key and item. */
export interface ParsedText {
  readonly data: unknown;
  readonly positions: PositionTable;
}

export function readResult({ data, positions }: ParsedText, text: string, location: string, retrievalUri: string): ReadResult {
  return {
    data,
    text,
    location,
    baseUri: selfBase(data, retrievalUri) ?? retrievalUri,
    locate: (path) => {
      const segments = parseJsonPath(path);
      return segments ? locate(positions, segments) : undefined;
    },
  };
}

/** `$self` of `data` resolved against `retrievalUri`; undefined when absent, empty or not a URI reference. */
export function selfBase(data: unknown, retrievalUri: string | undefined): string | undefined {
  const self = ownPropertyOf(data, '$self');
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
