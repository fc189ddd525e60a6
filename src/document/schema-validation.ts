/**
 * Validate a document against the project JSON Schemas with ajv and turn ajv's errors into
 * problems a human can act on: one per mistake, phrased in the spec's vocabulary.
 */
import type { ErrorObject } from 'ajv';
import type { Problem } from '../errors.js';
import { appendPath, pointerToJsonPath, type PathSegment } from './json-path.js';
import { getByPointer, unescapePointerToken } from '../selection/json-pointer.js';
import { didYouMean } from '../util/suggest.js';
import type { ArazzoVersion } from './types.js';
// Precompiled by generate.ts (ajv standalone): no ajv import, no schema compilation at run time.
import { validateArazzo10, validateArazzo11 } from './generated/validators.js';
import type { ErrorCode } from '../error-codes.js';

interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function validatorFor(version: ArazzoVersion): StandaloneValidator {
  return (version === '1.1' ? validateArazzo11 : validateArazzo10) as unknown as StandaloneValidator;
}

/** The spec's name for the value at a JSON Pointer (`/workflows/0/steps/1` is a "step"). */
function describeObject(pointer: string): string {
  const tokens = pointer.split('/').slice(1).map(unescapePointerToken);
  if (tokens.length === 0) return 'document root';
  const last = tokens[tokens.length - 1]!;
  const isIndex = (token: string | undefined): boolean => token !== undefined && /^\d+$/.test(token);
  if (isIndex(last)) {
    const listName = tokens[tokens.length - 2] ?? '';
    const items: Record<string, string> = {
      sourceDescriptions: 'source description',
      workflows: 'workflow',
      steps: 'step',
      parameters: 'parameter',
      successActions: 'success action',
      failureActions: 'failure action',
      onSuccess: 'success action',
      onFailure: 'failure action',
      successCriteria: 'criterion',
      criteria: 'criterion',
      replacements: 'payload replacement',
    };
    return items[listName] ?? `entry of '${listName}'`;
  }
  if (tokens.length === 3 && tokens[0] === 'components') {
    const kinds: Record<string, string> = {
      parameters: 'parameter component',
      successActions: 'success action component',
      failureActions: 'failure action component',
      inputs: 'inputs component',
    };
    return `${kinds[tokens[1]!] ?? 'component'} '${last}'`;
  }
  const objects: Record<string, string> = { info: 'info object', requestBody: 'request body', components: 'components object' };
  return objects[last] ?? `'${last}'`;
}

/**
 * ` Did you mean "x"?` for a string value outside an enum, `x` being the closest allowed value
 * (`jsonpth` → `jsonpath`, `pth` → `path`); '' when none is close.
 */
function closestAllowed(data: unknown, pointer: string, allowed: readonly unknown[]): string {
  let value: unknown;
  try {
    value = getByPointer(data, pointer);
  } catch {
    return '';
  }
  if (typeof value !== 'string') return '';
  return didYouMean(
    value,
    allowed.filter((v): v is string => typeof v === 'string'),
  );
}

function keywordPhrase(error: ErrorObject, data: unknown): { code: ErrorCode; message: string; extra?: PathSegment } | undefined {
  const where = describeObject(error.instancePath);
  const params: Record<string, unknown> = error.params;
  switch (error.keyword) {
    case 'required':
      return {
        code: 'SCHEMA_REQUIRED',
        message: `${capitalise(where)} is missing the required field '${String(params.missingProperty)}'. Add it.`,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      return {
        code: 'SCHEMA_UNKNOWN_PROPERTY',
        message: `${capitalise(where)} has an unknown field '${name}'. Remove it, fix its spelling, or prefix an extension with 'x-'.`,
        extra: name,
      };
    }
    case 'type': {
      const expected = Array.isArray(params.type) ? (params.type as string[]).join(' or ') : String(params.type);
      return { code: 'SCHEMA_TYPE', message: `${capitalise(where)} must be of type ${expected}.` };
    }
    case 'enum': {
      const values = params.allowedValues as unknown[];
      const allowed = values.map((v) => `'${String(v)}'`).join(', ');
      return { code: 'SCHEMA_ENUM', message: `${capitalise(where)} must be one of ${allowed}.${closestAllowed(data, error.instancePath, values)}` };
    }
    case 'const':
      return { code: 'SCHEMA_ENUM', message: `${capitalise(where)} must be '${String(params.allowedValue)}'.` };
    case 'pattern':
      if (error.propertyName !== undefined) {
        return {
          code: 'SCHEMA_PATTERN',
          message: `The key '${error.propertyName}' must match ${String(params.pattern)} (letters, digits, '.', '-', '_').`,
          extra: error.propertyName,
        };
      }
      return { code: 'SCHEMA_PATTERN', message: `${capitalise(where)} must match the pattern ${String(params.pattern)}.` };
    case 'minItems':
      return {
        code: 'SCHEMA_MIN_ITEMS',
        message: `The list '${lastToken(error.instancePath)}' must have at least ${String(params.limit)} entry; add one or remove the field.`,
      };
    case 'uniqueItems':
      return {
        code: 'SCHEMA_DUPLICATE_ITEMS',
        message: `The list '${lastToken(error.instancePath)}' has the same value twice (entries ${String(params.j)} and ${String(params.i)}); remove the duplicate.`,
      };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
      return { code: 'SCHEMA_RANGE', message: `${capitalise(where)} must be ${String(params.comparison)} ${String(params.limit)}.` };
    // Structural combinators: the errors of their branches carry the real message.
    case 'if':
    case 'propertyNames':
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
    case 'not':
      return undefined;
    default:
      return { code: 'SCHEMA_INVALID', message: `${capitalise(where)} ${error.message ?? 'is invalid'}.` };
  }
}

function lastToken(pointer: string): string {
  const tokens = pointer.split('/');
  return unescapePointerToken(tokens[tokens.length - 1] ?? '');
}

function capitalise(text: string): string {
  return text.startsWith("'") ? `The field ${text}` : `The ${text}`;
}

/** Schema problems for a document of a known version. Positions are filled in by the caller. */
export function schemaProblems(data: unknown, version: ArazzoVersion): Problem[] {
  const validate = validatorFor(version);
  if (validate(data)) return [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const phrase = keywordPhrase(error, data);
    if (!phrase) continue;
    let path = pointerToJsonPath(error.instancePath);
    if (phrase.extra !== undefined) path = appendPath(path, phrase.extra);
    const key = `${phrase.code}|${path}|${phrase.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ code: phrase.code, message: phrase.message, severity: 'error', path });
  }
  return problems;
}
