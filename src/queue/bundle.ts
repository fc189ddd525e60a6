/**
 * Documents travel with the run. At submit, the document is loaded (and so validated) while every
 * resource the load reads is recorded: the document, its source descriptions, everything they
 * `$ref`. The texts are stored once per content hash, and the run refers to a small manifest that
 * maps each URL read to the hash of its text. A worker on another machine, without the files,
 * loads the same document from the manifest: every read is answered from it. A worker reads no
 * local file of its own for a run; a remote URL the manifest lacks is fetched only under the host
 * allowlist the document was submitted with.
 */
import { createHash } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedDocument } from '../compile/loaded.js';
import { toUrl } from '../document/read.js';
import { ArazzoError } from '../errors.js';
import { type LoadOptions, loadArazzo } from '../load.js';
import { displayLocation, ReadError, type Resource } from '../reader/resource.js';

export const BUNDLE_VERSION = 1;

/** What a run's `doc` id names: how to load the document again. */
export interface BundleManifest {
  readonly v: number;
  /** The document's URL (file: or http(s)), or, for an in-memory document, the hash of its JSON and its base URI. */
  readonly root: { readonly url: string } | { readonly object: string; readonly baseUri: string };
  /** Every resource read, by the URL asked for (no fragment): the URL finally read (after redirects) and the hash of its text. */
  readonly resources: Readonly<Record<string, { readonly url: string; readonly sha: string }>>;
  /** The host allowlist of the submit (a remote read the manifest lacks is held to it). */
  readonly allowHosts?: readonly string[];
  readonly maxSourceBytes?: number;
}

/** A document loaded at submit, with what it takes to load it again anywhere. */
export interface PreparedDocument {
  readonly doc: LoadedDocument;
  /** The manifest's hash: the run's `doc`. */
  readonly id: string;
  /** The manifest as stored (JSON). */
  readonly manifest: string;
  /** Texts by hash. */
  readonly texts: ReadonlyMap<string, string>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const withoutFragment = (href: string): string => href.replace(/#.*$/, '');

/** Load `input` (validating it as `loadArazzo` does) and record every resource the load reads. */
export async function prepareDocument(input: string | URL | object, options: LoadOptions = {}): Promise<PreparedDocument> {
  const texts = new Map<string, string>();
  const resources: Record<string, { url: string; sha: string }> = {};
  const record = (url: URL, r: Resource): void => {
    const sha = sha256(r.text);
    texts.set(sha, r.text);
    resources[withoutFragment(url.href)] = { url: r.url.href, sha };
  };
  const outer = options.intercept;
  const intercept = async (url: URL, next: () => Promise<Resource>): Promise<Resource> => {
    const r = outer ? await outer(url, next) : await next();
    record(url, r);
    return r;
  };
  let root: BundleManifest['root'];
  if (typeof input === 'object' && !(input instanceof URL)) {
    const json = JSON.stringify(input);
    const sha = sha256(json);
    texts.set(sha, json);
    root = { object: sha, baseUri: options.baseUri ?? pathToFileURL(`${resolvePath(process.cwd())}/`).href };
  } else {
    root = { url: toUrl(input).href };
  }
  const doc = await loadArazzo(input, { ...options, intercept });
  const sorted: Record<string, { url: string; sha: string }> = {};
  for (const key of Object.keys(resources).sort()) sorted[key] = resources[key] as { url: string; sha: string };
  const manifest: BundleManifest = {
    v: BUNDLE_VERSION,
    root,
    resources: sorted,
    ...(options.allowHosts ? { allowHosts: options.allowHosts } : {}),
    ...(options.maxSourceBytes !== undefined ? { maxSourceBytes: options.maxSourceBytes } : {}),
  };
  const json = JSON.stringify(manifest);
  return { doc, id: sha256(json), manifest: json, texts };
}

/** The hashes of every text a manifest needs. */
export function manifestTexts(manifest: BundleManifest): string[] {
  const shas = new Set(Object.values(manifest.resources).map((r) => r.sha));
  if ('object' in manifest.root) shas.add(manifest.root.object);
  return [...shas];
}

export function parseManifest(json: string, id: string): BundleManifest {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(json) as BundleManifest;
  } catch {
    throw new ArazzoError('QUEUE_DOCUMENT_MISSING', `The document bundle ${id} in Redis is not valid JSON; submit the run again.`);
  }
  if (manifest?.v !== BUNDLE_VERSION || typeof manifest.resources !== 'object' || manifest.root === null || typeof manifest.root !== 'object') {
    throw new ArazzoError(
      'QUEUE_DOCUMENT_MISSING',
      `The document bundle ${id} was written by another version of arazzo-engine (v${String(manifest?.v)}); submit the run again.`,
    );
  }
  return manifest;
}

/**
 * Load the document a manifest describes, reading only the texts given (by hash). Missing texts
 * are a QUEUE_DOCUMENT_MISSING error; a local file the manifest lacks is refused.
 */
export async function loadFromManifest(manifest: BundleManifest, id: string, texts: ReadonlyMap<string, string | null | undefined>): Promise<LoadedDocument> {
  const text = (sha: string): string => {
    const t = texts.get(sha);
    if (typeof t !== 'string')
      throw new ArazzoError('QUEUE_DOCUMENT_MISSING', `A text of the document bundle ${id} is no longer in Redis (expired?); submit the run again.`);
    return t;
  };
  const intercept = async (url: URL, next: () => Promise<Resource>): Promise<Resource> => {
    const entry = manifest.resources[withoutFragment(url.href)];
    if (entry) return { url: new URL(entry.url), text: text(entry.sha) };
    if (url.protocol === 'http:' || url.protocol === 'https:') return next();
    throw new ReadError(
      'failed',
      `${displayLocation(url)} is not among the documents submitted with this run, and a worker reads no local file for a run; submit the run again from where the file is`,
      url.href,
    );
  };
  const options: LoadOptions = {
    intercept,
    ...(manifest.allowHosts ? { allowHosts: manifest.allowHosts } : {}),
    ...(manifest.maxSourceBytes !== undefined ? { maxSourceBytes: manifest.maxSourceBytes } : {}),
  };
  if ('object' in manifest.root) return loadArazzo(JSON.parse(text(manifest.root.object)) as object, { ...options, baseUri: manifest.root.baseUri });
  return loadArazzo(manifest.root.url, options);
}
