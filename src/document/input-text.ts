/**
 * Workflow inputs given as text (`--input name=value`, `--input-env`, a secret a queue worker
 * resolves): coerced by the input's schema type, with the same limits everywhere; and the
 * environment variable name suggested for a secret input. Shared by `cli/` and `queue/`.
 */
import { ArazzoError } from '../errors.js';
import { isRecord, propertyOf } from '../util/guards.js';
import { truncateForMessage } from '../util/truncate.js';
import type { WorkflowInput } from './inputs.js';

/**
 * Inputs nested deeper than this are refused with a clear error (exit 2). No workflow needs
 * more, and values that deep would make the run fail far from their cause.
 */
export const MAX_INPUT_DEPTH = 1000;

/**
 * Coerce an input given as text (`--input`, `--input-env`, a queue's secret reference) by the
 * input's schema type. With several types (`[integer, string]`) the first that fits wins. Untyped
 * inputs stay strings. Throws ArazzoError INPUT_COERCION for a value that fits none.
 */
export function coerceInput(raw: string, desc: Pick<WorkflowInput, 'name' | 'types'> | undefined, how: { secret: boolean; origin: string }): unknown {
  const types = desc?.types ?? [];
  if (types.length === 0) return raw;
  if (raw === 'null' && types.includes('null')) return null;
  for (const t of types) {
    const v = coerceAs(raw, t);
    if (v === NO) continue;
    const deep = tooDeep(v);
    if (deep !== undefined) {
      throw new ArazzoError(
        'INPUT_COERCION',
        `Input "${desc!.name}" (${how.origin}) nests values more than ${MAX_INPUT_DEPTH} levels deep (at ${deep}); that is the most inputs may nest.`,
        {
          input: desc!.name,
          limit: MAX_INPUT_DEPTH,
        },
      );
    }
    return v;
  }
  const shown = how.secret ? 'the value given' : `"${truncateForMessage(raw, 80)}"`;
  const hint = types.some((t) => t === 'object' || t === 'array') ? ' Objects and arrays are given as JSON, e.g. --input tags=\'["a","b"]\'.' : '';
  throw new ArazzoError('INPUT_COERCION', `Input "${desc!.name}" (${how.origin}) must be ${types.join(' or ')}, but ${shown} is not.${hint}`, {
    input: desc!.name,
    expected: types,
  });
}

const NO = Symbol('no');

function coerceAs(raw: string, type: string): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'integer': {
      if (!/^[-+]?\d+$/.test(raw.trim())) return NO;
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : NO;
    }
    case 'number': {
      if (raw.trim() === '') return NO;
      const n = Number(raw);
      return Number.isFinite(n) ? n : NO;
    }
    case 'boolean': {
      const l = raw.trim().toLowerCase();
      return l === 'true' ? true : l === 'false' ? false : NO;
    }
    case 'null':
      return raw === 'null' ? null : NO;
    case 'object':
    case 'array': {
      try {
        const v = JSON.parse(raw) as unknown;
        if (type === 'array') return Array.isArray(v) ? v : NO;
        return isRecord(v) ? v : NO;
      } catch {
        return NO;
      }
    }
    default:
      return NO;
  }
}

/**
 * The JSON path (its first levels) of a value nested more than MAX_INPUT_DEPTH levels deep inside
 * `value`, or undefined. Iterative: the value may be 200,000 levels deep.
 */
export function tooDeep(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '$' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_INPUT_DEPTH) return item.path;
    const parent = item.value;
    for (const key of Object.keys(parent)) {
      const child = propertyOf(parent, key);
      const step = Array.isArray(parent) ? `[${key}]` : `.${key}`;
      if (child === null || typeof child !== 'object') continue;
      // The path names the first levels only: `$.a[0].b…`.
      const path = item.path.endsWith('…') ? item.path : item.path.length < 40 ? item.path + step : `${item.path}…`;
      stack.push({ value: child, depth: item.depth + 1, path });
    }
  }
  return undefined;
}

/** `hfToken` → `HF_TOKEN`: the environment variable name we suggest for a secret input. */
export function envName(input: string): string {
  return (
    input
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase() || 'VALUE'
  );
}
