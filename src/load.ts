/**
 * loadArazzo: the whole load pipeline. Read (YAML/JSON with positions) → validate (schema +
 * semantic checks) → load sources (OpenAPI indexed, Arazzo documents loaded recursively with
 * cycle guard) → resolve every step target → compile the workflows. Problems from every stage
 * are collected and, if any is an error, thrown together as one DocumentError.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';
import { DocumentError, type Problem } from './errors.js';
import type { ArazzoDocument } from './document/types.js';
import type { LoadedDocument, LoadedSource } from './document/loaded.js';
import type { WorkflowPlan } from './engine/plan-types.js';
import { MEMORY_LOCATION, readDocument, readText, selfBase, toUrl, type ReadResult } from './document/read.js';
import { validateDocument } from './document/validate.js';
import { versionOf } from './document/version.js';
import {
  DEFAULT_MAX_BYTES as DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_TIMEOUT_MS as DEFAULT_SOURCE_TIMEOUT_MS,
  displayLocation,
  type ReaderOptions as FetchOptions,
} from './reader/resource.js';
import { createSourceSession, loadSources, readResourceOnce, withoutFragment, type SourceSession } from './sources/load-sources.js';
import { checkStepTargets } from './sources/check-targets.js';
import { compileWorkflows } from './engine/compile.js';
import { prepareCriteria } from './criteria/prepare.js';

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
}

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
  const problems: Problem[] = validateDocument(data);
  const version = versionOf((data as Record<string, unknown> | null)?.arazzo);
  if (data === null || typeof data !== 'object' || Array.isArray(data) || version === undefined) {
    throw new DocumentError(finish(problems, location, locate), location);
  }
  const document = data as ArazzoDocument;

  // The result object exists before its sources load, so a cycle (A → B → A) can point back at it.
  const sources = new Map<string, LoadedSource>();
  const workflows = new Map<string, WorkflowPlan>();
  const warnings: Problem[] = [];
  const loaded: LoadedDocument = { location, baseUri: read.baseUri, version, document, warnings, sources, workflows, locate };
  // Identity: the retrieval URL, and (1.1) `$self`, which an absolute source url is matched against.
  const hasSelf = typeof (data as Record<string, unknown>).$self === 'string';
  const keys = [key ?? retrievalKey(read), hasSelf ? read.baseUri : undefined].filter((k): k is string => !!k && k !== MEMORY_LOCATION);
  for (const k of keys) if (!session.documents.has(k)) session.documents.set(k, loaded);

  // The selection engines this document's criteria, selectors and schemas use load alongside its sources.
  const engines = prepareCriteria(document);
  engines.catch(() => undefined); // awaited below; a failure must not go unhandled if sources fail first
  try {
    const result = await loadSources(document, {
      ...session.fetch,
      baseUri: read.baseUri,
      location,
      session: session.sources,
      loadArazzoSource: (href) => loadNested(href, session),
    });
    for (const [name, source] of result.sources) sources.set(name, source);
    merge(problems, result.problems, location);
    merge(problems, checkStepTargets(document, sources, { version, file: location }), location);

    await engines;
    let compiled: ReturnType<typeof compileWorkflows> | undefined;
    try {
      compiled = compileWorkflows({ document, version, location, sources, components: document.components });
    } catch (err) {
      // Compiling a document that already has errors may trip over them; those errors explain it.
      if (problems.every((p) => p.severity !== 'error')) throw err;
    }
    if (compiled) {
      merge(problems, compiled.problems, location);
      for (const [id, plan] of compiled.workflows) workflows.set(id, plan);
    }

    const all = finish(problems, location, locate);
    if (all.some((p) => p.severity === 'error')) throw new DocumentError(all, location);
    warnings.push(...all);
    return loaded;
  } catch (err) {
    for (const k of keys) if (session.documents.get(k) === loaded) session.documents.delete(k);
    throw err;
  }
}

/**
 * Add a later stage's problems to those found so far. Stages overlap (the validator checks that a
 * source name exists, the target check resolves it), so an error at a JSON path that already has
 * an error, or a repeat of the same code at the same path, is left out: one error per place.
 */
function merge(into: Problem[], later: readonly Problem[], location: string): void {
  const seen = new Set(into.map((p) => `${p.file ?? location}\u0000${p.code}\u0000${p.path}`));
  const errorAt = new Set(into.filter((p) => p.severity === 'error').map((p) => `${p.file ?? location}\u0000${p.path}`));
  for (const p of later) {
    const k = `${p.file ?? location}\u0000${p.code}\u0000${p.path}`;
    if (seen.has(k) || (p.severity === 'error' && errorAt.has(`${p.file ?? location}\u0000${p.path}`))) continue;
    seen.add(k);
    into.push(p);
  }
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
