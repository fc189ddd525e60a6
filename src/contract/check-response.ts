/**
 * The response checks of one step: status, content-type, schema, headers. Each runs only at a
 * level other than `off`; each failure is one finding that names the step, the check, where in the
 * response, the rule and the value.
 */
import type { HttpResponse } from '../engine/types.js';
import type { MessageView } from '../expressions/types.js';
import { isJsonEssence, isTextEssence, essence, matchMediaType } from './media.js';
import type { OperationContract, ResponseContract } from './operation.js';
import type { CheckFinding, CheckLevels, CheckName, CheckTarget } from './types.js';
import { preview } from './validator.js';
import { describe, where } from './describe.js';
import { readHeader } from './wire.js';

/** Statuses whose responses carry no content whatever the description says (RFC 9110). */
function bodiless(status: number, method: string): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

export function checkResponse(
  contract: OperationContract,
  target: CheckTarget,
  levels: CheckLevels,
  method: string,
  response: HttpResponse,
  view?: MessageView,
): CheckFinding[] | undefined {
  let out: CheckFinding[] | undefined;
  const status = response.statusCode;
  const report = (check: CheckName, f: Omit<CheckFinding, 'check' | 'level' | 'workflowId' | 'stepId' | 'operation' | 'statusCode'>): void => {
    const level = levels[check];
    if (level === 'off') return;
    (out ??= []).push({ check, level, workflowId: target.workflowId, stepId: target.stepId, operation: contract.label, statusCode: status, ...f });
  };

  const declared = contract.responseFor(status);
  if (!declared) {
    // An operation without responses declares nothing to check against.
    if (contract.statuses.length > 0 && levels.status !== 'off') {
      const expected = contract.statuses.join(', ');
      report('status', {
        rule: 'undeclared-status',
        expected,
        value: String(status),
        message: `HTTP ${status} is not a status ${contract.label} declares (declared: ${expected}; no default).`,
      });
    }
    return out;
  }

  const bodyText = response.bodyText;
  const contentType = response.headers['content-type'];
  const actual = contentType !== undefined ? essence(contentType) : undefined;
  const hasBody = bodyText !== '' && !bodiless(status, method);

  if (levels['content-type'] !== 'off' || levels.schema !== 'off') {
    const media = contentChecks(declared, actual, contentType, hasBody, status, report);
    if (media?.schema && hasBody && levels.schema !== 'off') bodyCheck(media, actual as string, bodyText, view, status, declared.key, report);
  }
  if (levels.headers !== 'off') headerChecks(declared, response.headers, status, report);
  return out;
}

type Report = (check: CheckName, f: Omit<CheckFinding, 'check' | 'level' | 'workflowId' | 'stepId' | 'operation' | 'statusCode'>) => void;

/** The Content-Type against the status's declared content; the declared media type it matched. */
function contentChecks(
  declared: ResponseContract,
  actual: string | undefined,
  contentType: string | undefined,
  hasBody: boolean,
  status: number,
  report: Report,
): { schema?: NonNullable<ResponseContract['content']>[number]['schema']; essence: string } | undefined {
  const content = declared.content;
  if (!content) {
    if (hasBody) {
      report('content-type', {
        rule: 'undeclared-content',
        expected: 'no body',
        ...(contentType !== undefined ? { value: contentType } : {}),
        message: `The ${status} response has a body${contentType !== undefined ? ` of type ${contentType}` : ''}, but response ${declared.key} declares no content.`,
      });
    }
    return undefined;
  }
  if (actual === undefined) {
    if (hasBody) {
      const expected = declaredTypes(content);
      report('content-type', {
        rule: 'missing-content-type',
        expected,
        message: `The ${status} response has a body but no Content-Type header (response ${declared.key} declares ${expected}).`,
      });
    }
    return undefined;
  }
  const match = matchMediaType(content, actual);
  if (!match) {
    const expected = declaredTypes(content);
    report('content-type', {
      rule: 'undeclared-content-type',
      expected,
      value: contentType as string,
      message: `Content-Type ${contentType} is not declared for response ${declared.key} (declared: ${expected}).`,
    });
    return undefined;
  }
  return match;
}

/** The declared media types in words: built for a finding only, not for every response that passes. */
function declaredTypes(content: NonNullable<ResponseContract['content']>): string {
  return content.map((c) => c.mediaType).join(', ');
}

function bodyCheck(
  media: { schema?: NonNullable<ResponseContract['content']>[number]['schema']; essence: string },
  actual: string,
  bodyText: string,
  view: MessageView | undefined,
  status: number,
  key: string,
  report: Report,
): void {
  const schema = media.schema;
  if (!schema) return;
  let value: unknown;
  if (isJsonEssence(actual)) {
    try {
      // The run's response view parses the body once for criteria and checks alike; it keeps the
      // text itself when the text is not JSON (a JSON string value never equals its own text).
      value = view ? view.body : JSON.parse(bodyText);
      if (view && value === bodyText) JSON.parse(bodyText);
    } catch (err) {
      report('schema', {
        rule: 'json',
        expected: 'JSON',
        value: preview(bodyText) as string,
        message: `The ${status} response body is not valid JSON (${(err as Error).message}), though its Content-Type is ${actual}.`,
      });
      return;
    }
  } else if (isTextEssence(actual)) {
    value = bodyText;
  } else {
    return; // XML, binary, …: no schema of ours reads them
  }
  const violations = schema.check(value);
  for (const v of violations ?? []) {
    report('schema', { ...where(v), message: `Response body ${describe(v)} (response ${key}, ${media.essence}).` });
  }
}

function headerChecks(declared: ResponseContract, headers: Readonly<Record<string, string>>, status: number, report: Report): void {
  for (const h of declared.headers) {
    const text = headers[h.lower];
    if (text === undefined) {
      if (h.required) {
        report('headers', {
          path: `header ${h.name}`,
          rule: 'required',
          expected: 'present',
          message: `The ${status} response lacks the required header ${h.name} (response ${declared.key}).`,
        });
      }
      continue;
    }
    const violations = h.schema?.check(readHeader(text, h.shape, h.explode));
    for (const v of violations ?? []) {
      const at = v.path === '$' ? `header ${h.name}` : `header ${h.name}${v.path.slice(1)}`;
      report('headers', { ...where(v), path: at, message: `Response header ${h.name} ${describe(v)}.` });
    }
  }
}
