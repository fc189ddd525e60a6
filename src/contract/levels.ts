/**
 * The level of each check for each step: `error`, `warn` or `off`.
 *
 * From the most general to the most specific, each layer overriding the one before it:
 * 1. the base: every check at `error` (`arazzo test`), or `off` (`arazzo run`, library);
 * 2. the command line (`--check name=level`, repeatable; `all` names every check), or
 *    `ContractCheckOptions.levels`;
 * 3. `x-arazzo-checks` at the root of the Arazzo document, then on the workflow, then on the step.
 *
 * The document comes last because it is the most specific: a step whose API is known to break a
 * rule says so where the step is, the way an inline lint comment overrides the configuration.
 */
import { appendPath } from '../document/json-path.js';
import type { LoadedDocument } from '../compile/loaded.js';
import type { Extensions } from '../document/types.js';
import { ArazzoError } from '../errors.js';
import { CHECK_LEVELS, CHECK_NAMES, type CheckLevel, type CheckLevels, type CheckName } from './types.js';

/** The extension's name, on the document root, a workflow or a step. */
export const CHECKS_EXTENSION = 'x-arazzo-checks';

/** Levels by check; `all` sets every check, and a named check given with it wins. */
export type LevelOverrides = Partial<Record<CheckName | 'all', CheckLevel>>;

export function uniformLevels(level: CheckLevel): CheckLevels {
  return Object.fromEntries(CHECK_NAMES.map((n) => [n, level])) as Record<CheckName, CheckLevel>;
}

/** `base` with `overrides` applied (`all` first, then the named checks). */
export function applyLevels(base: CheckLevels, overrides: LevelOverrides | undefined): CheckLevels {
  if (!overrides) return base;
  const out = { ...base } as Record<CheckName, CheckLevel>;
  if (overrides.all) for (const n of CHECK_NAMES) out[n] = overrides.all;
  for (const n of CHECK_NAMES) if (overrides[n]) out[n] = overrides[n];
  return out;
}

export function isCheckName(name: string): name is CheckName {
  return (CHECK_NAMES as readonly string[]).includes(name);
}

export function isCheckLevel(level: string): level is CheckLevel {
  return (CHECK_LEVELS as readonly string[]).includes(level);
}

/** Why a `name=level` pair is not one; undefined when it is. */
export function levelPairProblem(name: string, level: unknown): string | undefined {
  if (name !== 'all' && !isCheckName(name)) return `"${name}" is not a check (checks: ${CHECK_NAMES.join(', ')}, or all)`;
  if (typeof level !== 'string' || !isCheckLevel(level))
    return `the level of "${name}" must be one of ${CHECK_LEVELS.join(', ')}, not ${JSON.stringify(level)}`;
  return undefined;
}

/**
 * What is wrong with an `x-arazzo-checks` value, each with the JSON path under the extension
 * (`''` for the value itself); none when it is well-formed. The compile pass reports these as
 * warnings (the document still runs without checks); setting the checks up refuses them.
 */
export function checksExtensionProblems(raw: unknown): Array<{ readonly at: string; readonly message: string }> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ at: '', message: `${CHECKS_EXTENSION} must be a mapping of check names to levels, not ${JSON.stringify(raw)}` }];
  }
  const out: Array<{ at: string; message: string }> = [];
  for (const [name, level] of Object.entries(raw)) {
    const problem = levelPairProblem(name, level);
    if (problem) out.push({ at: name, message: `${CHECKS_EXTENSION} ${problem}` });
  }
  return out;
}

/** How to write the extension, for messages. */
export const CHECKS_EXTENSION_FIX = 'Write it as a mapping such as {schema: warn, headers: off}.';

/** The levels each step of a document runs its checks at. */
export class StepLevels {
  /** Document → workflowId → stepId → levels. */
  private readonly byDocument = new Map<LoadedDocument, Map<string, Map<string, CheckLevels>>>();
  private readonly fallback: CheckLevels;

  /** Throws ArazzoError CHECKS_EXTENSION_INVALID, with the file and line, for a malformed `x-arazzo-checks`. */
  constructor(root: LoadedDocument, base: CheckLevels) {
    this.fallback = base;
    const pending: LoadedDocument[] = [root];
    while (pending.length > 0) {
      const doc = pending.pop() as LoadedDocument;
      if (this.byDocument.has(doc)) continue;
      this.byDocument.set(doc, levelsOf(doc, base));
      for (const src of doc.sources.values()) if (src.kind === 'arazzo') pending.push(src.document);
    }
  }

  /** The levels of a step (the base for one the document does not have). */
  of(doc: LoadedDocument, workflowId: string, stepId: string): CheckLevels {
    return this.byDocument.get(doc)?.get(workflowId)?.get(stepId) ?? this.fallback;
  }

  /** Whether any step runs `check` at all. */
  anyOn(check: CheckName): boolean {
    for (const workflows of this.byDocument.values()) {
      for (const steps of workflows.values()) for (const levels of steps.values()) if (levels[check] !== 'off') return true;
    }
    return this.fallback[check] !== 'off';
  }
}

function levelsOf(doc: LoadedDocument, base: CheckLevels): Map<string, Map<string, CheckLevels>> {
  const out = new Map<string, Map<string, CheckLevels>>();
  const root = readExtension(doc, doc.document, '$');
  const docLevels = applyLevels(base, root);
  doc.document.workflows.forEach((wf, i) => {
    const wfLevels = applyLevels(docLevels, readExtension(doc, wf, `$.workflows[${i}]`));
    const steps = new Map<string, CheckLevels>();
    out.set(wf.workflowId, steps);
    (wf.steps ?? []).forEach((step, j) => {
      steps.set(step.stepId, applyLevels(wfLevels, readExtension(doc, step, `$.workflows[${i}].steps[${j}]`)));
    });
  });
  return out;
}

function readExtension(doc: LoadedDocument, holder: Extensions, path: string): LevelOverrides | undefined {
  const raw = holder[CHECKS_EXTENSION];
  if (raw === undefined) return undefined;
  const at = appendPath(path, CHECKS_EXTENSION);
  const [problem] = checksExtensionProblems(raw);
  if (problem) {
    const where = problem.at === '' ? at : appendPath(at, problem.at);
    const pos = doc.locate(where);
    const loc = pos ? `${doc.location}:${pos.line}:${pos.column}` : doc.location;
    throw new ArazzoError('CHECKS_EXTENSION_INVALID', `${loc}: ${problem.message}. ${CHECKS_EXTENSION_FIX}`, { file: doc.location, path: where });
  }
  return raw as LevelOverrides;
}
