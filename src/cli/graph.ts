/**
 * `arazzo graph`: a workflow as a Mermaid flowchart, drawn from the plain document. Solid
 * arrows are success paths (default next step, goto, end), dashed arrows failure paths (retry,
 * goto, end), labelled with the action name and its criteria. Steps that call a workflow are
 * subroutine boxes with an arrow to the called workflow, drawn alongside when it is local.
 */
import type { ArazzoDocument, Criterion, FailureAction, ReusableObject, Step, SuccessAction, Workflow } from '../document/types.js';
import { describeInputs } from './document.js';
import { formatDuration } from './format.js';
import { unescapePointerToken } from '../selection/json-pointer.js';

export interface GraphOptions {
  /** Draw only this workflow (and the local workflows it calls). */
  readonly workflowId?: string;
  readonly direction?: 'TD' | 'LR';
}

const MAX_LABEL = 90;

export function renderMermaid(doc: ArazzoDocument, options: GraphOptions = {}): string {
  const byId = new Map(doc.workflows.map((w, i) => [w.workflowId, { workflow: w, index: i }]));
  const roots = options.workflowId !== undefined ? doc.workflows.filter((w) => w.workflowId === options.workflowId) : doc.workflows;

  // Every workflow to draw: the roots and, transitively, the local workflows they call.
  const drawn: Workflow[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const w = queue.shift()!;
    if (seen.has(w.workflowId)) continue;
    seen.add(w.workflowId);
    drawn.push(w);
    for (const target of calledWorkflows(doc, w)) {
      const local = byId.get(target);
      if (local && !seen.has(local.workflow.workflowId)) queue.push(local.workflow);
    }
  }

  const out: string[] = [`flowchart ${options.direction ?? 'TD'}`];
  const cross: string[] = [];
  const external = new Map<string, string>();
  const wrap = drawn.length > 1;
  const startOf = (id: string): string | undefined => {
    const w = byId.get(id);
    return w && seen.has(w.workflow.workflowId) ? `w${w.index}_start` : undefined;
  };
  const externalNode = (id: string): string => {
    let node = external.get(id);
    if (!node) {
      node = `ext${external.size}`;
      external.set(id, node);
      out.push(`  ${node}[["${text(`workflow ${id}`)}"]]`);
    }
    return node;
  };
  const workflowTarget = (id: string): string => startOf(id) ?? externalNode(id);

  for (const w of drawn) {
    const wi = byId.get(w.workflowId)!.index;
    const p = `w${wi}_`;
    const pad = wrap ? '    ' : '  ';
    const lines: string[] = [];
    const edges = new EdgeSet(pad);
    const steps = Array.isArray(w.steps) ? w.steps : [];
    const stepNode = (stepId: string | undefined): string | undefined => {
      const i = steps.findIndex((s) => s.stepId === stepId);
      return i === -1 ? undefined : `${p}s${i}`;
    };
    let usesFailed = false;
    const defaults = inputDefaults(doc, w);

    lines.push(`${pad}${p}start(["${text(wrap ? 'start' : `start: ${w.workflowId}`)}"])`);
    steps.forEach((step, i) => {
      const target = targetLabel(step);
      const label = [`${step.stepId}${badges(step, defaults)}`, target === step.stepId ? '' : target]
        .filter((l) => l !== '')
        .map(text)
        .join('<br/>');
      lines.push(step.workflowId !== undefined ? `${pad}${p}s${i}[["${label}"]]` : `${pad}${p}s${i}["${label}"]`);
    });
    lines.push(`${pad}${p}done(["${text('succeeded')}"])`);

    edges.add(`${p}start`, '-->', steps.length > 0 ? `${p}s0` : `${p}done`);

    // dependsOn: each prerequisite workflow runs to completion before this one starts (P15).
    for (const dep of list(w.dependsOn)) {
      if (typeof dep !== 'string') continue;
      const local = byId.get(dep);
      const from = local && seen.has(local.workflow.workflowId) ? `w${local.index}_done` : externalNode(dep);
      cross.push(`  ${from} -.->|"${text('dependsOn')}"| ${p}start`);
    }

    steps.forEach((step, i) => {
      const from = `${p}s${i}`;
      const next = i + 1 < steps.length ? `${p}s${i + 1}` : `${p}done`;
      if (step.workflowId !== undefined) {
        cross.push(`  ${from} -.->|"${text('calls')}"| ${workflowTarget(step.workflowId)}`);
      }

      const success = [...list(step.onSuccess), ...list(w.successActions)].map((a) => resolve<SuccessAction>(doc, a, 'successActions'));
      let unconditionalSuccess = false;
      for (const a of success) {
        if (!a || typeof a !== 'object') continue;
        const cond = conditions(a.criteria);
        if (cond === '') unconditionalSuccess = true;
        const label = text(edgeLabel(a.name, cond));
        if (a.type === 'end') edges.add(from, '-->', `${p}done`, label);
        else if (a.type === 'goto') {
          const to = a.stepId !== undefined ? stepNode(a.stepId) : undefined;
          if (to) edges.add(from, '-->', to, label);
          else if (a.workflowId !== undefined) cross.push(`  ${from} -->|"${label}"| ${workflowTarget(a.workflowId)}`);
        }
        if (unconditionalSuccess) break;
      }
      if (!unconditionalSuccess) edges.add(from, '-->', next);

      const failure = [...list(step.onFailure), ...list(w.failureActions)].map((a) => resolve<FailureAction>(doc, a, 'failureActions'));
      for (const a of failure) {
        if (!a || typeof a !== 'object') continue;
        const cond = conditions(a.criteria);
        if (a.type === 'retry') {
          const parts = [`retry${a.retryLimit !== undefined ? ` ×${a.retryLimit}` : ''}`];
          if (typeof a.retryAfter === 'number') parts.push(`after ${formatDuration(a.retryAfter * 1000)}`);
          const label = text(edgeLabel(a.name, [parts.join(' '), cond].filter((c) => c !== '').join(' if ')));
          const via = a.stepId !== undefined ? stepNode(a.stepId) : undefined;
          if (via) {
            edges.add(from, '-.->', via, label);
            edges.add(via, '-.->', from, text('then retry'));
          } else if (a.workflowId !== undefined) {
            cross.push(`  ${from} -.->|"${label}"| ${workflowTarget(a.workflowId)}`);
          } else {
            edges.add(from, '-.->', from, label);
          }
          continue;
        }
        const label = text(edgeLabel(a.name, cond));
        if (a.type === 'end') {
          usesFailed = true;
          edges.add(from, '-.->', `${p}failed`, label);
        } else if (a.type === 'goto') {
          const to = a.stepId !== undefined ? stepNode(a.stepId) : undefined;
          if (to) edges.add(from, '-.->', to, label);
          else if (a.workflowId !== undefined) cross.push(`  ${from} -.->|"${label}"| ${workflowTarget(a.workflowId)}`);
        }
        if (cond === '') break;
      }
    });
    if (usesFailed) lines.push(`${pad}${p}failed(["${text('failed')}"])`);

    if (wrap) {
      out.push(`  subgraph w${wi}["${text(w.workflowId)}"]`);
      out.push(`    direction ${options.direction ?? 'TD'}`);
      out.push(...lines, ...edges.render());
      out.push('  end');
    } else {
      out.push(...lines, ...edges.render());
    }
  }
  out.push(...cross);
  return `${out.join('\n')}\n`;
}

/**
 * The arrows of one workflow. Arrows with the same ends and style are drawn once, their labels
 * stacked (a step with three retry actions gets one dashed loop, not three on top of each other).
 */
class EdgeSet {
  private readonly edges = new Map<string, { from: string; arrow: string; to: string; labels: string[] }>();

  constructor(private readonly pad: string) {}

  add(from: string, arrow: '-->' | '-.->', to: string, label = ''): void {
    const key = `${from} ${arrow} ${to} ${label === '' ? 'plain' : 'labelled'}`;
    const edge = this.edges.get(key) ?? { from, arrow, to, labels: [] };
    if (label !== '' && !edge.labels.includes(label)) edge.labels.push(label);
    this.edges.set(key, edge);
  }

  render(): string[] {
    return [...this.edges.values()].map((e) => `${this.pad}${e.from} ${e.arrow}${e.labels.length > 0 ? `|"${e.labels.join('<br/>')}"|` : ''} ${e.to}`);
  }
}

function list<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** `$components.successActions.x` → the component; anything else as written. */
function resolve<T>(doc: ArazzoDocument, item: T | ReusableObject, kind: 'successActions' | 'failureActions'): T | undefined {
  if (item && typeof item === 'object' && 'reference' in item && typeof item.reference === 'string') {
    const m = /^\$components\.(successActions|failureActions)\.(.+)$/.exec(item.reference);
    if (!m || m[1] !== kind) return undefined;
    return (doc.components?.[kind] as Record<string, T> | undefined)?.[m[2]!];
  }
  return item as T;
}

function calledWorkflows(doc: ArazzoDocument, w: Workflow): string[] {
  const ids: string[] = list(w.dependsOn).filter((d): d is string => typeof d === 'string');
  const addTargets = (actions: Array<SuccessAction | FailureAction | ReusableObject>): void => {
    for (const a of actions) {
      const r = resolve<SuccessAction | FailureAction>(doc, a, 'successActions') ?? resolve<SuccessAction | FailureAction>(doc, a, 'failureActions');
      if (r && typeof r.workflowId === 'string') ids.push(r.workflowId);
    }
  };
  for (const s of list(w.steps)) {
    if (typeof s.workflowId === 'string') ids.push(s.workflowId);
    addTargets([...list(s.onSuccess), ...list(s.onFailure)]);
  }
  addTargets([...list(w.successActions), ...list(w.failureActions)]);
  return ids;
}

function conditions(criteria: Criterion[] | undefined): string {
  return list(criteria)
    .map((c) => {
      const type = typeof c.type === 'string' ? c.type : c.type && typeof c.type === 'object' ? c.type.type : 'simple';
      return type === 'simple' ? String(c.condition) : `${type}(${c.context ?? ''}) ${c.condition}`;
    })
    .join(' && ');
}

function edgeLabel(name: string | undefined, detail: string): string {
  const head = name ?? '';
  const label = head && detail ? `${head}: ${detail}` : head || detail;
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

/** The defaults of a workflow's inputs, to show what `x-delay: $inputs.pollIntervalSeconds` means. */
function inputDefaults(doc: ArazzoDocument, w: Workflow): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  for (const i of describeInputs(doc, w).inputs) if (i.hasDefault) defaults.set(i.name, i.default);
  return defaults;
}

/**
 * ` ⟳ 5s`, ` ≤20×`, ` ⏱ 10m00s`, ` @ https://…` for the engine's step extensions; a value taken
 * from an input reads `⟳ pollIntervalSeconds (5s)`, with the input's default when it has one.
 */
function badges(step: Step, defaults: ReadonlyMap<string, unknown> = new Map()): string {
  const out: string[] = [];
  const seconds = (v: unknown): string => {
    if (typeof v === 'number') return formatDuration(v * 1000);
    const m = typeof v === 'string' ? /^\$inputs\.([A-Za-z0-9_.-]+)$/.exec(v) : null;
    if (m) {
      const d = defaults.get(m[1]!);
      return typeof d === 'number' ? `${m[1]} (${formatDuration(d * 1000)})` : m[1]!;
    }
    return String(v);
  };
  if (step['x-delay'] !== undefined) out.push(`⟳ ${seconds(step['x-delay'])}`);
  if (step['x-max-executions'] !== undefined) out.push(`≤${String(step['x-max-executions'])}×`);
  if (step['x-max-duration'] !== undefined) out.push(`⏱ ${seconds(step['x-max-duration'])}`);
  if (step['x-server-url'] !== undefined) out.push(`@ ${String(step['x-server-url'])}`);
  return out.length > 0 ? ` ${out.join(' ')}` : '';
}

/** The second line of a step box: the operation or workflow it targets. */
function targetLabel(step: Step): string {
  if (typeof step.operationId === 'string') return step.operationId.replace(/^\$sourceDescriptions\./, '');
  if (typeof step.workflowId === 'string') return `calls ${step.workflowId.replace(/^\$sourceDescriptions\./, '')}`;
  if (typeof step.operationPath === 'string') {
    const hash = step.operationPath.indexOf('#');
    const pointer = hash === -1 ? step.operationPath : step.operationPath.slice(hash + 1);
    const m = /^\/paths\/([^/]+)\/([a-zA-Z]+)$/.exec(pointer);
    if (m) return `${m[2]!.toUpperCase()} ${unescapePointerToken(m[1]!)}`;
    return step.operationPath;
  }
  return '';
}

/** Text safe inside a quoted Mermaid label. */
function text(s: string): string {
  return s
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\|/g, '#124;')
    .replace(/\r?\n/g, ' ');
}
