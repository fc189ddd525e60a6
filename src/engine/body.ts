/**
 * Request bodies: payload evaluation, replacements (P17) and encoding per media type (JSON,
 * form-urlencoded, multipart/form-data, text, XML).
 *
 * Replacement targets use the selection module (src/selection/): JSON Pointer targets are written
 * with its one writer (`setByPointer`, P17 rules), JSONPath targets follow the same dialect rules
 * as criteria (RFC 9535 unless the Expression Type Object names the Goessner draft), and XPath
 * targets set the text of the nodes they select.
 */
import { randomBytes } from 'node:crypto';
import { ArazzoError } from '../errors.js';
import type { EvalContext } from '../expressions/types.js';
import { loadSelectionEngines } from '../selection/engines.js';
import { setByPointer } from '../selection/json-pointer.js';
import { jsonPathLocations } from '../selection/jsonpath.js';
import { replaceXPathNodes } from '../selection/xpath.js';
import type { BodyPlan, ReplacementPlan } from '../compile/plan-types.js';
import { replacementPointerTokens as pointerTokens, replacementTargetError as targetError } from '../compile/replacements.js';
import { scalarText } from './serialize.js';
import { isRecord, propertyOf } from '../util/guards.js';

/** What a request body's media type asks for, by the type's essence (no parameters, lower case). */
type MediaKind = 'json' | 'xml' | 'form' | 'multipart' | 'other';

/** Kinds of the media types seen so far: a body's type is worked out once, not for every request. */
const mediaKinds = new Map<string, MediaKind>();

function mediaKind(ct: string): MediaKind {
  let kind = mediaKinds.get(ct);
  if (kind === undefined) {
    const base = ct.split(';')[0]!.trim().toLowerCase();
    kind =
      base === 'application/json' || base.endsWith('+json')
        ? 'json'
        : base === 'application/xml' || base === 'text/xml' || base.endsWith('+xml')
          ? 'xml'
          : base === 'application/x-www-form-urlencoded'
            ? 'form'
            : base === 'multipart/form-data'
              ? 'multipart'
              : 'other';
    if (mediaKinds.size < 256) mediaKinds.set(ct, kind);
  }
  return kind;
}

export function isJsonMediaType(ct: string): boolean {
  return mediaKind(ct) === 'json';
}

function isXmlMediaType(ct: string): boolean {
  return mediaKind(ct) === 'xml';
}

export interface BuiltBody {
  readonly body: string | Uint8Array;
  readonly contentType: string;
  /** The body as the request's `$request.body` sees it (structured when JSON/form). */
  readonly view: unknown;
}

/** Evaluate a payload and encode it. `onMissing` reports unresolved expressions (P25). */
export function buildBody(plan: BodyPlan, ctx: EvalContext, onMissing: (expr: string) => void): BuiltBody | undefined | Promise<BuiltBody | undefined> {
  if (!plan.payload) return undefined;
  let missing = false;
  const value = plan.payload.evaluate(ctx, (expr) => {
    missing = true;
    onMissing(expr);
  });
  if (value === undefined) return undefined;
  // A string template with a part that resolves to nothing would go out with that part silently
  // empty ('{"id": ""}'): treat it like a payload that resolves to nothing (P25). Members of a
  // structured payload are different: they are left out one by one.
  if (missing && typeof value === 'string') return undefined;
  const ct = plan.contentType;
  if (plan.replacements.length === 0) return encodeBody(value, ct);
  return applyReplacements(value, plan.replacements, ct, ctx, onMissing).then((v) => encodeBody(v, ct));
}

async function applyReplacements(
  payload: unknown,
  replacements: readonly ReplacementPlan[],
  ct: string,
  ctx: EvalContext,
  onMissing: (expr: string) => void,
): Promise<unknown> {
  let value: unknown = payload;
  const xml = isXmlMediaType(ct);
  if (!xml && typeof value === 'string' && isJsonMediaType(ct)) {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new ArazzoError(
        'REPLACEMENT_TARGET_INVALID',
        'The payload is a string that is not valid JSON, so replacements cannot be applied to it.',
        undefined,
        {
          cause: err,
        },
      );
    }
  } else if (typeof value === 'string' && isFormMediaType(ct)) {
    // A form written as text ('a=1&b=2'): replacements apply to its fields (`/b`), as Respect does.
    value = parseForm(value);
  } else if (!xml) {
    value = structuredClone(value);
  }
  for (const r of replacements) {
    const v = r.value.evaluate(ctx, onMissing);
    try {
      if (r.selector === 'xpath' || (xml && r.selector !== 'jsonpath')) {
        await loadSelectionEngines({ xpath: true });
        value = replaceXPathNodes(String(value), r.target, typeof v === 'string' ? v : scalarText(v));
      } else if (r.selector === 'jsonpath') {
        const dialect = r.dialect ?? 'rfc9535';
        await loadSelectionEngines(dialect === 'goessner' ? { goessner: true } : { jsonpath: true });
        for (const tokens of jsonPathLocations(value, r.target, dialect)) value = setByPointer(value, tokens, structuredClone(v));
      } else {
        value = setByPointer(value, pointerTokens(r.target), v === undefined ? undefined : structuredClone(v));
      }
    } catch (err) {
      throw targetError(r.target, err);
    }
  }
  return value;
}

function isFormMediaType(ct: string): boolean {
  return ct.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** Form text as fields: a name given twice becomes a list, which formEncode writes back as two fields. */
function parseForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, v] of new URLSearchParams(text)) {
    const prev = fields[name];
    if (prev === undefined) fields[name] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else fields[name] = [prev, v];
  }
  return fields;
}

function formEncode(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return encodeURIComponent(scalarText(value));
  const params = new URLSearchParams();
  for (const k of Object.keys(value)) {
    const v = propertyOf(value, k);
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, scalarText(item));
    else params.append(k, scalarText(v));
  }
  return params.toString();
}

function multipart(value: unknown): { body: Uint8Array; boundary: string } {
  const boundary = `----arazzo${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const add = (name: string, v: unknown): void => {
    const isStructured = v !== null && typeof v === 'object';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n` +
      (isStructured ? 'Content-Type: application/json\r\n' : '') +
      '\r\n';
    parts.push(Buffer.from(head), Buffer.from(isStructured ? JSON.stringify(v) : scalarText(v)), Buffer.from('\r\n'));
  };
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) add(k, item);
      else add(k, v);
    }
  } else {
    add('value', value);
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(parts)), boundary };
}

function encodeBody(value: unknown, ct: string): BuiltBody {
  const kind = mediaKind(ct);
  if (kind === 'json') {
    return { body: typeof value === 'string' ? value : JSON.stringify(value), contentType: ct, view: value };
  }
  if (kind === 'form') {
    return { body: formEncode(value), contentType: ct, view: value };
  }
  if (kind === 'multipart') {
    if (typeof value === 'string') return { body: value, contentType: ct, view: value };
    const { body, boundary } = multipart(value);
    return { body, contentType: `multipart/form-data; boundary=${boundary}`, view: value };
  }
  const text = typeof value === 'string' ? value : value instanceof Uint8Array ? value : JSON.stringify(value);
  return { body: text, contentType: ct, view: value };
}
