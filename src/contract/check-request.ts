/**
 * The request check: the request the engine is about to send, read back from the wire, against
 * the operation's parameters and request body. It runs before anything is sent.
 */
import type { HttpRequest } from '../engine/types.js';
import { describe, where } from './describe.js';
import { essence, isFormEssence, isJsonEssence, isTextEssence, matchMediaType } from './media.js';
import type { OperationContract } from './operation.js';
import type { CheckFinding, CheckTarget } from './types.js';
import { preview } from './validator.js';
import { matchPath, readCookies, readHeader, readPath, readQuery } from './wire.js';

export function checkRequest(contract: OperationContract, target: CheckTarget, level: 'error' | 'warn', request: HttpRequest): CheckFinding[] | undefined {
  let out: CheckFinding[] | undefined;
  const report = (f: Omit<CheckFinding, 'check' | 'level' | 'workflowId' | 'stepId' | 'operation'>): void => {
    (out ??= []).push({ check: 'request', level, workflowId: target.workflowId, stepId: target.stepId, operation: contract.label, ...f });
  };
  const spec = contract.request;
  let url: URL | undefined;
  try {
    url = new URL(request.url);
  } catch {
    url = undefined;
  }
  const headers = lowerCase(request.headers);

  if (spec.parameters.length > 0 && url) {
    const pathValues = spec.parameters.some((p) => p.in === 'path') ? matchPath(contract.pathTemplate, url.pathname) : undefined;
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
          value = readQuery(url.searchParams, p.name, p.shape, p.style, p.explode, p.raw);
          break;
        case 'header': {
          const text = headers[p.name.toLowerCase()];
          value = text === undefined ? undefined : readHeader(text, p.shape, p.explode);
          break;
        }
        case 'cookie': {
          cookies ??= readCookies(headers.cookie);
          const text = cookies.get(p.name);
          value = text === undefined ? undefined : p.shape === 'primitive' ? text : readHeader(text, p.shape, false);
          break;
        }
      }
      const label = `${p.in} parameter ${p.name}`;
      if (value === undefined) {
        if (p.required) report({ path: label, rule: 'required', expected: 'present', message: `The request lacks the required ${label}.` });
        continue;
      }
      if (p.contentType !== undefined && isJsonEssence(essence(p.contentType)) && typeof value === 'string') {
        try {
          value = JSON.parse(value);
        } catch {
          report({
            path: label,
            rule: 'json',
            expected: 'JSON',
            value: preview(value) as string,
            message: `The ${label} is not the JSON its ${p.contentType} content says.`,
          });
          continue;
        }
      }
      for (const v of p.schema?.check(value) ?? []) {
        const at = v.path === '$' ? label : `${label}${v.path.slice(1)}`;
        report({ ...where(v), path: at, message: `The ${label} ${describe(v)}.` });
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
  const contentType = headers['content-type'];
  const declared = body.content.map((c) => c.mediaType).join(', ');
  const actual = contentType !== undefined ? essence(contentType) : undefined;
  const media = actual !== undefined && body.content.length > 0 ? matchMediaType(body.content, actual) : undefined;
  if (body.content.length > 0 && !media) {
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
  const text = typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8');
  let value: unknown;
  if (isJsonEssence(actual)) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      report({
        path: 'body',
        rule: 'json',
        expected: 'JSON',
        value: preview(text) as string,
        message: `The request body is not valid JSON (${(err as Error).message}).`,
      });
      return out;
    }
  } else if (isFormEssence(actual)) {
    value = formObject(new URLSearchParams(text));
  } else if (isTextEssence(actual)) {
    value = text;
  } else {
    return out; // multipart, XML, binary: not read
  }
  for (const v of media.schema.check(value) ?? []) {
    report({ ...where(v), message: `Request body ${describe(v)} (${media.essence}).` });
  }
  return out;
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

function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
