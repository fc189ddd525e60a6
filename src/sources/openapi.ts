/**
 * Dereferencing an OpenAPI 3.x / Swagger 2.0 description with @apidevtools/json-schema-ref-parser
 * (the library swagger-parser is built on; used directly because it does not gate on the OpenAPI
 * version, so 3.2 and later 3.x load as written). The root document is already fetched and parsed;
 * every `$ref`ed file or URL is read through our capped reader (the library's own file and http
 * resolvers are off) and parsed as our sources are (its parsers are off). Circular references
 * are tolerated: they become object cycles, so never JSON.stringify a dereferenced schema.
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArazzoError } from '../errors.js';
import { isRemote, ReadError } from '../reader/resource.js';
import { parseDescriptionText } from './parse.js';
import { isRecord } from '../util/guards.js';

const importRefParser = () => import('@apidevtools/json-schema-ref-parser');
/** Loaded on the first OpenAPI source, and once. */
let refParser: ReturnType<typeof importRefParser> | undefined;

/** Reads a `$ref`ed resource; `referrer` is the resource that refers to it when that one is remote. */
export type ResourceReader = (url: URL, referrer: string | undefined) => Promise<string>;

/** The URL json-schema-ref-parser hands a resolver (an absolute path for files) as a URL. */
function toUrl(ref: string): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !isAbsolute(ref)) return new URL(ref);
  return pathToFileURL(decodeURI(ref));
}

/**
 * Dereference `data` (the parsed root document read from `url`). Mutates and returns it.
 * Throws ArazzoError('SOURCE_INVALID') when the description is not a usable OpenAPI document,
 * or the reader's error when a referenced file cannot be read.
 */
export async function dereferenceOpenApi(url: URL, data: Record<string, unknown>, read: ResourceReader): Promise<Record<string, unknown>> {
  const base = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  checkVersion(data, base);
  // Our own errors (a read refused or failed, a hostile text) are wrapped by the library; keep the first.
  let ours: unknown;
  const keep = (err: unknown): never => {
    ours ??= err;
    throw err;
  };
  refParser ??= importRefParser();
  const { $RefParser } = await refParser;
  try {
    const dereferenced: unknown = await new $RefParser().dereference(base, data as never, {
      resolve: {
        file: false,
        http: false,
        capped: {
          order: 1,
          canRead: true,
          read: async (file: { url: string }) => {
            try {
              return await read(toUrl(file.url), isRemote(url.href) ? url.href : undefined);
            } catch (err) {
              return keep(err);
            }
          },
        },
      },
      parse: {
        json: false,
        yaml: false,
        text: false,
        binary: false,
        description: {
          order: 1,
          canParse: true,
          parse: async (file: { url: string; data: string | Buffer }) => {
            try {
              const where = toUrl(file.url);
              const parsed = await parseDescriptionText(String(file.data), where.protocol === 'file:' ? fileURLToPath(where) : where.href);
              if (isRemote(where.href)) refuseLocalRefs(parsed, where.href);
              return parsed;
            } catch (err) {
              return keep(err);
            }
          },
        },
      },
      // `true`, not 'ignore': 'ignore' leaves any $ref whose target contains a cycle unresolved,
      // which would hide whole path items. Cycles become shared object references instead.
      dereference: { circular: true },
    });
    if (isRecord(dereferenced)) return dereferenced;
  } catch (err) {
    if (ours) throw ours;
    if (err instanceof ArazzoError) throw err;
    const message = String((err as Error)?.message ?? err).split('\n')[0];
    throw new ArazzoError('SOURCE_INVALID', `${base} is not a usable OpenAPI description: ${message}`, { url: base }, { cause: err });
  }
  throw new ArazzoError('SOURCE_INVALID', `${base} is not a usable OpenAPI description: dereferencing it gave no object; check its root $ref`, { url: base });
}

/** Swagger 2.0 or OpenAPI 3.x, with the version written as a string. */
function checkVersion(data: Record<string, unknown>, base: string): void {
  const invalid = (why: string) => new ArazzoError('SOURCE_INVALID', `${base} is not a usable OpenAPI description: ${why}`, { url: base });
  if (data.swagger !== undefined) {
    if (typeof data.swagger === 'number') throw invalid(`the Swagger version must be a string ("2.0"), not the number ${data.swagger}; quote it`);
    if (data.swagger !== '2.0') throw invalid(`Swagger version ${String(data.swagger)} is not supported; this engine reads Swagger 2.0 and OpenAPI 3.x`);
    return;
  }
  if (typeof data.openapi === 'number') throw invalid(`the OpenAPI version must be a string (e.g. "3.1.0"), not the number ${data.openapi}; quote it`);
  if (typeof data.openapi !== 'string' || !/^3\.\d+(\.\d+)?(-.+)?$/.test(data.openapi)) {
    throw invalid(`OpenAPI version ${JSON.stringify(data.openapi)} is not supported; this engine reads Swagger 2.0 and OpenAPI 3.x`);
  }
}

/** A remote resource may not make us read a local file: refuse any `$ref` to a `file:` URL in it. */
function refuseLocalRefs(data: unknown, location: string): void {
  const local = findRef(data, (ref) => /^file:/i.test(ref));
  if (local !== undefined) {
    throw new ReadError(
      'local-from-remote',
      `${location} was read over the network, so its $ref may not read the local file ${local}; publish that file at an http(s) URL`,
      local,
    );
  }
}

/** Whether `data` has a `$ref` to anything outside itself (another file or URL). */
export function hasExternalRef(data: unknown): boolean {
  return findRef(data, (ref) => !ref.startsWith('#')) !== undefined;
}

/** The first `$ref` string in `data` that `test` accepts, without recursion. */
function findRef(data: unknown, test: (ref: string) => boolean): string | undefined {
  const pending: unknown[] = [data];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && test(child)) return child;
      if (child !== null && typeof child === 'object') pending.push(child);
    }
  }
  return undefined;
}
