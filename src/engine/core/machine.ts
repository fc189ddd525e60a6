/**
 * The machine: what the core needs besides the state and the event. It is the loaded document, the
 * run's limits, and what is derived from the document once instead of on every step (the documents
 * of Arazzo sources by key, the parts of the evaluation context that never change, action
 * summaries and counter keys). A driver builds one with `createMachine` and passes it to every
 * `next()` of the run (or of many runs of the same document with the same limits). It holds no
 * run data and no callbacks.
 */
import { type LoadedDocument, workflowPlan } from '../../compile/loaded.js';
import type { SourceDescriptionView } from '../../expressions/types.js';
import type { Components } from '../../document/types.js';
import { ArazzoError } from '../../errors.js';
import type { ActionPlan, StepPlan, WorkflowPlan, WorkflowRef } from '../../compile/plan-types.js';
import type { ActionSummary } from '../types.js';
import { isSecretName } from '../../util/secret-name.js';

export const DEFAULT_MAX_STEPS = 10_000;
export const DEFAULT_MAX_DEPTH = 64;

export interface MachineOptions {
  /** Step executions per run (MAX_STEPS_EXCEEDED); default 10,000. */
  readonly maxSteps?: number;
  /** Whole-run timeout, ms (RUN_TIMEOUT); default none. */
  readonly timeoutMs?: number;
  /** Workflow invocations nested inside each other (WORKFLOW_DEPTH_EXCEEDED); default 64. */
  readonly maxDepth?: number;
  /** Build `step.finished` records (someone keeps history or listens); default true. */
  readonly recording?: boolean;
  /** Build the per-step events `step.started` and `action.taken` (someone listens); default true. */
  readonly listening?: boolean;
}

/** One document of the run (the entry document or an Arazzo source) and what expressions read of it. */
export interface DocumentScope {
  readonly key: string;
  readonly doc: LoadedDocument;
  readonly sourceDescriptions: Readonly<Record<string, SourceDescriptionView>>;
  readonly components: Readonly<Components> | undefined;
  readonly self: string;
}

export class Machine {
  readonly maxSteps: number;
  readonly timeoutMs: number | undefined;
  readonly maxDepth: number;
  readonly recording: boolean;
  readonly listening: boolean;
  // Made on first use: most runs need only the entry document and no summaries.
  private scopes: Map<string, DocumentScope> | undefined;
  private rootScope: DocumentScope | undefined;
  /** The last plan looked up: a run asks for the same one on every step. */
  private lastPlan: WorkflowPlan | undefined;
  private lastPlanDoc = '';
  private rootCountKeys: WeakMap<StepPlan, string> | undefined;

  constructor(
    readonly root: LoadedDocument,
    options: MachineOptions = {},
  ) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.timeoutMs = options.timeoutMs;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.listening = options.listening ?? true;
    this.recording = (options.recording ?? true) || this.listening;
  }

  /** The document with key `key` ('' = the entry document; else Arazzo source names joined with '/'). */
  scope(key: string): DocumentScope {
    if (key === '') return (this.rootScope ??= makeScope('', this.root));
    this.scopes ??= new Map();
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = makeScope(key, documentAt(this.root, key));
      this.scopes.set(key, scope);
    }
    return scope;
  }

  /** The compiled plan of a workflow; WORKFLOW_NOT_FOUND when the document has no such workflow. */
  plan(docKey: string, workflowId: string): WorkflowPlan {
    const last = this.lastPlan;
    if (last !== undefined && last.workflowId === workflowId && this.lastPlanDoc === docKey) return last;
    const doc = docKey === '' ? this.root : this.scope(docKey).doc;
    const plan = workflowPlan(doc, workflowId);
    if (!plan) throw new ArazzoError('WORKFLOW_NOT_FOUND', `Workflow "${workflowId}" does not exist in ${doc.location}.`, { workflowId });
    this.lastPlan = plan;
    this.lastPlanDoc = docKey;
    return plan;
  }

  /** How events and step records name an action. */
  summary(action: ActionPlan): ActionSummary {
    const s: { -readonly [K in keyof ActionSummary]: ActionSummary[K] } = { name: action.name, type: action.type };
    if (action.stepId !== undefined) s.stepId = action.stepId;
    if (action.workflow) s.workflowId = action.workflow.workflowId;
    return s;
  }

  /**
   * Whether a step has an output whose name looks secret (a login's `accessToken`, P21): its
   * execution is then recorded (`step.finished`) even when no one listens, so that the driver
   * knows the value is a secret from that step on.
   */
  hasSecretOutputs(step: StepPlan): boolean {
    let known = secretOutputSteps.get(step);
    if (known === undefined) {
      known = step.outputs.some((o) => isSecretName(o.name));
      secretOutputSteps.set(step, known);
    }
    return known;
  }

  /** `doc|workflow|step`: the key of a step's execution counter in `RunState.counts`. */
  countKey(docKey: string, workflowId: string, step: StepPlan): string {
    // Made once per step of the entry document (a step plan belongs to one workflow), not per execution.
    if (docKey !== '') return `${docKey}|${workflowId}|${step.stepId}`;
    this.rootCountKeys ??= new WeakMap();
    let key = this.rootCountKeys.get(step);
    if (key === undefined) {
      key = `|${workflowId}|${step.stepId}`;
      this.rootCountKeys.set(step, key);
    }
    return key;
  }
}

/** Steps known to have (or not) a secret-named output; plans are immutable and shared by runs. */
const secretOutputSteps = new WeakMap<StepPlan, boolean>();

export function createMachine(root: LoadedDocument, options: MachineOptions = {}): Machine {
  return new Machine(root, options);
}

/** The key of the document a workflow reference points into, seen from the document `parentKey`. */
export function childDocKey(parentKey: string, ref: WorkflowRef): string {
  if (!ref.source) return parentKey;
  return parentKey === '' ? ref.source : `${parentKey}/${ref.source}`;
}

function documentAt(root: LoadedDocument, key: string): LoadedDocument {
  if (key === '') return root;
  let doc = root;
  for (const name of key.split('/')) {
    const src = doc.sources.get(name);
    if (src?.kind !== 'arazzo') throw new ArazzoError('WORKFLOW_NOT_FOUND', `Source "${name}" is not an Arazzo source of ${doc.location}.`);
    doc = src.document;
  }
  return doc;
}

function makeScope(key: string, doc: LoadedDocument): DocumentScope {
  const sourceDescriptions: Record<string, SourceDescriptionView> = {};
  for (const sd of doc.document.sourceDescriptions ?? []) {
    sourceDescriptions[sd.name] = sd.type ? { name: sd.name, url: sd.url, type: sd.type } : { name: sd.name, url: sd.url };
  }
  return { key, doc, sourceDescriptions, components: doc.document.components, self: doc.baseUri };
}
