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
import {
  CHECK_NAMES,
  CHECKS_EXTENSION,
  CHECKS_EXTENSION_FIX,
  type CheckLevel,
  type CheckName,
  checksExtensionProblems,
  type LevelOverrides,
} from '../document/checks-extension.js';
import type { CheckLevels } from './types.js';

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
