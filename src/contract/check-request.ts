/**
 * The request check: the request the engine is about to send, read back from the wire, against
 * the operation's parameters and request body. It runs before anything is sent.
 */
import type { HttpRequest } from '../engine/types.js';
import type { MessageView } from '../expressions/types.js';
import { describe, where } from './describe.js';
import { essence, isFormEssence, isJsonEssence, isTextEssence, matchMediaType } from './media.js';
import type { OperationContract } from './operation.js';
import type { CheckFinding, CheckTarget } from './types.js';
import { preview } from './validator.js';
import { readCookies, readHeader, readPath, readQuery } from './wire.js';

/**
 * What a step's request checks remember between its requests: the last body text found valid. A
 * step sends the same body again and again (a poll, a retry, the same workflow run with the same
 * inputs), and whether a JSON text is valid against a schema depends on that text alone, so that
 * text is not validated again (the way parameter and header text is not: validator.ts).
 */
export interface RequestMemo {
  lastValidBody?: string;
}

/** Bodies up to this size are remembered (the memo keeps one per step). */
const MEMO_MAX = 64 * 1024;

export function checkRequest(
  contract: OperationContract,
  target: CheckTarget,
  level: 'error' | 'warn',
  request: HttpRequest,
  view?: MessageView,
  memo?: RequestMemo,
): CheckFinding[] | undefined {
  let out: CheckFinding[] | undefined;
  const report = (f: Omit<CheckFinding, 'check' | 'level' | 'workflowId' | 'stepId' | 'operation'>): void => {
    (out ??= []).push({ check: 'request', level, workflowId: target.workflowId, stepId: target.stepId, operation: contract.label, ...f });
  };
  const spec = contract.request;
  const header = (lower: string): string | undefined => headerValue(request.headers, lower);

  if (spec.parameters.length > 0) {
    const { pathname, search } = splitUrl(request.url);
    const pathValues = spec.hasPathParameters ? contract.matchPath(pathname) : undefined;
    let query: URLSearchParams | undefined;
    let cookies: Map<string, string> | undefined;
    for (const p of spec.parameters) {
      let value: unknown;
      switch (p.in) {
        case 'path': {
          const raw = pathValues?.get(p.name);
          value = raw === undefined ? undefined : readPath(raw, p.shape, p.style, p.explode, p.name);
          break;
        }
        case 'query':
          query ??= new URLSearchParams(search);
          value = readQuery(query, p.name, p.shape, p.style, p.explode, p.raw);
          break;
        case 'header': {
          const text = header(p.lower);
          value = text === undefined ? undefined : readHeader(text, p.shape, p.explode);
          break;
        }
        case 'cookie': {
          cookies ??= readCookies(header('cookie'));
          const text = cookies.get(p.name);
          value = text === undefined ? undefined : p.shape === 'primitive' ? text : readHeader(text, p.shape, false);
          break;
        }
      }
      if (value === undefined) {
        if (p.required) report({ path: p.label, rule: 'required', expected: 'present', message: `The request lacks the required ${p.label}.` });
        continue;
      }
      if (p.contentType !== undefined && isJsonEssence(essence(p.contentType)) && typeof value === 'string') {
        try {
          value = JSON.parse(value);
        } catch {
          report({
            path: p.label,
            rule: 'json',
            expected: 'JSON',
            value: preview(value) as string,
            message: `The ${p.label} is not the JSON its ${p.contentType} content says.`,
          });
          continue;
        }
      }
      const violations = p.schema?.check(value);
      if (violations) {
        for (const v of violations) {
          const at = v.path === '$' ? p.label : `${p.label}${v.path.slice(1)}`;
          report({ ...where(v), path: at, message: `The ${p.label} ${describe(v)}.` });
        }
      }
    }
  }

  const body = spec.body;
  const sent = request.body !== undefined && (typeof request.body === 'string' ? request.body !== '' : request.body.byteLength > 0);
  if (!body) {
    if (sent) {
      report({
        path: 'body',
        rule: 'undeclared-body',
        expected: 'no body',
        message: `The request has a body, but ${contract.label} declares no request body.`,
      });
    }
    return out;
  }
  if (!sent) {
    if (body.required) report({ path: 'body', rule: 'required', expected: 'present', message: `The request has no body, but ${contract.label} requires one.` });
    return out;
  }
  const contentType = header('content-type');
  const actual = contentType !== undefined ? essence(contentType) : undefined;
  const media = actual !== undefined && body.content.length > 0 ? matchMediaType(body.content, actual) : undefined;
  if (body.content.length > 0 && !media) {
    const declared = body.content.map((c) => c.mediaType).join(', ');
    report({
      path: 'header Content-Type',
      rule: 'undeclared-content-type',
      expected: declared,
      ...(contentType !== undefined ? { value: contentType } : {}),
      message:
        contentType === undefined
          ? `The request has a body but no Content-Type (declared: ${declared}).`
          : `The request's Content-Type ${contentType} is not one ${contract.label} accepts (declared: ${declared}).`,
    });
    return out;
  }
  if (!media?.schema || actual === undefined) return out;
  const bodyText = typeof request.body === 'string' && request.body.length <= MEMO_MAX ? request.body : undefined;
  if (bodyText !== undefined && bodyText === memo?.lastValidBody) return out;
  const text = (): string => (typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8'));
  let value: unknown;
  if (isJsonEssence(actual)) {
    try {
      // The run's view holds the payload the body was encoded from, or the body text parsed (its own text when not JSON).
      value = view && view.body !== undefined ? view.body : JSON.parse(text());
      if (typeof value === 'string' && value === request.body) JSON.parse(value);
    } catch (err) {
      report({
        path: 'body',
        rule: 'json',
        expected: 'JSON',
        value: preview(text()) as string,
        message: `The request body is not valid JSON (${(err as Error).message}).`,
      });
      return out;
    }
  } else if (isFormEssence(actual)) {
    value = formObject(new URLSearchParams(text()));
  } else if (isTextEssence(actual)) {
    value = text();
  } else {
    return out; // multipart, XML, binary: not read
  }
  const violations = media.schema.check(value);
  if (violations) for (const v of violations) report({ ...where(v), message: `Request body ${describe(v)} (${media.essence}).` });
  else if (memo && bodyText !== undefined) memo.lastValidBody = bodyText;
  return out;
}

/** The path and the query string of an absolute URL, without the cost of parsing it whole. */
function splitUrl(url: string): { pathname: string; search: string } {
  const scheme = url.indexOf('://');
  const hash = url.indexOf('#');
  const end = hash < 0 ? url.length : hash;
  const q = url.indexOf('?');
  const query = q >= 0 && q < end ? q : -1;
  const slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  const pathEnd = query >= 0 ? query : end;
  const pathname = slash < 0 || slash > pathEnd ? '/' : url.slice(slash, pathEnd);
  return { pathname, search: query >= 0 ? url.slice(query + 1, end) : '' };
}

/** Form fields as an object: a repeated name is a list. */
function formObject(form: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of form) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** A header's value by its lower-case name; names as sent keep their case. */
function headerValue(headers: Readonly<Record<string, string>>, lower: string): string | undefined {
  const exact = headers[lower];
  if (exact !== undefined) return exact;
  for (const name in headers) if (name.length === lower.length && name.toLowerCase() === lower) return headers[name];
  return undefined;
}
