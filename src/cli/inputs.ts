/**
 * Gathering a run's inputs from `--inputs <file|->`, `--input name=value` and
 * `--input-env name=ENV_VAR`, coerced by the workflow input schema's type.
 */
import { readFile } from 'node:fs/promises';
import { splitAssignment } from './args.js';
import type { InputDescription, InputsShape } from './document.js';
import { CliError } from './errors.js';
import { coerceInput, envName, MAX_INPUT_DEPTH, tooDeep } from '../document/input-text.js';
import { didYouMean } from '../util/suggest.js';
import { isRecord } from '../util/guards.js';
import { truncateForMessage } from '../util/truncate.js';

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
