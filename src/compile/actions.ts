/**
 * Success and failure actions. What an action is (its shape, parameters, criteria and workflow
 * target) is checked and compiled once where it is written (`compileActionBody`); a list binds
 * each action to the workflow that uses it (its `stepId`) and merges step and workflow actions (P13).
 */
import { resolveReference } from './components.js';
import { compileParameterList } from './parameters.js';
import type { ActionPlan } from './plan-types.js';
import { type ActionBody, type DocumentScope, isObj, isStr, list, type Obj, quoteList, type Site, type WorkflowScope } from './scope.js';
import { workflowTarget } from './targets.js';
import { compileCriteriaAt } from './values.js';

/** Check and compile an action where it is written (inline in a list, or a component at `$.components…`). */
export function compileActionBody(scope: DocumentScope, action: Obj, path: string, site: Site | undefined): ActionBody {
  const { reporter } = scope;
  const hasStep = action.stepId !== undefined;
  const hasWorkflow = action.workflowId !== undefined;
  if (action.type === 'end' && (hasStep || hasWorkflow)) {
    reporter.error(
      'ACTION_TARGET_NOT_ALLOWED',
      hasStep ? `${path}.stepId` : `${path}.workflowId`,
      `An 'end' action ends the workflow; remove ${hasStep ? 'stepId' : 'workflowId'} or use type 'goto'.`,
    );
  } else if (hasStep && hasWorkflow) {
    reporter.error('ACTION_TARGET_AMBIGUOUS', path, `A ${String(action.type)} action takes stepId or workflowId, not both. Keep one.`);
  } else if (action.type === 'goto' && !hasStep && !hasWorkflow) {
    reporter.error('ACTION_TARGET_MISSING', path, "A 'goto' action needs a stepId (in this workflow) or a workflowId to go to.");
  }
  if (action.parameters !== undefined && !hasWorkflow) {
    reporter.warn(
      'ACTION_PARAMETERS_WITHOUT_WORKFLOW',
      `${path}.parameters`,
      'Action parameters are inputs for a workflowId target; this action has none, so they are ignored.',
    );
  }
  const parameters = compileParameterList(scope, action.parameters, `${path}.parameters`, 'action', site).map(({ name, value, path: at }) => ({
    name,
    value,
    path: at,
  }));
  const criteria = compileCriteriaAt(scope, action.criteria, `${path}.criteria`, site);
  const workflow =
    action.type !== 'end' && isStr(action.workflowId) ? workflowTarget(scope, action.workflowId, `${path}.workflowId`, 'workflowId', !hasStep) : undefined;
  return { action, criteria, parameters, ...(workflow ? { workflow } : {}) };
}

/**
 * A list of actions (`onSuccess`, `onFailure`, `successActions`, `failureActions`): inline actions
 * compiled here, references bound to their compiled component, each action's `stepId` resolved in
 * the workflow, names unique in the list.
 */
export function compileActionList(
  scope: DocumentScope,
  kind: 'success' | 'failure',
  actions: unknown,
  origin: 'step' | 'workflow',
  path: string,
  workflow: WorkflowScope,
  site: Site,
): ActionPlan[] {
  const componentKind = kind === 'success' ? 'successActions' : 'failureActions';
  const seen = new Map<string, number>();
  const out: ActionPlan[] = [];
  list(actions).forEach((entry, index) => {
    if (!isObj(entry)) return;
    const at = `${path}[${index}]`;
    const viaReference = entry.reference !== undefined;
    let body: ActionBody | undefined;
    if (viaReference) {
      const key = resolveReference(scope, entry, at, componentKind);
      body = key === undefined ? undefined : scope.componentActions.get(`${componentKind}\u0000${key}`);
    } else {
      body = compileActionBody(scope, entry, at, site);
    }
    if (!body) return;
    const { action } = body;
    let stepIndex: number | undefined;
    if (isStr(action.stepId)) {
      stepIndex = workflow.stepIds.get(action.stepId);
      if (stepIndex === undefined && action.type !== 'end') {
        scope.reporter.error(
          'STEP_NOT_FOUND',
          viaReference ? at : `${at}.stepId`,
          `stepId '${action.stepId}'${viaReference ? ' (in the referenced component)' : ''} is not a step of workflow '${workflow.workflowId ?? '?'}' (steps: ${quoteList(workflow.stepIds.keys())}). An action can only go to a step of the current workflow.`,
        );
      }
    }
    if (isStr(action.name)) {
      const first = seen.get(action.name);
      if (first !== undefined) {
        scope.reporter.error(
          'ACTION_NAME_DUPLICATE',
          at,
          `Action name '${action.name}' is already used by entry ${first} of this list; names must be unique in a list.`,
        );
      } else {
        seen.set(action.name, index);
      }
    }
    out.push({
      name: action.name as string,
      type: action.type as ActionPlan['type'],
      kind,
      ...(isStr(action.stepId) ? { stepId: action.stepId } : {}),
      ...(stepIndex !== undefined ? { stepIndex } : {}),
      ...(body.workflow ? { workflow: body.workflow } : {}),
      ...(typeof action.retryAfter === 'number' ? { retryAfter: action.retryAfter } : {}),
      retryLimit: typeof action.retryLimit === 'number' ? action.retryLimit : 1,
      criteria: body.criteria,
      parameters: body.parameters.map((p) => ({ ...p, required: false })),
      origin,
      path: at,
    });
  });
  return out;
}

/** A step's actions, then the workflow's that it does not override by name (P13). */
export function mergeActions(mine: readonly ActionPlan[], defaults: readonly ActionPlan[]): ActionPlan[] {
  const names = new Set(mine.map((a) => a.name));
  return [...mine, ...defaults.filter((a) => !names.has(a.name))];
}
