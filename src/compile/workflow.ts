/**
 * One workflow: its step ids (and the outputs each step declares), dependsOn, inputs, parameters,
 * actions and outputs, then its steps in order.
 */
import { xSecurityInputs } from '../auth/x-security.js';
import { describeInputs } from '../document/inputs.js';
import type { ArazzoDocument, JsonSchema } from '../document/types.js';
import { compileActionList } from './actions.js';
import { checkInputsRefs, reportSchemaIssues } from './components.js';
import { type AjvValidate, inputValidator } from './inputs.js';
import { checkGotoLoops } from './loops.js';
import type { LoadedStep, LoadedWorkflow } from './loaded.js';
import { type CompiledParameter, compileParameterList } from './parameters.js';
import type { StepPlan, WorkflowPlan, WorkflowRef } from './plan-types.js';
import { type DocumentScope, isObj, isStr, list, type Obj, type Site, type WorkflowScope } from './scope.js';
import { compileOutputs, compileStep } from './step.js';
import { workflowTarget } from './targets.js';

const PORTABLE_ID = /^[A-Za-z0-9_-]+$/;

/** Step ids (unique, portable) and the outputs each step declares. */
function indexSteps(scope: DocumentScope, workflow: Obj, path: string): Pick<WorkflowScope, 'stepIds' | 'stepOutputs' | 'stepWorkflows'> {
  const stepIds = new Map<string, number>();
  const stepOutputs = new Map<string, ReadonlySet<string>>();
  const stepWorkflows = new Map<string, string>();
  list(workflow.steps).forEach((step, index) => {
    if (!isObj(step) || !isStr(step.stepId)) return;
    const at = `${path}.steps[${index}].stepId`;
    if (stepIds.has(step.stepId)) {
      scope.reporter.error(
        'STEP_ID_DUPLICATE',
        at,
        `stepId '${step.stepId}' is already used in this workflow; stepIds must be unique per workflow. Rename one.`,
      );
      return;
    }
    stepIds.set(step.stepId, index);
    stepOutputs.set(step.stepId, new Set(isObj(step.outputs) ? Object.keys(step.outputs) : []));
    if (isStr(step.workflowId)) stepWorkflows.set(step.stepId, step.workflowId);
    if (!PORTABLE_ID.test(step.stepId)) {
      scope.reporter.warn(
        'ID_NOT_PORTABLE',
        at,
        `stepId '${step.stepId}' should match [A-Za-z0-9_-]+; other characters cannot be referenced by runtime expressions.`,
      );
    }
  });
  return { stepIds, stepOutputs, stepWorkflows };
}

/**
 * The inputs schema checked at load (when the document's schemas need checking): against the
 * meta-schema, then compiled; the compiled validator, kept for the runs. A problem already reported
 * inside the schema (a `$ref` to a missing component) is not reported again as a compile failure.
 */
function checkWorkflowSchema(scope: DocumentScope, schema: JsonSchema | undefined, path: string, workflowId: string): AjvValidate | undefined {
  const check = scope.schemas;
  if (!check || schema === undefined || schema === true || scope.shapeInvalid(path)) return undefined;
  reportSchemaIssues(scope, check.metaIssues(schema), path);
  const { validate, error } = check.compile(schema, (scope.doc as unknown as ArazzoDocument).components);
  const usesComponents = JSON.stringify(schema).includes('#/components/inputs');
  const reportedHere = scope.reporter.problems.some(
    (p) => p.severity === 'error' && (p.path.startsWith(path) || (usesComponents && p.path.startsWith('$.components.inputs'))),
  );
  if (error !== undefined && !reportedHere) {
    scope.reporter.error(
      'INPUTS_SCHEMA_INVALID',
      path,
      `The inputs schema of workflow '${workflowId}' cannot be compiled: ${error}. Fix the schema (JSON Schema 2020-12).`,
    );
  }
  return validate;
}

/** Check and compile workflow `index`; its plan and the embedder's view, when it has a workflowId. */
export function compileWorkflow(scope: DocumentScope, workflow: Obj, index: number): { plan: WorkflowPlan; info: LoadedWorkflow } | undefined {
  const path = `$.workflows[${index}]`;
  const workflowId = isStr(workflow.workflowId) ? workflow.workflowId : undefined;
  const steps = indexSteps(scope, workflow, path);

  const dependsOn: WorkflowRef[] = [];
  const edges: Array<{ target: string; path: string }> = [];
  list(workflow.dependsOn).forEach((target, i) => {
    if (!isStr(target)) return;
    const at = `${path}.dependsOn[${i}]`;
    const ref = workflowTarget(scope, target, at, 'dependsOn', true);
    if (!ref) return;
    dependsOn.push(ref);
    if (ref.source === undefined) edges.push({ target, path: at });
  });
  if (workflowId !== undefined && scope.workflowIds.get(workflowId) === index) scope.dependsOnEdges.set(workflowId, edges);

  checkInputsRefs(scope, workflow.inputs, `${path}.inputs`);
  const document = scope.doc as unknown as ArazzoDocument;
  const inputs = describeInputs(document, workflow);
  const scoped: WorkflowScope = { path, workflowId, ...steps, inputs };
  const site: Site = { workflow: scoped };

  const parameters = compileParameterList(scope, workflow.parameters, `${path}.parameters`, 'workflow-level', site);
  const successActions = compileActionList(scope, 'success', workflow.successActions, 'workflow', `${path}.successActions`, scoped, site);
  const failureActions = compileActionList(scope, 'failure', workflow.failureActions, 'workflow', `${path}.failureActions`, scoped, site);
  const outputs = compileOutputs(scope, workflow.outputs, `${path}.outputs`, site);

  const defaults = {
    parameters,
    successActions,
    failureActions,
    warned: new Set<CompiledParameter>(),
    xSecurity: { raw: workflow['x-security'], values: new Map(), reported: new Set<string>() },
  };
  const stepPlans: StepPlan[] = [];
  const stepInfos: LoadedStep[] = [];
  list(workflow.steps).forEach((step, si) => {
    if (!isObj(step)) return;
    const compiled = compileStep(scope, scoped, step, si, defaults);
    if (!compiled) return;
    stepPlans.push(compiled.plan);
    stepInfos.push(compiled.info);
  });

  checkGotoLoops(scope, stepPlans);

  if (workflowId === undefined) return undefined;
  const schema = workflow.inputs as JsonSchema | undefined;
  const validate = checkWorkflowSchema(scope, schema, `${path}.inputs`, workflowId);
  const plan: WorkflowPlan = {
    workflowId,
    path,
    ...(schema !== undefined ? { inputsSchema: schema } : {}),
    validateInputs: inputValidator(schema, document.components, validate),
    // Inputs that x-security entries read hold credentials: secret too.
    secretInputs: [...new Set([...inputs.inputs.filter((i) => i.secret).map((i) => i.name), ...stepPlans.flatMap((s) => xSecurityInputs(s.security))])],
    dependsOn,
    steps: stepPlans,
    stepIndex: steps.stepIds,
    outputs,
  };
  const info: LoadedWorkflow = {
    workflowId,
    ...(isStr(workflow.summary) ? { summary: workflow.summary } : {}),
    ...(isStr(workflow.description) ? { description: workflow.description } : {}),
    ...(schema !== undefined ? { inputsSchema: schema } : {}),
    inputs: inputs.inputs,
    outputs: outputs.map((o) => o.name),
    dependsOn: dependsOn.map((d) => (d.source !== undefined ? { workflowId: d.workflowId, source: d.source } : { workflowId: d.workflowId })),
    steps: stepInfos,
  };
  return { plan, info };
}
