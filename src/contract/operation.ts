/**
 * The contract of one operation, compiled once: its responses by status (content types, body
 * schemas, headers) and its request (parameters, body), every schema translated to JSON Schema
 * 2020-12 for its direction and compiled by ajv. OpenAPI 3.x and Swagger 2.0.
 */
import { getByTokens, parseJsonPointer } from '../selection/json-pointer.js';
import type { OpenApiSource, OperationInfo } from '../sources/types.js';
import { type DialectContext, dialectOf, type Direction, toJsonSchema } from './dialect.js';
import { essence } from './media.js';
import { type Compiled, compileSchema, type loadValidators } from './validator.js';
import { type PathMatcher, pathMatcher, type Shape, shapeOf } from './wire.js';

type Obj = Record<string, unknown>;
type Validators = Awaited<ReturnType<typeof loadValidators>>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface MediaContract {
  /** As declared (`application/json`, `application/*`, `*\/*`). */
  readonly mediaType: string;
  readonly essence: string;
  readonly schema?: Compiled;
}

export interface HeaderContract {
  /** As declared. */
  readonly name: string;
  readonly lower: string;
  readonly required: boolean;
  readonly shape: Shape;
  readonly explode: boolean;
  readonly schema?: Compiled;
}

export interface ResponseContract {
  /** The status key as declared: `200`, `2XX`, `default`. */
  readonly key: string;
  /** Undefined: the response declares no content (no body expected). */
  readonly content?: readonly MediaContract[];
  readonly headers: readonly HeaderContract[];
}

export interface ParameterContract {
  readonly name: string;
  /** `query parameter limit`: how findings name it. */
  readonly label: string;
  /** The name in lower case (header lookups). */
  readonly lower: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly style: string;
  readonly explode: boolean;
  readonly shape: Shape;
  /** The raw schema (form-exploded objects read their property names from it). */
  readonly raw: unknown;
  /** `content`-described parameters: the value is this media type (JSON is read). */
  readonly contentType?: string;
  readonly schema?: Compiled;
}

export interface RequestContract {
  readonly parameters: readonly ParameterContract[];
  readonly hasPathParameters: boolean;
  /** Undefined: the operation takes no body. */
  readonly body?: { readonly required: boolean; readonly content: readonly MediaContract[] };
}

export interface OperationContract {
  /** operationId, else `METHOD /path`. */
  readonly label: string;
  /** The operation's path template, e.g. `/pets/{petId}`. */
  readonly pathTemplate: string;
  /** The path parameters of a request path, by the template (compiled once). */
  readonly matchPath: PathMatcher;
  /** Status keys as declared, in order. */
  readonly statuses: readonly string[];
  readonly request: RequestContract;
  /** The response declared for a status: the exact code, else its range (`4XX`), else `default`. */
  responseFor(status: number): ResponseContract | undefined;
  /** What cannot be checked (a pattern RE2 cannot run, a schema ajv refuses), one line each. */
  readonly unchecked: readonly string[];
}

/** Header names OpenAPI 3 says a parameter or response header definition of which is ignored. */
const IGNORED_REQUEST_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function operationLabel(op: OperationInfo): string {
  return op.operationId ?? `${op.method} ${op.pathTemplate}`;
}

export function compileOperation(op: OperationInfo, source: OpenApiSource | undefined, v: Validators): OperationContract {
  return new Compiler(op, source, v).operation();
}

class Compiler {
  private readonly dialect: DialectContext;
  private readonly root: Obj;
  private readonly rawOp: Obj;
  private readonly rawItem: Obj;
  readonly unchecked: string[] = [];
  private readonly label: string;

  constructor(
    private readonly op: OperationInfo,
    source: OpenApiSource | undefined,
    private readonly v: Validators,
  ) {
    this.root = (source?.document as Obj | undefined) ?? {};
    this.dialect = { dialect: dialectOf(source?.specVersion ?? '3.0.0'), root: this.root };
    const tokens = safeTokens(op.pointer);
    const rawOp = getByTokens(this.root, tokens);
    this.rawOp = isObj(rawOp) ? rawOp : { responses: op.responses };
    const itemTokens = tokens.length >= 2 && tokens[tokens.length - 2] === 'additionalOperations' ? tokens.slice(0, -2) : tokens.slice(0, -1);
    const rawItem = getByTokens(this.root, itemTokens);
    this.rawItem = isObj(rawItem) ? rawItem : {};
    this.label = operationLabel(op);
  }

  operation(): OperationContract {
    const responses = new Map<string, ResponseContract>();
    const statuses = Object.keys(this.op.responses);
    for (const key of statuses) {
      const r = this.op.responses[key];
      if (isObj(r)) responses.set(key.toUpperCase(), this.response(key, r));
    }
    const request = this.request();
    const byStatus = new Map<number, ResponseContract | null>();
    return {
      label: this.label,
      pathTemplate: this.op.pathTemplate,
      matchPath: pathMatcher(this.op.pathTemplate),
      statuses,
      request,
      unchecked: this.unchecked,
      responseFor: (status) => {
        // Statuses repeat: look each up once.
        let hit = byStatus.get(status);
        if (hit === undefined) {
          hit = responses.get(String(status)) ?? responses.get(`${String(status).charAt(0)}XX`) ?? responses.get('DEFAULT') ?? null;
          if (byStatus.size < 64) byStatus.set(status, hit);
        }
        return hit ?? undefined;
      },
    };
  }

  private compile(schema: unknown, direction: Direction, where: string, coerce = false): Compiled | undefined {
    if (schema === undefined) return undefined;
    try {
      const compiled = compileSchema(this.v, toJsonSchema(schema, this.dialect, direction), coerce);
      for (const p of compiled.uncheckedPatterns) {
        this.unchecked.push(`${this.label} ${where}: pattern /${p}/ cannot run on the linear-time regex engine (RE2), so it is not checked`);
      }
      return compiled;
    } catch (err) {
      this.unchecked.push(`${this.label} ${where}: the schema cannot be compiled (${(err as Error).message}), so it is not checked`);
      return undefined;
    }
  }

  private response(key: string, r: Obj): ResponseContract {
    const where = `response ${key}`;
    const headers: HeaderContract[] = [];
    if (isObj(r.headers)) {
      for (const [name, h] of Object.entries(r.headers)) {
        if (!isObj(h) || name.toLowerCase() === 'content-type') continue;
        // 2.0 writes the header's schema inline (type, format, items …) and has no `required`.
        const raw = this.dialect.dialect === '2.0' ? h : (contentSchema(h) ?? h.schema);
        headers.push({
          name,
          lower: name.toLowerCase(),
          required: h.required === true,
          shape: shapeOf(raw),
          explode: h.explode === true,
          ...optional('schema', this.compile(raw, 'response', `${where} header ${name}`, true)),
        });
      }
    }
    let content: MediaContract[] | undefined;
    if (this.dialect.dialect === '2.0') {
      if (r.schema !== undefined) {
        const produces = stringList(this.rawOp.produces) ?? stringList(this.root.produces) ?? ['*/*'];
        const schema = this.compile(r.schema, 'response', `${where} body`);
        content = produces.map((mediaType) => ({ mediaType, essence: essence(mediaType), ...optional('schema', schema) }));
      }
    } else if (isObj(r.content) && Object.keys(r.content).length > 0) {
      content = this.media(r.content, 'response', where);
    }
    return { key, headers, ...(content ? { content } : {}) };
  }

  private media(map: Obj, direction: Direction, where: string): MediaContract[] {
    return Object.entries(map).map(([mediaType, m]) => ({
      mediaType,
      essence: essence(mediaType),
      ...optional('schema', isObj(m) ? this.compile(m.schema, direction, `${where} ${mediaType}`) : undefined),
    }));
  }

  private request(): RequestContract {
    const raw = mergeParameters(this.rawItem.parameters, this.rawOp.parameters);
    const parameters: ParameterContract[] = [];
    let formFields: Obj[] | undefined;
    let bodyParam: Obj | undefined;
    for (const p of raw) {
      const loc = p.in;
      if (loc === 'body') bodyParam = p;
      else if (loc === 'formData') (formFields ??= []).push(p);
      if (loc !== 'path' && loc !== 'query' && loc !== 'header' && loc !== 'cookie') continue;
      if (typeof p.name !== 'string') continue;
      if (loc === 'header' && IGNORED_REQUEST_HEADERS.has(p.name.toLowerCase())) continue;
      parameters.push(this.parameter(p, loc, p.name));
    }
    let body: RequestContract['body'];
    if (this.dialect.dialect === '2.0') {
      const consumes = stringList(this.rawOp.consumes) ?? stringList(this.root.consumes);
      if (bodyParam) {
        const schema = this.compile(bodyParam.schema, 'request', 'request body');
        const types = consumes ?? ['application/json'];
        body = { required: bodyParam.required === true, content: types.map((t) => ({ mediaType: t, essence: essence(t), ...optional('schema', schema) })) };
      } else if (formFields) {
        // Form fields are one object of text values, like parameters.
        const properties: Obj = {};
        const required: string[] = [];
        for (const f of formFields) {
          if (typeof f.name !== 'string') continue;
          properties[f.name] = swagger2ParameterSchema(f);
          if (f.required === true) required.push(f.name);
        }
        const schema = this.compile({ type: 'object', properties, ...(required.length ? { required } : {}) }, 'request', 'request body', true);
        const types = consumes?.filter((c) => /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c)) ?? [];
        const declared = types.length > 0 ? types : ['application/x-www-form-urlencoded', 'multipart/form-data'];
        body = {
          required: required.length > 0,
          content: declared.map((t) => ({ mediaType: t, essence: essence(t), ...optional('schema', schema) })),
        };
      }
    } else if (isObj(this.rawOp.requestBody)) {
      const rb = this.rawOp.requestBody;
      body = { required: rb.required === true, content: isObj(rb.content) ? this.media(rb.content, 'request', 'request body') : [] };
    }
    return { parameters, hasPathParameters: parameters.some((p) => p.in === 'path'), ...(body ? { body } : {}) };
  }

  private parameter(p: Obj, loc: ParameterContract['in'], name: string): ParameterContract {
    const where = `${loc} parameter ${name}`;
    const base = { name, label: where, lower: name.toLowerCase(), in: loc, required: loc === 'path' || p.required === true };
    if (this.dialect.dialect === '2.0') {
      const schema = swagger2ParameterSchema(p);
      const cf = typeof p.collectionFormat === 'string' ? p.collectionFormat : 'csv';
      const style =
        cf === 'ssv'
          ? 'spaceDelimited'
          : cf === 'pipes'
            ? 'pipeDelimited'
            : cf === 'tsv'
              ? 'tabDelimited'
              : loc === 'query' || loc === 'cookie'
                ? 'form'
                : 'simple';
      return {
        ...base,
        style,
        explode: cf === 'multi',
        shape: shapeOf(schema),
        raw: schema,
        ...optional('schema', this.compile(schema, 'request', where, true)),
      };
    }
    const style = typeof p.style === 'string' ? p.style : loc === 'query' || loc === 'cookie' ? 'form' : 'simple';
    const explode = typeof p.explode === 'boolean' ? p.explode : style === 'form';
    const media = isObj(p.content) ? Object.entries(p.content)[0] : undefined;
    if (media) {
      const [contentType, m] = media;
      const schema = isObj(m) ? m.schema : undefined;
      return { ...base, style, explode, shape: 'primitive', raw: schema, contentType, ...optional('schema', this.compile(schema, 'request', where)) };
    }
    return { ...base, style, explode, shape: shapeOf(p.schema), raw: p.schema, ...optional('schema', this.compile(p.schema, 'request', where, true)) };
  }
}

/** `{ [key]: value }` when the value is defined, else `{}` (for optional properties). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function safeTokens(pointer: string): string[] {
  try {
    return parseJsonPointer(pointer);
  } catch {
    return [];
  }
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** The schema of a `content`-described header (3.x): its one media type's schema. */
function contentSchema(h: Obj): unknown {
  if (!isObj(h.content)) return undefined;
  const first = Object.values(h.content)[0];
  return isObj(first) ? first.schema : undefined;
}

/** Path-item parameters, replaced by operation parameters of the same name and location. */
function mergeParameters(itemParams: unknown, opParams: unknown): Obj[] {
  const key = (p: Obj) => `${String(p.in)}\u0000${p.in === 'header' ? String(p.name).toLowerCase() : String(p.name)}`;
  const merged = new Map<string, Obj>();
  for (const list of [itemParams, opParams]) if (Array.isArray(list)) for (const p of list) if (isObj(p)) merged.set(key(p), p);
  return [...merged.values()];
}

/** Swagger 2.0 non-body parameters carry their schema inline, beside name/in/required. */
const SWAGGER2_NOT_SCHEMA = new Set(['name', 'in', 'required', 'description', 'collectionFormat', 'allowEmptyValue']);

function swagger2ParameterSchema(p: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(p)) if (!SWAGGER2_NOT_SCHEMA.has(k)) out[k] = v;
  return out;
}
