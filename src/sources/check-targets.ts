/**
 * Load-time resolution of every reference from a document into its sources: step
 * `operationId` / `operationPath` / `workflowId`, action `workflowId`s and workflow `dependsOn`.
 * Shape problems (no target, two targets) belong to the validator and are skipped here.
 */
import type { Problem } from '../errors.js';
import type { ArazzoDocument, ArazzoVersion } from '../document/types.js';
import type { LoadedSource } from '../document/loaded.js';
import { appendPath } from '../document/json-path.js';
import { resolveOperation, resolveWorkflowRef, type ResolveOptions } from './resolve.js';

export interface CheckTargetsOptions {
  readonly version: ArazzoVersion;
  readonly file?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Problems for references that do not resolve. Consequences of sources that failed to load are left out. */
export function checkStepTargets(document: ArazzoDocument, sources: ReadonlyMap<string, LoadedSource>, options: CheckTargetsOptions): Problem[] {
  const problems: Problem[] = [];
  const base: ResolveOptions = {
    version: options.version,
    ...(options.file ? { file: options.file } : {}),
    sourceDescriptions: Array.isArray(document.sourceDescriptions) ? (document.sourceDescriptions.filter(isObj) as never) : [],
  };
  const add = (r: { problem?: Problem; cascade?: boolean }) => {
    if (r.problem && !r.cascade) problems.push(r.problem);
  };
  const workflowRef = (id: unknown, path: string, field = 'workflowId') => {
    if (typeof id === 'string') add(resolveWorkflowRef(id, document, sources, { ...base, path, field }));
  };
  // The spec: with more than one non-arazzo source, an operationId MUST be qualified. P3 still runs a
  // bare one that exactly one source defines, but says so, since other runners will reject it.
  const nonArazzo = (base.sourceDescriptions ?? []).filter((sd) => sd.type !== 'arazzo' && sources.get(sd.name)?.kind !== 'arazzo').length;
  const unqualified = (operationId: string, sourceName: string, path: string) => {
    if (nonArazzo < 2 || operationId.startsWith('$sourceDescriptions.')) return;
    problems.push({
      code: 'OPERATION_ID_UNQUALIFIED',
      severity: 'warning',
      message: `operationId "${operationId}" is not qualified, but the document has ${nonArazzo} non-arazzo sources; the spec requires $sourceDescriptions.${sourceName}.${operationId} (it runs here because only "${sourceName}" defines it, P3).`,
      path,
      ...(options.file ? { file: options.file } : {}),
    });
  };
  const actions = (list: unknown, path: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((a, i) => {
      if (isObj(a) && typeof a.workflowId === 'string' && a.stepId === undefined) workflowRef(a.workflowId, `${path}[${i}]`);
    });
  };

  const workflows = Array.isArray(document.workflows) ? document.workflows : [];
  workflows.forEach((wf, w) => {
    if (!isObj(wf)) return;
    const wfPath = `$.workflows[${w}]`;
    if (Array.isArray(wf.dependsOn)) {
      wf.dependsOn.forEach((d, i) => {
        if (typeof d === 'string') workflowRef(d, wfPath, `dependsOn[${i}]`);
      });
    }
    actions(wf.successActions, `${wfPath}.successActions`);
    actions(wf.failureActions, `${wfPath}.failureActions`);
    const steps = Array.isArray(wf.steps) ? wf.steps : [];
    steps.forEach((step, s) => {
      if (!isObj(step)) return;
      const path = `${wfPath}.steps[${s}]`;
      const targets = ['operationId', 'operationPath', 'workflowId'].filter((k) => typeof step[k] === 'string');
      if (targets.length === 1) {
        if (targets[0] === 'workflowId') workflowRef(step.workflowId, path);
        else {
          const resolved = resolveOperation({ [targets[0]!]: step[targets[0]!] as string }, sources, { ...base, path });
          add(resolved);
          if (resolved.operation && targets[0] === 'operationId') unqualified(step.operationId as string, resolved.operation.sourceName, `${path}.operationId`);
        }
      }
      actions(step.onSuccess, `${path}.onSuccess`);
      actions(step.onFailure, `${path}.onFailure`);
    });
  });

  const components = isObj(document.components) ? document.components : {};
  for (const kind of ['successActions', 'failureActions'] as const) {
    const map = components[kind];
    if (!isObj(map)) continue;
    for (const [key, a] of Object.entries(map)) {
      if (isObj(a) && typeof a.workflowId === 'string' && a.stepId === undefined) {
        workflowRef(a.workflowId, appendPath(`$.components.${kind}`, key));
      }
    }
  }
  return problems;
}
