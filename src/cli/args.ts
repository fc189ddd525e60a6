/**
 * A small, strict argv parser: `--flag value`, `--flag=value`, `-x value`, boolean flags,
 * repeatable flags, `--` to end options. Unknown flags fail with a suggestion.
 */
import { CliError } from './errors.js';
import { didYouMean } from '../util/suggest.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** May be given more than once; values are collected in order. */
  readonly multiple?: boolean;
  /** One-letter alias, without the dash. */
  readonly short?: string;
  /** Placeholder shown in help, e.g. `<file>`. */
  readonly arg?: string;
  readonly description: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface ParsedArgs {
  /** Flag name → string | boolean | string[] (multiple). Absent flags are absent. */
  readonly values: Record<string, string | boolean | string[]>;
  readonly positionals: string[];
}

export function parseArgv(argv: readonly string[], specs: FlagSpecs, command: string): ParsedArgs {
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) shorts.set(spec.short, name);
  const known = Object.keys(specs).map((n) => `--${n}`);

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      name = eq === -1 ? token.slice(2) : token.slice(2, eq);
      inline = eq === -1 ? undefined : token.slice(eq + 1);
    } else {
      const letter = token.slice(1, 2);
      const long = shorts.get(letter);
      if (long === undefined || token.length > 2) {
        throw new CliError(
          'CLI_UNKNOWN_FLAG',
          `Unknown option "${token}" for "arazzo ${command}".${didYouMean(token, known)} Run "arazzo ${command} --help" for the list of options.`,
          { flag: token },
        );
      }
      name = long;
    }
    const spec = specs[name];
    if (spec === undefined) {
      const shown = `--${name}`;
      throw new CliError(
        'CLI_UNKNOWN_FLAG',
        `Unknown option "${shown}" for "arazzo ${command}".${didYouMean(shown, known)} Run "arazzo ${command} --help" for the list of options.`,
        { flag: shown },
      );
    }
    let value: string | boolean;
    if (spec.type === 'boolean') {
      if (inline !== undefined) {
        throw new CliError('CLI_USAGE', `Option "--${name}" is a switch and takes no value (got "--${name}=${inline}").`, { flag: `--${name}` });
      }
      value = true;
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new CliError('CLI_USAGE', `Option "--${name}" needs a value: --${name} ${spec.arg ?? '<value>'}.`, { flag: `--${name}` });
      }
      value = next;
      i++;
    }
    if (spec.multiple) {
      const list = (values[name] as string[] | undefined) ?? [];
      list.push(value as string);
      values[name] = list;
    } else {
      if (name in values && spec.type === 'string') {
        throw new CliError('CLI_USAGE', `Option "--${name}" was given more than once; give it once.`, { flag: `--${name}` });
      }
      values[name] = value;
    }
  }
  return { values, positionals };
}

/** `name=value` → [name, value]; the value may itself contain `=`. */
export function splitAssignment(text: string, flag: string, shape: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    // The text is not echoed: it may be a token typed in the wrong place.
    throw new CliError('CLI_USAGE', `Option "${flag}" expects ${shape}, with an "=" after a non-empty name.`, { flag });
  }
  return [text.slice(0, eq), text.slice(eq + 1)];
}
