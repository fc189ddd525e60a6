/**
 * Dereferencing an OpenAPI 3.x / Swagger 2.0 description with @apidevtools/swagger-parser. The
 * root document is already fetched and parsed; every `$ref`ed file or URL is read through our
 * capped reader (the built-in file and http resolvers are switched off), and circular references
 * are tolerated (kept as object cycles: never JSON.stringify a dereferenced schema) so large
 * real-world descriptions load.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { ArazzoError } from '../errors.js';
import { unescapePointerToken } from '../selection/json-pointer.js';

/** Versions swagger-parser 12 checks for; newer 3.x descriptions are dereferenced as 3.1. */
const PARSER_KNOWN = /^(2\.0|3\.0\.[0-4]|3\.1\.[0-2])$/;

export type ResourceReader = (url: URL) => Promise<string>;

/** Turn the `url` swagger-parser hands a resolver back into a URL. */
function toUrl(ref: string): URL {
  if (/^https?:\/\//i.test(ref) || /^file:/i.test(ref)) return new URL(ref);
  if (isAbsolute(ref)) return pathToFileURL(decodeURI(ref));
  return new URL(ref);
}

/**
 * Dereference `data` (the parsed root document read from `url`). Mutates and returns it.
 * Throws ArazzoError('SOURCE_INVALID') when the description is not a usable OpenAPI document,
 * or rethrows the reader's error when a referenced file cannot be read.
 */
export async function dereferenceOpenApi(url: URL, data: Record<string, unknown>, read: ResourceReader): Promise<Record<string, unknown>> {
  const realVersion = data.openapi;
  const masquerade = typeof realVersion === 'string' && /^3\.\d+\.\d+/.test(realVersion) && !PARSER_KNOWN.test(realVersion);
  if (masquerade) data.openapi = '3.1.2';
  if (data.paths === undefined && typeof data.openapi === 'string') {
    // swagger-parser insists on `paths` (or 3.1 `webhooks`); a description with neither has no operations.
    data.paths = {};
  }
  // swagger-parser rewrites relative server URLs of remote descriptions and drops the port while
  // doing so; keep them as written (the index resolves them correctly).
  const serverUrls = collectServerUrls(data);
  if (parserWouldAccept(data) && dereferenceLocal(data)) {
    // Every $ref was local and resolved: the same result swagger-parser gives, without loading it (~100 ms).
    if (masquerade) data.openapi = realVersion;
    return data;
  }
  let readerError: unknown;
  const base = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  try {
    // Imported on first use: ~75 ms of module loading that documents without OpenAPI sources skip.
    const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
    const parser = new SwaggerParser();
    const result = (await parser.dereference(
      base,
      data as never,
      {
        resolve: {
          file: false,
          http: false,
          capped: {
            order: 1,
            canRead: true,
            read: async (file: { url: string }) => {
              try {
                return await read(toUrl(file.url));
              } catch (err) {
                readerError ??= err;
                throw err;
              }
            },
          },
        },
        // `true`, not 'ignore': 'ignore' leaves any $ref whose target contains a cycle unresolved,
        // which would hide whole path items. Cycles become shared object references instead.
        dereference: { circular: true },
      } as never,
    )) as unknown as Record<string, unknown>;
    if (masquerade) result.openapi = realVersion;
    for (const [server, written] of serverUrls) server.url = written;
    return result;
  } catch (err) {
    if (masquerade) data.openapi = realVersion;
    if (readerError) throw readerError;
    if (err instanceof ArazzoError) throw err;
    const message = String((err as Error)?.message ?? err).split('\n')[0];
    throw new ArazzoError('SOURCE_INVALID', `${base} is not a usable OpenAPI description: ${message}`, { url: base });
  }
}

/** Every Server Object of the root, path items and operations, with its url as written. */
function collectServerUrls(data: Record<string, unknown>): Array<[Record<string, unknown>, unknown]> {
  const out: Array<[Record<string, unknown>, unknown]> = [];
  const take = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const s of list) if (s && typeof s === 'object') out.push([s as Record<string, unknown>, (s as Record<string, unknown>).url]);
  };
  take(data.servers);
  for (const group of [data.paths, data.webhooks]) {
    if (!group || typeof group !== 'object') continue;
    for (const item of Object.values(group as Record<string, unknown>)) {
      if (!item || typeof item !== 'object') continue;
      take((item as Record<string, unknown>).servers);
      for (const op of Object.values(item as Record<string, unknown>)) {
        if (op && typeof op === 'object' && !Array.isArray(op)) take((op as Record<string, unknown>).servers);
      }
    }
  }
  return out;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object';

/** swagger-parser's own checks of the root (its `parse`); anything it would reject goes through it for the same message. */
function parserWouldAccept(data: Json): boolean {
  const info = data.info;
  if (isObject(info) && typeof info.version === 'number') return false;
  if (data.swagger) return data.swagger === '2.0';
  return data.paths !== undefined && typeof data.openapi === 'string' && PARSER_KNOWN.test(data.openapi) && data.openapi !== '2.0';
}

const isRef = (v: unknown): v is { $ref: string } => isObject(v) && !Array.isArray(v) && typeof (v as Json).$ref === 'string';

/**
 * Dereference in place when every `$ref` is a plain local JSON Pointer (`#/…`, no `%`-escapes, no
 * sibling keys, never through another `$ref`) that resolves. Like swagger-parser with
 * `circular: true`, each reference is replaced by its (shared) target and cycles become object
 * cycles. Returns false, having changed nothing, when anything falls outside that; the caller
 * then uses swagger-parser, which also produces the error messages.
 */
export function dereferenceLocal(data: Json): boolean {
  if (isRef(data)) return false;
  // Pass 1: find every reference (where it sits and what it names) without touching the document.
  const parents: Json[] = [];
  const keys: Array<string | number> = [];
  const refs: string[] = [];
  const pending: Json[] = [data];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (!isObject(child)) continue;
        if (isRef(child)) {
          parents.push(value);
          keys.push(i);
          refs.push(child.$ref);
        } else pending.push(child);
      }
      continue;
    }
    for (const key in value) {
      const child = value[key];
      if (!isObject(child)) continue;
      if (isRef(child)) {
        parents.push(value);
        keys.push(key);
        refs.push(child.$ref);
      } else pending.push(child);
    }
  }
  const targets = new Map<string, unknown>();
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    const slot = (parents[i] as Record<string | number, unknown>)[keys[i]!] as Json;
    if (Object.keys(slot).length !== 1) return false; // sibling keys: swagger-parser's merge rules apply
    if (!targets.has(ref)) {
      const found = lookup(data, ref);
      if (found === NOT_FOUND) return false;
      targets.set(ref, found);
    }
  }
  // Follow chains (a $ref whose target is a $ref); a chain that loops is left to swagger-parser.
  const final = new Map<string, unknown>();
  for (const ref of targets.keys()) {
    let target = targets.get(ref);
    const chain = new Set<string>([ref]);
    while (isRef(target)) {
      if (chain.has(target.$ref)) return false;
      chain.add(target.$ref);
      if (!targets.has(target.$ref)) {
        const found = lookup(data, target.$ref);
        if (found === NOT_FOUND) return false;
        targets.set(target.$ref, found);
      }
      target = targets.get(target.$ref);
    }
    final.set(ref, target);
  }
  // Pass 2: every reference becomes its (shared) target. Targets are objects of this same tree, so
  // references inside them were found in pass 1 too; cycles become object cycles.
  for (let i = 0; i < refs.length; i++) (parents[i] as Record<string | number, unknown>)[keys[i]!] = final.get(refs[i]!);
  return true;
}

const NOT_FOUND = Symbol('not found');

function lookup(root: Json, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/') || ref.includes('%')) return NOT_FOUND;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    if (!isObject(node) || isRef(node)) return NOT_FOUND;
    const token = unescapePointerToken(raw);
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= node.length) return NOT_FOUND;
      node = node[Number(token)];
    } else {
      if (!Object.hasOwn(node, token)) return NOT_FOUND;
      node = node[token];
    }
  }
  return node === undefined ? NOT_FOUND : node;
}
