/**
 * loadArazzo: the whole load pipeline. Read (YAML/JSON with positions) → the document's shape
 * (JSON Schema) → load sources (OpenAPI indexed, Arazzo documents loaded recursively with cycle
 * guard) → the compile pass (semantic checks, step targets resolved, workflows compiled, in one
 * walk). Problems from every stage are collected and, if any is an error, thrown together as one
 * DocumentError.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';
import { DocumentError, type Problem } from './errors.js';
import type { ArazzoDocument } from './document/types.js';
import { MEMORY_LOCATION, readDocument, readText, selfBase, toUrl, type ReadResult } from './document/read.js';
import { checkDocumentShape } from './document/validate.js';
import {
  DEFAULT_MAX_BYTES as DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_TIMEOUT_MS as DEFAULT_SOURCE_TIMEOUT_MS,
  displayLocation,
  type ReaderOptions as FetchOptions,
} from './reader/resource.js';
import { createSourceSession, loadSources, readResourceOnce, withoutFragment, type SourceSession } from './sources/load-sources.js';
import { prepareCriteria } from './criteria/prepare.js';
import { compileDocument } from './compile/compile.js';
import { prepareSchemaCheck } from './compile/inputs.js';
import type { Finding } from './compile/report.js';
import { type CompiledDocument, type LoadedDocument, type LoadedSource, type LoadedWorkflow, PLANS } from './compile/loaded.js';
import type { WorkflowPlan } from './compile/plan-types.js';

export interface LoadOptions {
  /** undici dispatcher for every http(s) read (the document and its sources). */
  readonly dispatcher?: Dispatcher;
  /**
   * Hosts that may be fetched (`api.example.com`, `host:8443`, `*.example.com`). Undefined: any
   * host. Applies to the document itself, its sources and everything they `$ref`.
   */
  readonly allowHosts?: readonly string[];
  /** Size cap per document or source in bytes (default 64 MiB; the CLI's --max-source-bytes). */
  readonly maxSourceBytes?: number;
  /** Timeout per remote read in ms (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * Base URI for resolving relative source URLs of an in-memory document (default: the current
   * directory). `$self` (1.1) takes precedence.
   */
  readonly baseUri?: string;
  /** Cancels loading. */
  readonly signal?: AbortSignal;
  /** A WHATWG fetch for every http(s) read, instead of undici (`dispatcher` is then unused). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Refuse other runners' spellings (docs/dialects.md): every `DIALECT_…` warning becomes an
   * error, so the document loads only as the spec writes it. Default false.
   */
  readonly strict?: boolean;
  /**
   * `false`: check the document alone, without reading its source descriptions (when they cannot
   * be reached). What this skips is reported as the warning SOURCES_SKIPPED. Such a document
   * cannot run: its steps have no resolved operation. Default true.
   */
  readonly sources?: boolean;
  /** Sees every read (the document, its sources, what they `$ref`) first; see `ReaderOptions.intercept`. */
  readonly intercept?: FetchOptions['intercept'];
}

/** A strict load turns each dialect warning into an error. */
const escalateDialects = (finding: Finding): boolean => finding.code.startsWith('DIALECT_');

/** One load: shared caches and the documents loaded so far (by URL), which guards cycles. */
interface LoadSession {
  readonly sources: SourceSession;
  readonly documents: Map<string, LoadedDocument>;
  readonly fetch: FetchOptions;
  readonly options: LoadOptions;
}

/** Load, validate and compile an Arazzo document and everything it references. */
export async function loadArazzo(input: string | URL | object, options: LoadOptions = {}): Promise<LoadedDocument> {
  const fetch: FetchOptions = {
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.allowHosts ? { allowHosts: options.allowHosts } : {}),
    maxBytes: options.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES,
    timeoutMs: options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.intercept ? { intercept: options.intercept } : {}),
  };
  const session: LoadSession = { sources: createSourceSession(), documents: new Map(), fetch, options };
  const read = await readRoot(input, options, fetch);
  return loadRead(read, session);
}

async function readRoot(input: string | URL | object, options: LoadOptions, fetch: FetchOptions): Promise<ReadResult> {
  if (typeof input === 'object' && !(input instanceof URL)) {
    const read = await readDocument(input);
    const base = options.baseUri ?? pathToFileURL(`${resolvePath(process.cwd())}/`).href;
    return { ...read, baseUri: selfBase(input, base) ?? base };
  }
  // The reader checks allowHosts before contacting anything, and on every redirect hop.
  return readDocument(toUrl(input), fetch);
}

/** An `arazzo`-type source: loaded once per load; a document already loading (a cycle) is shared, not reloaded. */
async function loadNested(href: string, session: LoadSession): Promise<LoadedDocument> {
  const key = withoutFragment(href);
  const known = session.documents.get(key);
  if (known) return known;
  const url = new URL(key);
  const fetched = await readResourceOnce(url, session.fetch, session.sources);
  const again = session.documents.get(key); // another branch may have finished meanwhile
  if (again) return again;
  const read = await readText(fetched.text, displayLocation(fetched.url), fetched.url.href);
  return loadRead(read, session, key);
}

async function loadRead(read: ReadResult, session: LoadSession, key?: string): Promise<LoadedDocument> {
  const { data, location, locate } = read;
  // Unlocated: finish() below gives every problem of every stage its file, line and column at once.
  const shape = checkDocumentShape(data);
  const version = shape.version;
  if (version === undefined) throw new DocumentError(finish(shape.problems, location, locate), location);
  const document = data as ArazzoDocument;

  // The result object exists before its sources load, so a cycle (A → B → A) can point back at it.
  const sources = new Map<string, LoadedSource>();
  const workflows = new Map<string, LoadedWorkflow>();
  const plans = new Map<string, WorkflowPlan>();
  const warnings: Problem[] = [];
  const loaded: CompiledDocument = { location, baseUri: read.baseUri, version, document, warnings, sources, workflows, locate, [PLANS]: plans };
  // Identity: the retrieval URL, and (1.1) `$self`, which an absolute source url is matched against.
  const hasSelf = typeof document.$self === 'string';
  const keys = [key ?? retrievalKey(read), hasSelf ? read.baseUri : undefined].filter((k): k is string => !!k && k !== MEMORY_LOCATION);
  for (const k of keys) if (!session.documents.has(k)) session.documents.set(k, loaded);

  // The selection engines this document's criteria, selectors and schemas use load alongside its sources.
  const engines = Promise.all([prepareCriteria(document), prepareSchemaCheck(document)]);
  engines.catch(() => undefined); // awaited below; a failure must not go unhandled if sources fail first
  try {
    const { options } = session;
    const skipSources = options.sources === false;
    const result = skipSources
      ? { sources: new Map<string, LoadedSource>(), problems: [sourcesSkipped(document)], causes: [] }
      : await loadSources(loadable(document), {
          ...session.fetch,
          baseUri: read.baseUri,
          location,
          session: session.sources,
          loadArazzoSource: (href) => loadNested(href, session),
        });
    // loadArazzoSource above returns LoadedDocuments, so the arazzo sources hold them.
    for (const [name, source] of result.sources) sources.set(name, source as LoadedSource);

    const [, schemas] = await engines;
    const compiled = compileDocument({
      document,
      version,
      location,
      ...(skipSources ? {} : { sources }),
      shapeProblems: shape.problems,
      ...(options.strict ? { escalate: escalateDialects } : {}),
      ...(schemas ? { schemas } : {}),
    });
    // The CLI's read cache keeps the verdict, so a warm start does not load ajv again for these schemas.
    if (schemas && !compiled.problems.some((p) => p.severity === 'error')) schemas.remember();
    for (const [id, plan] of compiled.plans) plans.set(id, plan);
    for (const [id, workflow] of compiled.workflows) workflows.set(id, workflow);

    const all = finish([...shape.problems, ...compiled.problems, ...result.problems], location, locate);
    if (all.some((p) => p.severity === 'error')) {
      // A source that could not be read or parsed: its exception is the cause (all of them, when several).
      const [first, ...more] = result.causes;
      const cause = more.length > 0 ? new AggregateError(result.causes, `${result.causes.length} sources failed to load`) : first;
      throw new DocumentError(all, location, 'DOCUMENT_INVALID', cause === undefined ? undefined : { cause });
    }
    warnings.push(...all);
    return loaded;
  } catch (err) {
    for (const k of keys) if (session.documents.get(k) === loaded) session.documents.delete(k);
    throw err;
  }
}

/** What a load with `sources: false` leaves unchecked, as one warning. */
function sourcesSkipped(document: ArazzoDocument): Problem {
  const names = (Array.isArray(document.sourceDescriptions) ? document.sourceDescriptions : [])
    .map((sd) => (sd !== null && typeof sd === 'object' && typeof sd.name === 'string' ? `'${sd.name}'` : undefined))
    .filter((n): n is string => n !== undefined);
  return {
    code: 'SOURCES_SKIPPED',
    severity: 'warning',
    path: '$.sourceDescriptions',
    message: `The source descriptions (${names.join(', ') || 'none'}) were not read (--no-sources): operationIds and operationPaths were not resolved, parameters were not matched against their operations, and workflows of arazzo sources were not checked. Validate with the sources before running the document.`,
  };
}

/**
 * The document as the source loader sees it: a source description whose declared type is neither
 * openapi nor arazzo (AsyncAPI, a typo) is not loaded; the schema and the compile pass report it.
 */
function loadable(document: ArazzoDocument): ArazzoDocument {
  const declared = Array.isArray(document.sourceDescriptions) ? document.sourceDescriptions : [];
  const unloadable = (sd: unknown): boolean => {
    const type = sd !== null && typeof sd === 'object' ? (sd as { type?: unknown }).type : undefined;
    return type !== undefined && type !== 'openapi' && type !== 'arazzo';
  };
  if (!declared.some(unloadable)) return document;
  // Kept in place (as null, which the loader skips) so the other sources keep their JSON paths.
  return { ...document, sourceDescriptions: declared.map((sd) => (unloadable(sd) ? (null as never) : sd)) };
}

function retrievalKey(read: ReadResult): string | undefined {
  if (read.location === MEMORY_LOCATION) return undefined;
  if (/^https?:/i.test(read.location)) return read.location;
  return pathToFileURL(read.location).href;
}

/** File/line/column on every problem of this document; this document's problems first, by position. */
function finish(problems: Problem[], location: string, locate: ReadResult['locate']): Problem[] {
  const own = (p: Problem) => p.file === undefined || p.file === location;
  const located = problems.map((p) => {
    if (!own(p)) return p;
    const withFile = { ...p, file: location };
    if (p.line !== undefined) return withFile;
    const pos = locate(p.path);
    return pos ? { ...withFile, line: pos.line, column: pos.column } : withFile;
  });
  const rank = (p: Problem) => (own(p) ? 0 : 1);
  return located
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        rank(a.p) - rank(b.p) ||
        (rank(a.p) === 1 ? String(a.p.file).localeCompare(String(b.p.file)) : 0) ||
        (a.p.line ?? Number.MAX_SAFE_INTEGER) - (b.p.line ?? Number.MAX_SAFE_INTEGER) ||
        (a.p.column ?? 0) - (b.p.column ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}
