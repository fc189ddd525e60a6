/**
 * Dereferencing an OpenAPI 3.x / Swagger 2.0 description with @apidevtools/swagger-parser. The
 * root document is already fetched and parsed; every `$ref`ed file or URL is read through our
 * capped reader (the built-in file and http resolvers are switched off), and circular references
 * are tolerated (kept as object cycles: never JSON.stringify a dereferenced schema) so large
 * real-world descriptions load.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { ArazzoError } from '../errors.js';

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
  let readerError: unknown;
  const base = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  try {
    const parser = new SwaggerParser();
    const result = (await parser.dereference(base, data as never, {
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
    } as never)) as unknown as Record<string, unknown>;
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
