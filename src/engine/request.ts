/**
 * Building the HTTP request of an operation step: server selection, path templating, parameters
 * (P18, P25) and the body.
 */
import { ArazzoError } from '../errors.js';
import { listForMessage, truncateForMessage } from '../util/truncate.js';
import type { EvalContext, MessageView } from '../expressions/types.js';
import type { OperationInfo, ServerInfo } from '../sources/types.js';
import { buildBody, isJsonMediaType, type BuiltBody } from './body.js';
import type { Masker } from './mask.js';
import type { StepPlan } from '../compile/plan-types.js';
import { serializeCookie, serializeHeader, serializePath, serializeQuery, serializeQueryString, styleOf } from './serialize.js';
import type { HttpRequest } from './types.js';

export interface BuiltRequest {
  readonly request: HttpRequest;
  readonly view: MessageView;
}

/** The base URL of an operation: `servers` override > first OpenAPI server (variables at defaults). */
const serverCache = new WeakMap<OperationInfo, string>();

export function baseUrlFor(op: OperationInfo, overrides: Readonly<Record<string, string>> | undefined, sourceLocation?: string): string {
  const override = overrides?.[op.sourceName];
  if (override) return override;
  const cached = serverCache.get(op);
  if (cached !== undefined) return cached;
  const url = computeBaseUrl(op, sourceLocation);
  serverCache.set(op, url);
  return url;
}

function computeBaseUrl(op: OperationInfo, sourceLocation: string | undefined): string {
  const server: ServerInfo = op.servers[0] ?? { url: '/', variables: {} };
  let url = server.url.replace(/\{([^}]+)\}/g, (m, name: string) => server.variables[name]?.default ?? m);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    if (sourceLocation && /^https?:/i.test(sourceLocation)) url = new URL(url, sourceLocation).toString();
    else {
      throw new ArazzoError(
        'SERVER_URL_MISSING',
        `Operation ${op.operationId ?? op.pointer} of source "${op.sourceName}" has the relative server URL "${truncateForMessage(server.url)}"; ` +
          `pass a base URL for it (RunOptions.servers / --server ${op.sourceName}=<baseUrl>).`,
        { source: op.sourceName },
      );
    }
  }
  return url;
}

function joinUrl(base: string, path: string): string {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  if (path === '' || path === '/') return b === '' ? '/' : `${b}${path}`;
  return `${b}${path.startsWith('/') ? path : `/${path}`}`;
}

/** `masker` learns the secrets the request carries (credentials, cookies). */
type BuildOptions = {
  servers?: Readonly<Record<string, string>>;
  sourceLocation?: string;
  masker: { add(value: unknown): unknown; addFromHeader: Masker['addFromHeader'] };
};

/**
 * Build the request of an operation step. Synchronous unless the body needs replacements (which
 * may load JSONPath/XPath support): callers await only when a Promise comes back.
 */
export function buildRequest(step: StepPlan, ctx: EvalContext, options: BuildOptions): BuiltRequest | Promise<BuiltRequest> {
  let unresolved: string | undefined;
  const body = step.body
    ? buildBody(step.body, ctx, (expr) => {
        unresolved ??= expr;
      })
    : undefined;
  if (body instanceof Promise) return body.then((b) => assemble(step, ctx, options, b, unresolved));
  return assemble(step, ctx, options, body, unresolved);
}

/**
 * The expression a parameter value could not resolve, noted by `noteMissing` while one value is
 * evaluated (evaluation is synchronous, so one module-level slot serves every request and no
 * callback is allocated per parameter).
 */
let missingExpr: string | undefined;
const noteMissing = (expr: string): void => {
  missingExpr ??= expr;
};

function assemble(step: StepPlan, ctx: EvalContext, options: BuildOptions, built: BuiltBody | undefined, bodyUnresolved: string | undefined): BuiltRequest {
  const op = step.operation as OperationInfo;
  // Containers are created on first use: a step without parameters allocates none of them.
  let missing: string[] | undefined;
  let base: string;
  // x-operation's url (a dialect) is the whole URL of a step that has no OpenAPI operation.
  const stepUrl = step.extensions.operationUrl ?? step.extensions.serverUrl;
  if (stepUrl) {
    const v = stepUrl.evaluate(ctx);
    if (typeof v !== 'string' || v === '') {
      const what = step.extensions.operationUrl ? 'The x-operation url' : 'x-server-url';
      throw new ArazzoError('SERVER_URL_MISSING', `${what} of step "${step.stepId}" resolved to nothing; check the expression.`, {
        stepId: step.stepId,
      });
    }
    base = v;
  } else {
    base = baseUrlFor(op, options.servers, options.sourceLocation);
  }

  const headers: Record<string, string> = {};
  /** Lower-case name, name as sent, for each header set so far (a handful: a flat list is cheapest). */
  let headerNames: string[] | undefined;
  let query: string[] | undefined;
  let queryView: Record<string, string> = EMPTY;
  let pathView: Record<string, string> = EMPTY;
  /** Name, serialised value, for each path parameter. */
  let pathValues: string[] | undefined;
  let cookies: string[] | undefined;
  let queryString: string | undefined;

  for (const p of step.parameters) {
    if (!p.in) continue;
    missingExpr = undefined;
    const value = p.value.evaluate(ctx, noteMissing);
    const unresolved = missingExpr;
    if (value === undefined || unresolved !== undefined) {
      if (p.required || p.in === 'path') {
        (missing ??= []).push(`${p.name} (${p.in}) from ${unresolved ?? 'its value'}`);
      }
      continue;
    }
    const style = styleOf(p.in, p.spec);
    switch (p.in) {
      case 'path':
        (pathValues ??= []).push(p.name, serializePath(p.name, value, style));
        if (pathView === EMPTY) pathView = {};
        pathView[p.name] = typeof value === 'string' ? value : JSON.stringify(value);
        break;
      case 'query':
        (query ??= []).push(serializeQuery(p.name, value, style));
        if (queryView === EMPTY) queryView = {};
        queryView[p.name] = typeof value === 'string' ? value : JSON.stringify(value);
        break;
      case 'querystring':
        queryString = serializeQueryString(value, style.contentType);
        break;
      case 'header': {
        const lower = p.name.toLowerCase();
        const text = serializeHeader(value, style);
        checkHeader(step.stepId, p.name, text);
        const prev = pairValue(headerNames, lower);
        if (prev !== undefined) delete headers[prev];
        (headerNames ??= []).push(lower, p.name);
        headers[p.name] = text;
        options.masker.addFromHeader(p.name, text);
        break;
      }
      case 'cookie':
        (cookies ??= []).push(serializeCookie(p.name, value, style));
        break;
    }
    if (p.credential) options.masker.add(p.in === 'header' ? headers[p.name] : typeof value === 'string' ? value : JSON.stringify(value));
  }

  let path = op.pathTemplate;
  if (path.includes('{')) {
    path = fillPath(step.stepId, path, pathValues);
    if (pathMissing !== undefined) {
      for (const name of pathMissing) if (!missing?.some((x) => x.startsWith(`${name} (path)`))) (missing ??= []).push(`${name} (path)`);
    }
  }
  if (cookies !== undefined) {
    // A Cookie header parameter (e.g. copied from a login's Set-Cookie) and cookie parameters go
    // into one Cookie header: a second header, or overwriting the first, would lose cookies.
    const prev = pairValue(headerNames, 'cookie');
    const cookie = prev !== undefined ? `${headers[prev]}; ${cookies.join('; ')}` : cookies.join('; ');
    if (prev !== undefined) delete headers[prev];
    headers['Cookie'] = cookie;
    options.masker.addFromHeader('cookie', cookie);
  }

  if (step.body) {
    // P25 for payloads: members whose expression resolves to nothing are left out; a payload that
    // resolves to nothing as a whole fails the step when the operation requires a body.
    if (!built && step.body.payload && op.requestBody?.required) (missing ??= []).push(`request body from ${bodyUnresolved ?? 'its payload'}`);
    if (built && pairValue(headerNames, 'content-type') === undefined) headers['content-type'] = built.contentType;
  }

  if (missing !== undefined) {
    throw new ArazzoError(
      'PARAMETER_UNRESOLVED',
      `Step "${step.stepId}" cannot be sent: no value for ${listForMessage(missing, ', ')}. Check the inputs and the outputs of earlier steps.`,
      { stepId: step.stepId },
    );
  }

  const qs = query === undefined && queryString === undefined ? '' : [queryString, ...(query ?? [])].filter((q) => q !== undefined && q !== '').join('&');
  if (path === '') path = '/';
  // An x-operation step (no path template) sends its URL as it is.
  const url = (step.extensions.operationUrl ? base : joinUrl(base, path)) + (qs ? `${base.includes('?') ? '&' : '?'}${qs}` : '');
  const request: HttpRequest = built ? { method: op.method, url, headers, body: built.body } : { method: op.method, url, headers };
  const body = built ? (isJsonMediaType(built.contentType) && typeof built.view === 'string' ? safeJson(built.view) : built.view) : undefined;
  return { request, view: new RequestView(headers, queryView, pathView, body) };
}

/** The value after `key` in a flat key, value, key, value… list; the last one when a key repeats. */
function pairValue(pairs: readonly string[] | undefined, key: string): string | undefined {
  if (pairs === undefined) return undefined;
  for (let i = pairs.length - 2; i >= 0; i -= 2) if (pairs[i] === key) return pairs[i + 1];
  return undefined;
}

/** The request as expressions see it; the lower-case header names are made only when `$request.header` is read. */
class RequestView implements MessageView {
  private lower: Record<string, string> | undefined;

  constructor(
    private readonly sent: Readonly<Record<string, string>>,
    readonly query: Readonly<Record<string, string>>,
    readonly path: Readonly<Record<string, string>>,
    readonly body: unknown,
  ) {}

  get headers(): Readonly<Record<string, string>> {
    if (this.lower === undefined) {
      let lower: Record<string, string> = EMPTY;
      for (const k in this.sent) {
        if (lower === EMPTY) lower = {};
        lower[k.toLowerCase()] = this.sent[k] as string;
      }
      this.lower = lower;
    }
    return this.lower;
  }
}

/** Names of path parameters the last fillPath found no value for (a module slot: no list per request). */
let pathMissing: string[] | undefined;

/**
 * The path template with its `{name}` parts substituted from the name, value list (one pass, no
 * regular expression or callback: this runs for every request). A part without a value stays as
 * written and its name goes to `pathMissing`.
 */
function fillPath(stepId: string, template: string, pathValues: readonly string[] | undefined): string {
  pathMissing = undefined;
  let out = '';
  let from = 0;
  let scan = 0;
  for (;;) {
    const open = template.indexOf('{', scan);
    if (open < 0) break;
    if (template[open + 1] === '}') {
      scan = open + 2; // "{}" names nothing: it stays as written
      continue;
    }
    const close = template.indexOf('}', open + 2);
    if (close < 0) break;
    const name = template.slice(open + 1, close);
    let value = pairValue(pathValues, name);
    if (value === undefined) {
      (pathMissing ??= []).push(name);
      value = template.slice(open, close + 1);
    }
    out += template.slice(from, open) + value;
    from = scan = close + 1;
  }
  out += template.slice(from);
  // A parameter value that makes a whole segment "." or ".." is removed as a dot segment by URL
  // parsers (WHATWG URL treats "%2e%2e" the same), so the request would reach another resource.
  if (out.includes('.')) {
    const substitute = (whole: string, name: string): string => pairValue(pathValues, name) ?? whole;
    for (const seg of template.split('/')) if (seg.includes('{')) checkDotSegments(stepId, seg, seg.replace(/\{([^}]+)\}/g, substitute));
  }
  return out;
}

function checkDotSegments(stepId: string, template: string, text: string): string {
  if (!text.includes('.')) return text;
  for (const seg of text.split('/')) {
    if (seg === '.' || seg === '..') {
      throw new ArazzoError(
        'PARAMETER_INVALID',
        `Step "${stepId}" cannot be sent: the path segment "${template}" resolves to "${seg}", which URL normalisation removes, ` +
          'so the request would reach another resource; check the path parameter value.',
        { stepId },
      );
    }
  }
  return text;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE_BAD = /[^\t\x20-\x7e\x80-\xff]/;

/** Refuse, before sending, a header that HTTP cannot carry (line breaks, control or non-Latin-1 characters). */
function checkHeader(stepId: string, name: string, text: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new ArazzoError('PARAMETER_INVALID', `Step "${stepId}" cannot be sent: "${name}" is not a valid HTTP header name (RFC 9110 token characters only).`, {
      stepId,
    });
  }
  const bad = HEADER_VALUE_BAD.exec(text);
  if (bad) {
    const code = `U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new ArazzoError(
      'PARAMETER_INVALID',
      `Step "${stepId}" cannot be sent: the value of header "${name}" contains ${code} at position ${bad.index}, which an HTTP header cannot carry ` +
        '(line breaks, control characters and characters outside ISO-8859-1); encode the value first.',
      { stepId },
    );
  }
}

/** Shared by requests with no query, path parameters or headers (views are read-only). */
const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A response as expressions see it: body parsed lazily, once (JSON for JSON media types, else text). */
export function responseView(headers: Readonly<Record<string, string>>, bodyText: string): MessageView {
  return new ResponseView(headers, bodyText);
}

/** A class, not an object literal with a getter: one cheap allocation per response. */
class ResponseView implements MessageView {
  private parsed = false;
  private value: unknown = undefined;

  constructor(
    readonly headers: Readonly<Record<string, string>>,
    private readonly text: string,
  ) {}

  get body(): unknown {
    if (!this.parsed) {
      this.parsed = true;
      const text = this.text;
      const type = this.headers['content-type'];
      if (text === '') this.value = undefined;
      else if (type !== undefined ? isJsonMediaType(type) : /^\s*[[{]/.test(text)) {
        try {
          this.value = JSON.parse(text);
        } catch {
          this.value = text;
        }
      } else this.value = text;
    }
    return this.value;
  }
}
