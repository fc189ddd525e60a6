/**
 * `arazzo validate <file>`: load the document with every check the engine runs (schema,
 * semantics, sources, expressions, criteria) and print every problem, one per line.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedDocument } from '../compile/loaded.js';
import { DocumentError, formatProblem, type Problem } from '../errors.js';
import { CliError, exitCodeFor } from './errors.js';
import { wantsColor, createStyle } from './format.js';
import type { CliIo } from './io.js';
import { loadOptionsFromFlags } from './document.js';
import { loadLoader } from './library.js';

export async function validateCommand(file: string, json: boolean, io: CliIo, flags: Record<string, unknown> = {}): Promise<number> {
  const options = loadOptionsFromFlags(flags);
  const { loadArazzo } = await loadLoader();
  let problems: Problem[];
  try {
    const doc = await loadArazzo(file, options);
    problems = [...doc.warnings];
  } catch (err) {
    if (err instanceof DocumentError) problems = [...err.problems];
    else throw err;
  }
  problems = problems.map((p) => withFile(p, file)).sort(byPosition);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;

  if (json) {
    io.stdout.write(`${JSON.stringify(problems, null, 2)}\n`);
  } else {
    const colour = wantsColor(io.stdout.isTTY === true, io.env);
    const c = createStyle(colour);
    for (const p of problems) {
      io.stdout.write(`${colour ? colourProblem(p, c) : formatProblem(p)}${p.severity === 'warning' ? '  [warning]' : ''}\n`);
    }
  }
  const s = createStyle(wantsColor(io.stderr.isTTY === true, io.env));
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const warned = warnings > 0 ? `${plural(warnings, 'warning')}` : '';
  io.stderr.write(
    errors > 0
      ? `${s.red('✖')} ${file}: ${plural(errors, 'error')}${warned ? `, ${warned}` : ''}\n`
      : `${s.green('✔')} ${file} is valid${warned ? `, with ${warned}` : ''}\n`,
  );
  return exitCodeFor(errors > 0 ? { code: 'DOCUMENT_INVALID' } : undefined);
}

/** A problem line in colour (terminal only): the code red or yellow, the JSON path dimmed. */
function colourProblem(p: Problem, c: ReturnType<typeof createStyle>): string {
  const loc = p.file ? `${p.file}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}  ` : '';
  const code = p.severity === 'warning' ? c.yellow(p.code) : c.red(p.code);
  return `${loc}${code}  ${p.message}  ${c.dim(`(${p.path})`)}`;
}

/** Show the document's path as the user typed it (sources keep their own paths). */
/**
 * Load a document a command is about to use. A document with errors has each printed on stderr
 * (as by `validate`), then DOCUMENT_INVALID (exit 2) saying what did not happen (`nothing was run`).
 */
export async function loadOrExplain(load: (file: string) => Promise<LoadedDocument>, file: string, io: CliIo, consequence: string): Promise<LoadedDocument> {
  try {
    return await load(file);
  } catch (err) {
    if (!(err instanceof DocumentError)) throw err;
    const errors = err.problems.filter((p) => p.severity === 'error');
    for (const p of errors) io.stderr.write(`${formatProblem(withFile(p, file))}\n`);
    throw new CliError(
      'DOCUMENT_INVALID',
      `${file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}; ${consequence}. See above, or run "arazzo validate ${file}".`,
      { file, problems: errors },
      { cause: err },
    );
  }
}

export function withFile(p: Problem, file: string): Problem {
  if (p.file === undefined || p.file === resolve(file) || p.file === pathToFileURL(resolve(file)).href) return { ...p, file };
  return p;
}

function byPosition(a: Problem, b: Problem): number {
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  // Plain comparison: localeCompare's first call costs ~9 ms of ICU set-up on every start.
  return (fa < fb ? -1 : fa > fb ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
