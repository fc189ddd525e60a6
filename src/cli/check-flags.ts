/**
 * `--check <name>=<level>` (repeatable) for `arazzo test` and `arazzo run`: the level of a
 * contract check for this invocation. `all` names every check; a later flag wins over an earlier
 * one, and a named check over `all` whatever the order.
 */
import { CHECK_LEVELS, CHECK_NAMES, type LevelOverrides, levelPairProblem } from '../document/checks-extension.js';
import { splitAssignment } from './args.js';
import { CliError } from './errors.js';

export function parseCheckFlags(items: readonly string[]): LevelOverrides {
  const out: LevelOverrides = {};
  for (const item of items) {
    const [name, level] = splitAssignment(item, '--check', `name=level (names: ${CHECK_NAMES.join(', ')}, all; levels: ${CHECK_LEVELS.join(', ')})`);
    const problem = levelPairProblem(name, level);
    if (problem) throw new CliError('CLI_USAGE', `--check ${item}: ${problem}.`, { flag: '--check' });
    out[name as keyof LevelOverrides] = level as LevelOverrides[keyof LevelOverrides];
  }
  return out;
}
