/**
 * Gathering a run's inputs from `--inputs <file|->`, `--input name=value` and
 * `--input-env name=ENV_VAR`, coerced by the workflow input schema's type.
 */
import { readFile } from 'node:fs/promises';
import { splitAssignment } from './args.js';
import type { InputDescription, InputsShape } from './document.js';
import { CliError } from './errors.js';
import { didYouMean } from '../util/suggest.js';
import { isRecord, propertyOf } from '../util/guards.js';
import { truncateForMessage } from '../util/truncate.js';

/**
 * Inputs nested deeper than this are refused with a clear error (exit 2). No workflow needs
 * more, and values that deep would make the run fail far from their cause.
 */
export const MAX_INPUT_DEPTH = 1000;

export interface InputSources {
  readonly inputsFile?: string;
  readonly input?: readonly string[];
  readonly inputEnv?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of stdin (for `--inputs -`). */
  readonly readStdin: () => Promise<string>;
}

export interface GatheredInputs {
  readonly inputs: Record<string, unknown>;
  /** Literal values to mask everywhere: every environment input and every `format: password` input. */
  readonly secrets: string[];
}

export async function gatherInputs(src: InputSources, shape: InputsShape): Promise<GatheredInputs> {
  const byName = new Map(shape.inputs.map((i) => [i.name, i]));
  const names = shape.inputs.map((i) => i.name);
  const inputs: Record<string, unknown> = {};
  const secrets: string[] = [];

  if (src.inputsFile !== undefined) Object.assign(inputs, await readInputsFile(src.inputsFile, src.readStdin));

  const fromFlags = new Set<string>();
  const checkName = (name: string, flag: string): InputDescription | undefined => {
    const desc = byName.get(name);
    if (desc === undefined && !shape.acceptsOthers) {
      const list = names.length > 0 ? ` Inputs: ${names.join(', ')}.` : ' This workflow takes no inputs.';
      throw new CliError('INPUT_UNKNOWN', `Unknown input "${truncateForMessage(name, 80)}" (${flag}).${didYouMean(name, names)}${list}`, {
        input: truncateForMessage(name, 80),
      });
    }
    if (fromFlags.has(name)) {
      throw new CliError('CLI_USAGE', `Input "${truncateForMessage(name, 80)}" was given more than once (${flag}); give it once.`, {
        input: truncateForMessage(name, 80),
      });
    }
    fromFlags.add(name);
    return desc;
  };

  for (const item of src.input ?? []) {
    const [name, raw] = splitAssignment(item, '--input', 'name=value');
    const desc = checkName(name, '--input');
    inputs[name] = coerceInput(raw, desc, { secret: desc?.secret ?? false, origin: '--input' });
  }
  for (const item of src.inputEnv ?? []) {
    const [name, variable] = splitAssignment(item, '--input-env', 'name=ENV_VAR');
    const desc = checkName(name, '--input-env');
    const raw = src.env[variable];
    if (raw === undefined || raw === '') {
      throw new CliError(
        'INPUT_ENV_MISSING',
        `Input "${name}" is to be read from the environment variable ${truncateForMessage(variable, 80)}, which is ${raw === undefined ? 'not set' : 'empty'}. Set it (export ${truncateForMessage(variable, 80)}=...) or pass the input another way.`,
        { input: name, variable: truncateForMessage(variable, 80) },
      );
    }
    secrets.push(raw);
    const value = coerceInput(raw, desc, { secret: true, origin: `--input-env (${variable})` });
    if (typeof value !== 'string' && value !== null) secrets.push(JSON.stringify(value));
    inputs[name] = value;
  }
  for (const desc of shape.inputs) {
    const v = inputs[desc.name];
    if (desc.secret && typeof v === 'string') secrets.push(v);
  }
  return { inputs, secrets };
}

async function readInputsFile(file: string, readStdin: () => Promise<string>): Promise<Record<string, unknown>> {
  const where = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      'INPUTS_FILE',
      code === 'ENOENT' ? `--inputs: no such file: ${file}.` : `--inputs: could not read ${where}: ${(err as Error).message}.`,
      { file },
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      'INPUTS_FILE',
      `--inputs: ${where} is not valid JSON (${(err as Error).message}). Give a JSON object such as {"name": "value"}.`,
      { file },
      { cause: err },
    );
  }
  if (!isRecord(data)) throw new CliError('INPUTS_FILE', `--inputs: ${where} must hold a JSON object of input names to values.`, { file });
  const deep = tooDeep(data);
  if (deep !== undefined) {
    throw new CliError(
      'INPUTS_FILE',
      `--inputs: ${where} nests values more than ${MAX_INPUT_DEPTH} levels deep (at ${deep}); that is the most inputs may nest.`,
      {
        file,
        limit: MAX_INPUT_DEPTH,
      },
    );
  }
  return data;
}

/**
 * Coerce a command-line string by the input's schema type. With several types (`[integer,
 * string]`) the first that fits wins. Untyped inputs stay strings.
 */
export function coerceInput(raw: string, desc: Pick<InputDescription, 'name' | 'types'> | undefined, how: { secret: boolean; origin: string }): unknown {
  const types = desc?.types ?? [];
  if (types.length === 0) return raw;
  if (raw === 'null' && types.includes('null')) return null;
  for (const t of types) {
    const v = coerceAs(raw, t);
    if (v === NO) continue;
    const deep = tooDeep(v);
    if (deep !== undefined) {
      throw new CliError(
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
  throw new CliError('INPUT_COERCION', `Input "${desc!.name}" (${how.origin}) must be ${types.join(' or ')}, but ${shown} is not.${hint}`, {
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
function tooDeep(value: unknown): string | undefined {
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

/**
 * Required inputs that were not given and have no default, as one error naming each and how to
 * pass it (secrets from the environment); undefined when none is missing. The engine validates
 * the inputs fully; this only turns the most common mistake into a line that says what to type.
 */
export function missingInputs(shape: InputsShape, inputs: Readonly<Record<string, unknown>>, workflowId: string): CliError | undefined {
  const missing = shape.inputs.filter((i) => i.required && !i.hasDefault && inputs[i.name] === undefined);
  if (missing.length === 0) return undefined;
  const how = missing.map(inputFlag);
  const names = missing.map((i) => i.name);
  return new CliError(
    'INPUT_INVALID',
    `Workflow "${workflowId}" needs ${missing.length === 1 ? 'the input' : 'the inputs'} ${names.join(', ')}; add ${how.join(' ')} (or put ${missing.length === 1 ? 'it' : 'them'} in --inputs <file.json>).`,
    { missing: names },
  );
}

/** How to pass an input on the command line: `--input name=<type>`, a secret as `--input-env name=NAME`. */
export function inputFlag(i: Pick<InputDescription, 'name' | 'type' | 'secret'>): string {
  return i.secret ? `--input-env ${i.name}=${envName(i.name)}` : `--input ${i.name}=<${i.type === 'any' ? 'value' : i.type}>`;
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
