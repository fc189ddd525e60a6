/**
 * Loading the source descriptions of one Arazzo document: resolve each `url` against the
 * document (P22), read it with limits, sniff its type when missing (P2), dereference and index
 * OpenAPI descriptions, and hand `arazzo` ones to the injected Arazzo loader (which guards
 * cycles). Every failure becomes a Problem; nothing here throws for a bad source.
 */
import type { Problem } from '../errors.js';
import { ArazzoError, DocumentError } from '../errors.js';
import type { ArazzoDocument } from '../document/types.js';
import type { LoadedSource, SourceDocument } from './types.js';
import { MEMORY_LOCATION } from '../document/read.js';
import { checkReferrer, displayLocation, readResource, type ReaderOptions, type Resource } from '../reader/resource.js';
import { readCached, writeCached } from '../reader/cache.js';
import { dereferenceOpenApi, hasExternalRef } from './openapi.js';
import { indexOpenApi } from './operation-index.js';
import { parseDescriptionText, sniffType } from './parse.js';
import type { ErrorCode } from '../error-codes.js';
import { isRecord } from '../util/guards.js';

/** Caches shared by every document of one load, so each URL is read and dereferenced once. */
export interface SourceSession {
  /** Raw reads by URL href. */
  readonly resources: Map<string, Promise<Resource>>;
  /** Dereferenced OpenAPI documents by URL href. */
  readonly openapi: Map<string, Promise<Record<string, unknown>>>;
}

export function createSourceSession(): SourceSession {
  return { resources: new Map(), openapi: new Map() };
}

/** A URL without its `#fragment`: the key of a resource in the session caches. */
export function withoutFragment(href: string): string {
  return href.replace(/#.*$/, '');
}

/**
 * Read `url` once per session (through the limits in `options`). `referrer` is the location of
 * whatever refers to it: a remote referrer may not read a local file.
 */
export async function readResourceOnce(url: URL, options: ReaderOptions, session: SourceSession, referrer?: string): Promise<Resource> {
  checkReferrer(url, referrer); // before the cache: the same file may be read for a local referrer
  const key = withoutFragment(url.href);
  let pending = session.resources.get(key);
  if (!pending) {
    pending = readResource(new URL(key), options);
    session.resources.set(key, pending);
    // A redirect's target is the same resource: remember it under its final URL too.
    pending.then(
      (r) => {
        const final = withoutFragment(r.url.href);
        if (!session.resources.has(final)) session.resources.set(final, Promise.resolve(r));
      },
      () => undefined,
    );
  }
  return pending;
}

export interface LoadSourcesOptions extends ReaderOptions {
  /** Base URI of the referring document (`$self` or its retrieval URL), used to resolve relative `url`s. */
  readonly baseUri: string;
  /** File path or URL of the referring document, for Problem.file. A document read over http(s) may not read local files. */
  readonly location: string;
  /** Loads an `arazzo`-type source (loadArazzo itself, sharing this session). Without it such sources are a problem. */
  readonly loadArazzoSource?: (url: string) => Promise<SourceDocument>;
  readonly session?: SourceSession;
}

export interface LoadSourcesResult {
  /** By source name, in declaration order. Sources that failed to load are absent. */
  readonly sources: Map<string, LoadedSource>;
  readonly problems: Problem[];
  /** The exceptions behind the problems (a read that failed, a text that did not parse), in source order: for Error.cause. */
  readonly causes: unknown[];
}

type Outcome = { source?: LoadedSource; problems: Problem[]; cause?: unknown };

/** Load every source description of `document`. */
export async function loadSources(document: ArazzoDocument, options: LoadSourcesOptions): Promise<LoadSourcesResult> {
  const session = options.session ?? createSourceSession();
  const list = Array.isArray(document?.sourceDescriptions) ? document.sourceDescriptions : [];
  const seen = new Set<string>();
  const jobs: Array<Promise<Outcome>> = list.map((sd, i) => {
    const path = `$.sourceDescriptions[${i}]`;
    if (sd === null || typeof sd !== 'object' || typeof sd.name !== 'string' || typeof sd.url !== 'string') {
      return Promise.resolve({ problems: [] }); // the schema check reports the shape
    }
    if (seen.has(sd.name)) return Promise.resolve({ problems: [] }); // duplicate names are a validation problem
    seen.add(sd.name);
    return loadOne(sd.name, sd.url, sd.type as string | undefined, path, options, session);
  });
  const outcomes = await Promise.all(jobs);
  const sources = new Map<string, LoadedSource>();
  const problems: Problem[] = [];
  const causes: unknown[] = [];
  for (const o of outcomes) {
    if (o.source) sources.set(o.source.name, o.source);
    problems.push(...o.problems);
    if (o.cause !== undefined) causes.push(o.cause);
  }
  return { sources, problems, causes };
}

async function loadOne(
  name: string,
  rawUrl: string,
  declaredType: string | undefined,
  path: string,
  options: LoadSourcesOptions,
  session: SourceSession,
): Promise<Outcome> {
  const problem = (code: ErrorCode, message: string, at = `${path}.url`, cause?: unknown): Outcome => ({
    problems: [{ code, message, severity: 'error', path: at, file: options.location }],
    ...(cause !== undefined ? { cause } : {}),
  });

  if (declaredType === 'asyncapi') {
    return problem(
      'ASYNCAPI_UNSUPPORTED',
      `source "${name}" is an AsyncAPI description; AsyncAPI sources and steps are not supported by this engine yet`,
      `${path}.type`,
    );
  }
  if (declaredType !== undefined && declaredType !== 'openapi' && declaredType !== 'arazzo') {
    return problem('SOURCE_TYPE_UNKNOWN', `source "${name}" has type "${declaredType}"; use "openapi" or "arazzo"`, `${path}.type`);
  }

  let url: URL;
  try {
    url = new URL(rawUrl, options.baseUri);
  } catch {
    return problem(
      'SOURCE_URL_INVALID',
      `source "${name}" has url "${rawUrl}", which is not a valid URI reference (base ${options.baseUri}); write a relative path or an absolute http(s) URL`,
    );
  }
  let where = displayLocation(url);
  try {
    checkReferrer(url, options.location);
  } catch (err) {
    return problem(codeOf(err, 'SOURCE_FETCH_FAILED'), `source "${name}": ${messageOf(err)}`, undefined, err);
  }

  if (declaredType === 'arazzo') return loadArazzo(name, rawUrl, url, path, options);

  let fetched: Resource;
  try {
    fetched = await readResourceOnce(url, options, session, options.location);
  } catch (err) {
    return problem(codeOf(err, 'SOURCE_FETCH_FAILED'), `source "${name}": ${messageOf(err)}${memoryHint(rawUrl, options)}`, undefined, err);
  }

  // After a redirect, the final URL is the description's location and the base of its $refs.
  url = fetched.url;
  where = displayLocation(url);
  const key = withoutFragment(url.href);
  // A self-contained description dereferenced before (by the CLI) comes from the read cache: no parse, no dereferencing.
  const cached = session.openapi.has(key) ? undefined : readCached<Record<string, unknown>>(OPENAPI_CACHE, fetched.text);
  let data: unknown = cached;
  if (!cached) {
    try {
      data = await parseDescriptionText(fetched.text, where);
    } catch (err) {
      return problem(codeOf(err, 'SOURCE_INVALID'), `source "${name}": ${messageOf(err)}`, undefined, err);
    }
  }
  const sniffed = sniffType(data);
  const type = declaredType ?? sniffed;
  if (type === undefined) {
    return problem(
      'SOURCE_TYPE_UNKNOWN',
      `source "${name}" (${where}) has no "type" and its root has none of "openapi", "swagger" or "arazzo"; set type: openapi or type: arazzo, or fix the url`,
    );
  }
  if (type === 'asyncapi') {
    return problem(
      'ASYNCAPI_UNSUPPORTED',
      `source "${name}" (${where}) is an AsyncAPI description; AsyncAPI sources and steps are not supported by this engine yet`,
    );
  }
  if (declaredType !== undefined && sniffed !== undefined && sniffed !== declaredType) {
    return problem(
      'SOURCE_TYPE_MISMATCH',
      `source "${name}" is declared as type "${declaredType}" but ${where} is an ${sniffed} document; set type: ${sniffed} or fix the url`,
      `${path}.type`,
    );
  }
  if (type === 'arazzo') return loadArazzo(name, rawUrl, url, path, options);
  if (sniffed === undefined || !isRecord(data)) {
    return problem(
      'SOURCE_INVALID',
      `source "${name}" (${where}) is declared as openapi but has no "openapi" or "swagger" field; check the url points at an OpenAPI description`,
    );
  }

  let deref = session.openapi.get(key);
  if (!deref) {
    deref = cached ? Promise.resolve(cached) : dereferenceAndCache(url, data, fetched.text, options, session);
    session.openapi.set(key, deref);
  }
  try {
    const doc = await deref;
    return { source: indexOpenApi(name, where, doc), problems: [] };
  } catch (err) {
    return problem(codeOf(err, 'SOURCE_INVALID'), `source "${name}" (${where}): ${messageOf(err)}`, undefined, err);
  }
}

const OPENAPI_CACHE = 'openapi-dereferenced';

/** Dereference; keep the result in the read cache when it depends on this text alone (no external $ref) and has no cycle. */
async function dereferenceAndCache(url: URL, data: Record<string, unknown>, text: string, options: LoadSourcesOptions, session: SourceSession) {
  const selfContained = !hasExternalRef(data);
  const result = await dereferenceOpenApi(url, data, async (ref, referrer) => (await readResourceOnce(ref, options, session, referrer)).text);
  // Shared targets are written out once per use: skip a description that would grow past 16x its text.
  if (selfContained) writeCached(OPENAPI_CACHE, text, result, 16 * text.length);
  return result;
}

async function loadArazzo(name: string, rawUrl: string, url: URL, path: string, options: LoadSourcesOptions): Promise<Outcome> {
  const where = displayLocation(url);
  const file = options.location;
  if (!options.loadArazzoSource) {
    return {
      problems: [
        {
          code: 'ARAZZO_LOADER_MISSING',
          message: `source "${name}" (${where}) is an Arazzo document, but no Arazzo loader was given; load through loadArazzo()`,
          severity: 'error',
          path: `${path}.url`,
          file,
        },
      ],
    };
  }
  try {
    const document = await options.loadArazzoSource(url.href);
    return { source: { kind: 'arazzo', name, location: document.location, document }, problems: [] };
  } catch (err) {
    if (err instanceof DocumentError) {
      const errors = err.problems.filter((p) => p.severity === 'error');
      const head: Problem = {
        code: 'SOURCE_INVALID',
        message: `source "${name}": the Arazzo document ${where} has ${errors.length} problem(s); fix them there (listed below)`,
        severity: 'error',
        path: `${path}.url`,
        file,
      };
      return { problems: [head, ...errors.map((p) => ({ ...p, file: p.file ?? where }))], cause: err };
    }
    return {
      problems: [
        {
          code: codeOf(err, 'SOURCE_FETCH_FAILED'),
          message: `source "${name}": ${messageOf(err)}${memoryHint(rawUrl, options)}`,
          severity: 'error',
          path: `${path}.url`,
          file,
        },
      ],
      cause: err,
    };
  }
}

/**
 * An in-memory document has no location of its own: its relative source urls resolve against the
 * baseUri option (default the current directory). Say so when one of them cannot be read.
 */
function memoryHint(rawUrl: string, options: LoadSourcesOptions): string {
  if (options.location !== MEMORY_LOCATION || /^[a-z][a-z0-9+.-]*:/i.test(rawUrl)) return '';
  return `. The document was given in memory, so the relative url "${rawUrl}" was resolved against ${options.baseUri}; pass the document's own location as the baseUri option (loadArazzo(doc, { baseUri }))`;
}

function codeOf(err: unknown, fallback: ErrorCode): ErrorCode {
  return err instanceof ArazzoError ? err.code : fallback;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
