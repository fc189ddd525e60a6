/**
 * The operation index: everything the engine needs about each operation of a dereferenced
 * OpenAPI 3.x or Swagger 2.0 description, extracted once at load.
 */
import type { OpenApiSource, OperationInfo, ParameterInfo, SecurityRequirement, SecuritySchemeInfo, ServerInfo, ServerVariableInfo } from './types.js';
import { escapePointerToken } from '../selection/json-pointer.js';

type Obj = Record<string, unknown>;

/** The fixed HTTP-method fields of a Path Item (3.2 adds `query`). */
export const PATH_ITEM_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query'] as const;

const PARAM_LOCATIONS = new Set(['path', 'query', 'header', 'cookie', 'querystring']);

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Build the index of one OpenAPI source. `location` is an absolute URL or file path. */
export function indexOpenApi(name: string, location: string, doc: unknown): OpenApiSource {
  const root = isObj(doc) ? doc : {};
  const swagger2 = typeof root.swagger === 'string' || typeof root.swagger === 'number';
  const specVersion = swagger2 ? String(root.swagger) : String(root.openapi ?? '');
  const rootServers = swagger2 ? swagger2Servers(root, location) : readServers(root.servers, location);
  const schemes = securitySchemes(root, swagger2);
  const rootSecurity = root.security;

  const operations: OperationInfo[] = [];
  const byOperationId = new Map<string, OperationInfo>();
  const byPointer = new Map<string, OperationInfo>();
  const paths = isObj(root.paths) ? root.paths : {};

  for (const [pathTemplate, rawItem] of Object.entries(paths)) {
    if (!isObj(rawItem)) continue;
    const item = rawItem;
    const itemPointer = `/paths/${escapePointerToken(pathTemplate)}`;
    const itemServers = swagger2 ? undefined : readServers(item.servers, location);
    const itemParams = Array.isArray(item.parameters) ? item.parameters : [];

    const candidates: Array<[method: string, pointer: string, op: unknown]> = [];
    for (const m of PATH_ITEM_METHODS) {
      if (m in item) candidates.push([m, `${itemPointer}/${m}`, item[m]]);
    }
    if (isObj(item.additionalOperations)) {
      for (const [m, op] of Object.entries(item.additionalOperations)) {
        candidates.push([m, `${itemPointer}/additionalOperations/${escapePointerToken(m)}`, op]);
      }
    }

    for (const [method, pointer, rawOp] of candidates) {
      if (!isObj(rawOp)) continue;
      const op = rawOp;
      const opServers = swagger2 ? undefined : readServers(op.servers, location);
      const servers = nonEmpty(opServers) ?? nonEmpty(itemServers) ?? nonEmpty(rootServers) ?? [{ url: '/', variables: {} }];
      const rawParams = mergeRawParameters(itemParams, Array.isArray(op.parameters) ? op.parameters : []);
      const parameters = rawParams.map((p) => toParameterInfo(p, swagger2)).filter((p): p is ParameterInfo => p !== undefined);
      const requestBody = swagger2 ? swagger2RequestBody(root, op, rawParams) : openApi3RequestBody(op.requestBody);
      const rawSecurity = op.security !== undefined ? op.security : rootSecurity;
      const security = applicableSecurity(rawSecurity, schemes);
      const securityRequirements = readRequirements(rawSecurity);
      const info: OperationInfo = {
        sourceName: name,
        ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
        pointer,
        method: method.toUpperCase(),
        pathTemplate,
        servers,
        parameters,
        ...(requestBody ? { requestBody } : {}),
        responses: isObj(op.responses) ? op.responses : {},
        security,
        ...(securityRequirements ? { securityRequirements } : {}),
      };
      operations.push(info);
      byPointer.set(pointer, info);
      if (info.operationId !== undefined && !byOperationId.has(info.operationId)) byOperationId.set(info.operationId, info);
    }
  }

  return { kind: 'openapi', name, location, specVersion, operations, byOperationId, byPointer, securitySchemes: schemes, document: root };
}

function nonEmpty(list: ServerInfo[] | undefined): ServerInfo[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** Resolve a relative server URL against the source location when that is an http(s) URL. */
function resolveServerUrl(url: string, location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('{')) return url;
  if (/^https?:\/\//i.test(location)) {
    // Keep `{variables}` intact: URL would percent-encode the braces.
    const placeholders: string[] = [];
    const masked = url.replace(/\{[^}]*\}/g, (m) => {
      placeholders.push(m);
      return `__arazzo_var_${placeholders.length - 1}__`;
    });
    try {
      let resolved = new URL(masked, location).href;
      resolved = resolved.replace(/__arazzo_var_(\d+)__/g, (_m, i: string) => placeholders[Number(i)]!);
      return resolved;
    } catch {
      return url;
    }
  }
  return url;
}

function readServers(raw: unknown, location: string): ServerInfo[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: ServerInfo[] = [];
  for (const s of raw) {
    if (!isObj(s) || typeof s.url !== 'string') continue;
    const variables: Record<string, ServerVariableInfo> = {};
    if (isObj(s.variables)) {
      for (const [k, v] of Object.entries(s.variables)) {
        if (!isObj(v)) continue;
        const enumValues = Array.isArray(v.enum) ? v.enum.map(String) : undefined;
        variables[k] = {
          default: v.default === undefined ? (enumValues?.[0] ?? '') : String(v.default),
          ...(enumValues ? { enum: enumValues } : {}),
        };
      }
    }
    out.push({ url: resolveServerUrl(s.url, location), variables });
  }
  return out;
}

/** Swagger 2.0: `schemes` × `host` + `basePath`; missing parts come from the location (spec rule). */
function swagger2Servers(root: Obj, location: string): ServerInfo[] {
  const basePath = typeof root.basePath === 'string' ? root.basePath : '';
  const host = typeof root.host === 'string' ? root.host : undefined;
  let locUrl: URL | undefined;
  if (/^https?:\/\//i.test(location)) {
    try {
      locUrl = new URL(location);
    } catch {
      locUrl = undefined;
    }
  }
  const schemes = Array.isArray(root.schemes) && root.schemes.length > 0 ? root.schemes.map(String) : [locUrl ? locUrl.protocol.replace(':', '') : 'https'];
  if (host === undefined) {
    if (locUrl) return schemes.map((s) => ({ url: `${s}://${locUrl.host}${basePath}`, variables: {} }));
    return [{ url: basePath || '/', variables: {} }];
  }
  return schemes.map((s) => ({ url: `${s}://${host}${basePath}`, variables: {} }));
}

/** Path-item parameters, with operation parameters replacing those of the same name + in. */
function mergeRawParameters(itemParams: unknown[], opParams: unknown[]): Obj[] {
  const key = (p: Obj) => `${String(p.in)}\u0000${p.in === 'header' ? String(p.name).toLowerCase() : String(p.name)}`;
  const merged = new Map<string, Obj>();
  for (const p of itemParams) if (isObj(p)) merged.set(key(p), p);
  for (const p of opParams) if (isObj(p)) merged.set(key(p), p);
  return [...merged.values()];
}

function defaultStyle(location: string): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

function toParameterInfo(p: Obj, swagger2: boolean): ParameterInfo | undefined {
  const loc = p.in;
  if (typeof p.name !== 'string' || typeof loc !== 'string' || !PARAM_LOCATIONS.has(loc)) return undefined;
  const location = loc as ParameterInfo['in'];
  const required = location === 'path' ? true : p.required === true;
  if (swagger2) {
    const cf = typeof p.collectionFormat === 'string' ? p.collectionFormat : 'csv';
    let style = defaultStyle(location);
    let explode = false;
    if (cf === 'multi') explode = true;
    else if (cf === 'ssv') style = 'spaceDelimited';
    else if (cf === 'pipes') style = 'pipeDelimited';
    else if (cf === 'tsv') style = 'tabDelimited';
    const schema: Obj = {};
    for (const k of ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'pattern']) {
      if (p[k] !== undefined) schema[k] = p[k];
    }
    return { name: p.name, in: location, required, style, explode, allowReserved: false, schema };
  }
  const style = typeof p.style === 'string' ? p.style : defaultStyle(location);
  const explode = typeof p.explode === 'boolean' ? p.explode : style === 'form';
  const info: ParameterInfo = {
    name: p.name,
    in: location,
    required,
    style,
    explode,
    allowReserved: p.allowReserved === true,
    ...(p.schema !== undefined ? { schema: p.schema } : {}),
  };
  if (isObj(p.content)) {
    const [contentType, media] = Object.entries(p.content)[0] ?? [];
    if (contentType !== undefined) {
      return {
        ...info,
        contentType,
        ...(isObj(media) && media.schema !== undefined ? { schema: media.schema } : {}),
      };
    }
  }
  return info;
}

function openApi3RequestBody(raw: unknown): OperationInfo['requestBody'] {
  if (!isObj(raw)) return undefined;
  return { required: raw.required === true, mediaTypes: isObj(raw.content) ? Object.keys(raw.content) : [] };
}

function swagger2RequestBody(root: Obj, op: Obj, params: Obj[]): OperationInfo['requestBody'] {
  const body = params.find((p) => p.in === 'body');
  const form = params.filter((p) => p.in === 'formData');
  if (!body && form.length === 0) return undefined;
  const consumes = (Array.isArray(op.consumes) ? op.consumes : Array.isArray(root.consumes) ? root.consumes : []).map(String);
  if (body) {
    return { required: body.required === true, mediaTypes: consumes.length > 0 ? consumes : ['application/json'] };
  }
  const formTypes = consumes.filter((c) => c.startsWith('application/x-www-form-urlencoded') || c.startsWith('multipart/form-data'));
  const hasFile = form.some((p) => p.type === 'file');
  const mediaTypes = formTypes.length > 0 ? formTypes : [hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded'];
  return { required: form.some((p) => p.required === true), mediaTypes };
}

function securitySchemes(root: Obj, swagger2: boolean): Map<string, SecuritySchemeInfo> {
  const raw = swagger2 ? root.securityDefinitions : isObj(root.components) ? root.components.securitySchemes : undefined;
  const out = new Map<string, SecuritySchemeInfo>();
  if (!isObj(raw)) return out;
  for (const [name, s] of Object.entries(raw)) {
    const info = toSecuritySchemeInfo(name, s);
    if (info) out.set(name, info);
  }
  return out;
}

/** A Security Scheme Object (3.x, or 2.0 Security Definition) as the engine uses it; undefined when it has no `type`. */
export function toSecuritySchemeInfo(name: string, s: unknown): SecuritySchemeInfo | undefined {
  if (!isObj(s) || typeof s.type !== 'string') return undefined;
  const where = s.in === 'query' || s.in === 'header' || s.in === 'cookie' ? s.in : undefined;
  const flows = s.type === 'oauth2' ? oauthFlows(s) : undefined;
  return {
    name,
    type: s.type,
    ...(typeof s.scheme === 'string' ? { scheme: s.scheme.toLowerCase() } : {}),
    ...(s.type === 'apiKey' && where ? { in: where } : {}),
    ...(s.type === 'apiKey' && typeof s.name === 'string' ? { paramName: s.name } : {}),
    ...(flows?.tokenUrl !== undefined ? { tokenUrl: flows.tokenUrl } : {}),
    ...(flows ? { flows: flows.names } : {}),
    ...(s.type === 'openIdConnect' && typeof s.openIdConnectUrl === 'string' ? { openIdConnectUrl: s.openIdConnectUrl } : {}),
  };
}

/** An oauth2 scheme's flow names and the token URL of its client credentials flow (3.x), or of the 2.0 `application` flow. */
function oauthFlows(s: Obj): { names: string[]; tokenUrl?: string } {
  if (typeof s.flow === 'string') {
    // Swagger 2.0: one flow per scheme; `application` is the client credentials grant.
    return { names: [s.flow], ...(s.flow === 'application' && typeof s.tokenUrl === 'string' ? { tokenUrl: s.tokenUrl } : {}) };
  }
  const flows = isObj(s.flows) ? s.flows : {};
  const cc = flows.clientCredentials;
  return { names: Object.keys(flows), ...(isObj(cc) && typeof cc.tokenUrl === 'string' ? { tokenUrl: cc.tokenUrl } : {}) };
}

/** The Security Requirement Objects as written (scopes as string lists); undefined when there are none. */
function readRequirements(requirements: unknown): SecurityRequirement[] | undefined {
  if (!Array.isArray(requirements)) return undefined;
  const out: SecurityRequirement[] = [];
  for (const req of requirements) {
    if (!isObj(req)) continue;
    const entry: Record<string, string[]> = {};
    for (const [name, scopes] of Object.entries(req)) entry[name] = Array.isArray(scopes) ? scopes.map(String) : [];
    out.push(entry);
  }
  return out;
}

/** Security Requirement Objects → the distinct schemes they name. `[]` (or `[{}]`) means none. */
function applicableSecurity(requirements: unknown, schemes: Map<string, SecuritySchemeInfo>): SecuritySchemeInfo[] {
  if (!Array.isArray(requirements)) return [];
  const out: SecuritySchemeInfo[] = [];
  const seen = new Set<string>();
  for (const req of requirements) {
    if (!isObj(req)) continue;
    for (const name of Object.keys(req)) {
      const scheme = schemes.get(name);
      if (scheme && !seen.has(name)) {
        seen.add(name);
        out.push(scheme);
      }
    }
  }
  return out;
}
