/**
 * One step: its target, parameters (merged with the workflow's, P27), request body, success
 * criteria, actions (merged with the workflow's, P13), outputs and engine extensions (P20).
 */
import { compileXSecurity } from '../auth/x-security.js';
import { appendPath } from '../document/json-path.js';
import type { PayloadReplacement } from '../document/types.js';
import { tryParseRuntimeExpression } from '../expressions/runtime-expression.js';
import { compileActionList, mergeActions } from './actions.js';
import type { LoadedStep } from './loaded.js';
import { type CompiledParameter, compileParameterList, inheritedParameters, parameterPlans } from './parameters.js';
import type { ActionPlan, BodyPlan, OutputPlan, ReplacementPlan, StepExtensions, StepPlan } from './plan-types.js';
import { compileReplacementTarget } from './replacements.js';
import { type DocumentScope, isObj, isStr, list, type Obj, quoteList, type Site, type StepScope, type WorkflowScope } from './scope.js';
import { compileStepTarget } from './targets.js';
import { compileXOperation } from './x-operation.js';
import type { CompiledValue } from '../expressions/types.js';
import { compileCriteriaAt, compileValueAt } from './values.js';

const OUTPUT_KEY = /^[a-zA-Z0-9.\-_]+$/;

/** What a step gets from its workflow. */
export interface WorkflowDefaults {
  readonly parameters: readonly CompiledParameter[];
  readonly successActions: readonly ActionPlan[];
  readonly failureActions: readonly ActionPlan[];
  /** Parameters already reported as not defined by an operation. */
  readonly warned: Set<CompiledParameter>;
  /** The workflow's `x-security`, compiled with each operation step: each value compiled, and each problem reported, once. */
  readonly xSecurity: { readonly raw: unknown; readonly values: Map<string, CompiledValue>; readonly reported: Set<string> };
}

/** Output names must match `^[a-zA-Z0-9.\-_]+$`; each value is compiled. */
export function compileOutputs(scope: DocumentScope, outputs: unknown, path: string, site: Site): OutputPlan[] {
  if (!isObj(outputs)) return [];
  return Object.entries(outputs).map(([name, value]) => {
    const at = appendPath(path, name);
    if (!OUTPUT_KEY.test(name)) {
      scope.reporter.error('OUTPUT_NAME_INVALID', at, `Output name '${name}' must match ^[a-zA-Z0-9.\\-_]+$ (letters, digits, '.', '-', '_'). Rename it.`);
    }
    return { name, value: compileValueAt(scope, value, at, site) };
  });
}

/** 1.1 step `dependsOn`: steps of this workflow (which this step may then read) or `$workflows.<id>.steps.<stepId>`. */
function stepDependsOn(scope: DocumentScope, step: Obj, path: string, workflow: WorkflowScope): Set<string> {
  const dependsOn = new Set<string>();
  list(step.dependsOn).forEach((entry, j) => {
    if (!isStr(entry)) return;
    const at = `${path}.dependsOn[${j}]`;
    const parsed = entry.startsWith('$') ? tryParseRuntimeExpression(entry, scope.version) : undefined;
    const segments = parsed?.ok ? parsed.expression.segments : undefined;
    if (segments?.[0] === 'workflows' && segments[2] === 'steps') {
      const workflowId = segments[1] ?? '';
      const stepId = segments[3] ?? '';
      const index = scope.workflowIds.get(workflowId);
      const other = index === undefined ? undefined : list(scope.doc.workflows)[index];
      if (!isObj(other) || !list(other.steps).some((s) => isObj(s) && s.stepId === stepId)) {
        scope.reporter.error('STEP_DEPENDS_ON_NOT_FOUND', at, `dependsOn '${entry}' names no step: workflow '${workflowId}' has no step '${stepId}'.`);
      }
      return;
    }
    if (!workflow.stepIds.has(entry)) {
      scope.reporter.error(
        'STEP_DEPENDS_ON_NOT_FOUND',
        at,
        `dependsOn '${entry}' names no step of this workflow (steps: ${quoteList(workflow.stepIds.keys())}).`,
      );
      return;
    }
    dependsOn.add(entry);
  });
  return dependsOn;
}

function compileBody(scope: DocumentScope, requestBody: Obj, path: string, contentTypeOfOperation: string | undefined, site: Site): BodyPlan {
  const contentType = isStr(requestBody.contentType) ? requestBody.contentType : (contentTypeOfOperation ?? 'application/json');
  const xml = /xml/i.test(contentType);
  const replacements: ReplacementPlan[] = [];
  list(requestBody.replacements).forEach((r, i) => {
    if (!isObj(r)) return;
    const { error, ...target } = compileReplacementTarget(r as unknown as PayloadReplacement, { xml, version: scope.version });
    if (error) scope.reporter.error(error.code, `${path}.replacements[${i}].target`, error.message);
    replacements.push({ ...target, value: compileValueAt(scope, r.value, `${path}.replacements[${i}].value`, site) });
  });
  return {
    contentType,
    ...(requestBody.payload !== undefined ? { payload: compileValueAt(scope, requestBody.payload, `${path}.payload`, site) } : {}),
    replacements,
  };
}

/** A number as the engine reads an extension's string value: non-negative, no unit. */
const NUMBER_TEXT = /^\s*\+?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

const EXTENSIONS = [
  ['x-delay', 'delay'],
  ['x-max-executions', 'maxExecutions'],
  ['x-max-duration', 'maxDuration'],
  ['x-server-url', 'serverUrl'],
] as const;

/** The engine's step extensions (P20): numbers or runtime expressions. */
function compileExtensions(scope: DocumentScope, step: Obj, path: string, site: Site): StepExtensions {
  const ext: { -readonly [K in keyof StepExtensions]: StepExtensions[K] } = {};
  for (const [key, field] of EXTENSIONS) {
    const raw = step[key];
    if (raw === undefined) continue;
    const at = appendPath(path, key);
    if (field !== 'serverUrl' && typeof raw === 'number' && (!Number.isFinite(raw) || raw < 0)) {
      scope.reporter.error('STEP_EXTENSION_INVALID', at, `${key} must be a non-negative number or a runtime expression.`);
      continue;
    }
    if (typeof raw !== 'number' && typeof raw !== 'string') {
      scope.reporter.error('STEP_EXTENSION_INVALID', at, `${key} must be a number or a runtime expression string.`);
      continue;
    }
    const reported = scope.reporter.problems.length;
    const compiled = compileValueAt(scope, raw, at, site);
    const alreadyReported = scope.reporter.problems.length > reported;
    if (field !== 'serverUrl' && typeof raw === 'string' && compiled.isStatic && !alreadyReported && !NUMBER_TEXT.test(raw)) {
      // A literal such as '2s' or 'ten' fails every run; an expression is checked when it runs.
      const unit = field === 'maxExecutions' ? 'a count of executions' : 'a number of seconds';
      scope.reporter.error(
        'STEP_EXTENSION_INVALID',
        at,
        `${key} must be ${unit} (e.g. ${field === 'maxExecutions' ? '30' : '2 or 0.5'}) or a runtime expression; ${JSON.stringify(raw)} is neither${/^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(raw) ? ': write the number alone, without a unit' : ''}.`,
      );
      continue;
    }
    ext[field] = compiled;
  }
  return ext;
}

/** Check and compile step `index` of a workflow; the plan and the embedder's view, when the step has an id. */
export function compileStep(
  scope: DocumentScope,
  workflow: WorkflowScope,
  step: Obj,
  index: number,
  defaults: WorkflowDefaults,
): { plan: StepPlan; info: LoadedStep } | undefined {
  const path = `${workflow.path}.steps[${index}]`;
  const target = compileStepTarget(scope, step, path);
  if (step.requestBody !== undefined && step.workflowId !== undefined) {
    scope.reporter.error(
      'REQUEST_BODY_ON_WORKFLOW_STEP',
      `${path}.requestBody`,
      'A step that runs a workflow (workflowId) cannot have a requestBody; pass values to the workflow as parameters instead.',
    );
  }
  const stepScope: StepScope = {
    index,
    stepId: isStr(step.stepId) ? step.stepId : undefined,
    kind: target.checkedKind,
    dependsOn: stepDependsOn(scope, step, path, workflow),
  };
  const before: Site = { workflow, step: stepScope };
  // Outputs and actions run after the step, so they may read its own outputs.
  const after: Site = { workflow, step: stepScope, afterRun: true };

  const mode = target.checkedKind === 'workflow' ? 'workflow-step' : target.checkedKind === 'operation' ? 'operation-step' : 'unknown';
  const xOperation = target.xOperation ? compileXOperation(scope, step, path, before) : undefined;
  const own = compileParameterList(scope, step.parameters, `${path}.parameters`, mode, before);
  // An x-operation has no OpenAPI operation to check parameters against.
  const parameters = parameterPlans(scope, [...inheritedParameters(defaults.parameters, own, target.kind), ...own], target.operation, defaults.warned);
  const body =
    target.kind === 'operation' && isObj(step.requestBody)
      ? compileBody(scope, step.requestBody, `${path}.requestBody`, target.operation?.requestBody?.mediaTypes[0], before)
      : undefined;
  const successCriteria = compileCriteriaAt(scope, step.successCriteria, `${path}.successCriteria`, before);
  const onSuccess = compileActionList(scope, 'success', step.onSuccess, 'step', `${path}.onSuccess`, workflow, after);
  const onFailure = compileActionList(scope, 'failure', step.onFailure, 'step', `${path}.onFailure`, workflow, after);
  const outputs = compileOutputs(scope, step.outputs, `${path}.outputs`, after);
  const extensions: StepExtensions = xOperation
    ? { ...compileExtensions(scope, step, path, before), operationUrl: xOperation.url }
    : compileExtensions(scope, step, path, before);
  const xs = defaults.xSecurity;
  const security =
    target.kind === 'operation'
      ? compileXSecurity({
          workflow: xs.raw,
          workflowPath: workflow.path,
          step: step['x-security'],
          stepPath: path,
          operation: target.operation ?? xOperation?.operation,
          sources: scope.sources,
          compile: (v, at) => {
            let compiled = xs.values.get(at);
            if (!compiled) xs.values.set(at, (compiled = compileValueAt(scope, v, at, before)));
            return compiled;
          },
          problem: (message, at) => {
            if (xs.reported.has(`${at}\u0000${message}`)) return;
            xs.reported.add(`${at}\u0000${message}`);
            scope.reporter.error('X_SECURITY_INVALID', at, message);
          },
        })
      : undefined;

  if (stepScope.stepId === undefined) return undefined;
  const { workflow: calls } = target;
  const operation = target.operation ?? xOperation?.operation;
  const plan: StepPlan = {
    stepId: stepScope.stepId,
    index,
    kind: target.kind,
    ...(operation ? { operation } : {}),
    ...(calls ? { workflow: calls } : {}),
    parameters,
    ...(body ? { body } : {}),
    successCriteria,
    onSuccess: mergeActions(onSuccess, defaults.successActions),
    onFailure: mergeActions(onFailure, defaults.failureActions),
    outputs,
    ...(typeof step.timeout === 'number' ? { timeoutMs: step.timeout } : {}),
    extensions,
    ...(security ? { security } : {}),
    path,
  };
  const info: LoadedStep = {
    stepId: stepScope.stepId,
    ...(isStr(step.description) ? { description: step.description } : {}),
    kind: target.kind,
    ...(xOperation && isObj(step['x-operation']) ? { request: { method: xOperation.operation.method, url: String(step['x-operation'].url) } } : {}),
    ...(operation && !xOperation
      ? {
          operation: {
            source: operation.sourceName,
            ...(operation.operationId !== undefined ? { operationId: operation.operationId } : {}),
            method: operation.method,
            path: operation.pathTemplate,
          },
        }
      : {}),
    ...(calls ? { workflow: calls.source !== undefined ? { workflowId: calls.workflowId, source: calls.source } : { workflowId: calls.workflowId } } : {}),
    outputs: outputs.map((o) => o.name),
  };
  return { plan, info };
}
