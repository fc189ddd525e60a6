/**
 * validateDocument: the project JSON Schema for the document's version, then the checks a schema
 * cannot express (rules file §2.6, §2.7, §3, §6, §10). Every problem is returned at once, each
 * with a stable code (see codes.ts), a message saying what to fix, a JSON path and, when the
 * document came from text, its file, line and column.
 */
import type { Problem, Severity } from '../errors.js';
import type { DocumentProblemCode } from '../error-codes.js';
import { appendPath } from './json-path.js';
import type { Position } from './read.js';
import { schemaProblems } from './schema-validation.js';
import type { ArazzoVersion } from './types.js';
import { unsupportedVersionMessage, versionOf } from './version.js';
import { matchRuntimeExpression } from '../expressions/runtime-expression.js';
import { unescapePointerToken } from '../selection/json-pointer.js';

export interface ValidateOptions {
  /** File path or URL the document came from; copied into every problem. */
  location?: string;
  /** Maps a JSON path to a 1-based line/column (from readDocument). */
  locate?: (path: string) => Position | undefined;
  /** Force a version instead of reading the root `arazzo` field. */
  version?: ArazzoVersion;
}

type Obj = Record<string, unknown>;

const PORTABLE_ID = /^[A-Za-z0-9_-]+$/;
const OUTPUT_KEY = /^[a-zA-Z0-9.\-_]+$/;
const COMPONENT_REF = /^\$components\.([A-Za-z]+)\.(.+)$/;
const SOURCE_QUALIFIED = /^\$sourceDescriptions\.([^.]+)\.(.*)$/;
const OPERATION_PATH = /^(?:\{\$sourceDescriptions\.([^.{}]+)\.url\}|\$sourceDescriptions\.([^.{}#]+)\.url)#(.*)$/;
const STEP_REF = /\$steps\.([A-Za-z0-9_-]+)(\.[A-Za-z0-9_]+)?/g;
const WORKFLOW_REF = /\$workflows\.([A-Za-z0-9_-]+)/g;
const SOURCE_REF = /\$sourceDescriptions\.([A-Za-z0-9_-]+)/g;
const CONTEXT_TYPES = new Set(['regex', 'jsonpath', 'xpath']);

const isObj = (value: unknown): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);
const isStr = (value: unknown): value is string => typeof value === 'string';
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const quoteList = (names: Iterable<string>): string => {
  const all = [...names];
  return all.length === 0 ? '(none)' : all.map((n) => `'${n}'`).join(', ');
};

/** The step whose strings are being checked for references, or undefined outside a step. */
type StepScope = { index: number; dependsOn: Set<string>; stepId: string | undefined; afterRun?: boolean } | undefined;

type ComponentKind = 'parameters' | 'successActions' | 'failureActions';

interface WorkflowContext {
  path: string;
  workflowId: string | undefined;
  stepIds: Map<string, number>;
}

/** Validate a parsed document. Returns every problem (errors and warnings), in document order. */
export function validateDocument(data: unknown, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const add = (severity: Severity, code: DocumentProblemCode, path: string, message: string): void => {
    problems.push({ code, message, severity, path });
  };
  const finish = (): Problem[] => locateAll(problems, options);

  if (!isObj(data)) {
    add('error', 'DOCUMENT_NOT_OBJECT', '$', 'The document must be a mapping with arazzo, info, sourceDescriptions and workflows.');
    return finish();
  }
  const version = options.version ?? versionOf(data.arazzo);
  if (!version) {
    add('error', 'ARAZZO_VERSION_UNSUPPORTED', '$.arazzo', unsupportedVersionMessage(data.arazzo));
    return finish();
  }
  problems.push(...schemaProblems(data, version));
  new SemanticChecker(data, version, add).run();
  return finish();
}

function locateAll(problems: Problem[], options: ValidateOptions): Problem[] {
  const located = problems.map((problem, index) => {
    const position = options.locate?.(problem.path);
    return {
      index,
      problem: {
        ...problem,
        ...(options.location !== undefined ? { file: options.location } : {}),
        ...(position ? { line: position.line, column: position.column } : {}),
      },
    };
  });
  located.sort(
    (a, b) =>
      (a.problem.line ?? Number.MAX_SAFE_INTEGER) - (b.problem.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.problem.column ?? 0) - (b.problem.column ?? 0) ||
      a.index - b.index,
  );
  return located.map((entry) => entry.problem);
}

/** The `$steps` expression starting at `index`, by the expression parser; undefined if it does not parse. */
function parseEmbedded(text: string, index: number, version: ArazzoVersion): { refId: string } | undefined {
  try {
    const result = matchRuntimeExpression(text, index, version, 'embedded');
    if (result.ok && result.expression.root === 'steps' && result.expression.refId) return { refId: result.expression.refId };
  } catch {
    // the parser is a refinement here; the pattern below still applies
  }
  return undefined;
}

class SemanticChecker {
  private readonly sources = new Map<string, Obj>();
  private readonly workflowIds = new Map<string, number>();
  private readonly components: Obj;

  constructor(
    private readonly doc: Obj,
    private readonly version: ArazzoVersion,
    private readonly add: (severity: Severity, code: DocumentProblemCode, path: string, message: string) => void,
  ) {
    this.components = isObj(doc.components) ? doc.components : {};
  }

  run(): void {
    this.checkSources();
    this.collectWorkflowIds();
    this.checkComponents();
    list(this.doc.workflows).forEach((workflow, index) => {
      if (isObj(workflow)) this.checkWorkflow(workflow, `$.workflows[${index}]`);
    });
    this.checkDependsOnCycles();
  }

  private error(code: DocumentProblemCode, path: string, message: string): void {
    this.add('error', code, path, message);
  }

  private warn(code: DocumentProblemCode, path: string, message: string): void {
    this.add('warning', code, path, message);
  }

  // ---- sources, ids, components --------------------------------------------------------------

  private checkSources(): void {
    list(this.doc.sourceDescriptions).forEach((source, index) => {
      if (!isObj(source)) return;
      const path = `$.sourceDescriptions[${index}]`;
      if (isStr(source.name)) {
        if (this.sources.has(source.name)) {
          this.error('SOURCE_NAME_DUPLICATE', `${path}.name`, `Source description name '${source.name}' is already used; names must be unique. Rename one.`);
        } else {
          this.sources.set(source.name, source);
        }
      }
      if (source.type === 'asyncapi') {
        this.error('ASYNCAPI_UNSUPPORTED', `${path}.type`, 'AsyncAPI source descriptions are not supported by this engine (only openapi and arazzo).');
      }
    });
  }

  private collectWorkflowIds(): void {
    list(this.doc.workflows).forEach((workflow, index) => {
      if (!isObj(workflow) || !isStr(workflow.workflowId)) return;
      const path = `$.workflows[${index}].workflowId`;
      if (this.workflowIds.has(workflow.workflowId)) {
        this.error(
          'WORKFLOW_ID_DUPLICATE',
          path,
          `workflowId '${workflow.workflowId}' is already used by another workflow; workflowIds must be unique. Rename one.`,
        );
        return;
      }
      this.workflowIds.set(workflow.workflowId, index);
      if (!PORTABLE_ID.test(workflow.workflowId)) {
        this.warn(
          'ID_NOT_PORTABLE',
          path,
          `workflowId '${workflow.workflowId}' should match [A-Za-z0-9_-]+; other characters cannot be referenced by runtime expressions.`,
        );
      }
    });
  }

  private checkComponents(): void {
    const base = '$.components';
    this.checkInputsRefs(this.components.inputs, `${base}.inputs`);
    for (const kind of ['successActions', 'failureActions'] as const) {
      const map = this.components[kind];
      if (!isObj(map)) continue;
      for (const [key, action] of Object.entries(map)) {
        if (isObj(action)) this.checkActionShape(action, appendPath(appendPath(base, kind), key));
      }
    }
    const parameters = this.components.parameters;
    if (isObj(parameters)) {
      for (const [key, parameter] of Object.entries(parameters)) {
        if (isObj(parameter) && parameter.in === 'channel') {
          this.error(
            'ASYNCAPI_UNSUPPORTED',
            appendPath(appendPath(appendPath(base, 'parameters'), key), 'in'),
            "Parameters 'in: channel' are AsyncAPI-only and not supported.",
          );
        }
      }
    }
  }

  // ---- workflows ---------------------------------------------------------------------------

  private checkWorkflow(workflow: Obj, path: string): void {
    const steps = list(workflow.steps);
    const ctx: WorkflowContext = { path, workflowId: isStr(workflow.workflowId) ? workflow.workflowId : undefined, stepIds: new Map() };
    steps.forEach((step, index) => {
      if (!isObj(step) || !isStr(step.stepId)) return;
      const stepPath = `${path}.steps[${index}].stepId`;
      if (ctx.stepIds.has(step.stepId)) {
        this.error('STEP_ID_DUPLICATE', stepPath, `stepId '${step.stepId}' is already used in this workflow; stepIds must be unique per workflow. Rename one.`);
        return;
      }
      ctx.stepIds.set(step.stepId, index);
      if (!PORTABLE_ID.test(step.stepId)) {
        this.warn(
          'ID_NOT_PORTABLE',
          stepPath,
          `stepId '${step.stepId}' should match [A-Za-z0-9_-]+; other characters cannot be referenced by runtime expressions.`,
        );
      }
    });

    list(workflow.dependsOn).forEach((target, index) => {
      if (isStr(target)) this.checkWorkflowRef(target, `${path}.dependsOn[${index}]`, 'dependsOn');
    });
    this.checkInputsRefs(workflow.inputs, `${path}.inputs`);
    this.checkParameters(workflow.parameters, `${path}.parameters`, 'workflow-level');
    this.checkActions(workflow.successActions, `${path}.successActions`, 'success', ctx);
    this.checkActions(workflow.failureActions, `${path}.failureActions`, 'failure', ctx);
    this.checkOutputKeys(workflow.outputs, `${path}.outputs`);
    this.checkReferencesInStrings(workflow.outputs, `${path}.outputs`, ctx, undefined);

    steps.forEach((step, index) => {
      if (isObj(step)) this.checkStep(step, `${path}.steps[${index}]`, index, ctx);
    });
  }

  private checkInputsRefs(schema: unknown, path: string): void {
    if (Array.isArray(schema)) {
      schema.forEach((item, index) => {
        this.checkInputsRefs(item, `${path}[${index}]`);
      });
      return;
    }
    if (!isObj(schema)) return;
    for (const [key, value] of Object.entries(schema)) {
      const childPath = appendPath(path, key);
      if (key === '$ref' && isStr(value) && value.startsWith('#/components/')) {
        const [kind, ...rest] = value.slice('#/components/'.length).split('/');
        const name = unescapePointerToken(rest.join('/'));
        if (kind !== 'inputs') {
          this.error('COMPONENT_KIND_MISMATCH', childPath, `An inputs schema can only $ref '#/components/inputs/<name>', not '${value}'.`);
        } else {
          const inputs = isObj(this.components.inputs) ? this.components.inputs : {};
          const top = name.split('/')[0] ?? '';
          if (!(top in inputs)) {
            this.error('COMPONENT_NOT_FOUND', childPath, `'${value}' does not exist. Defined inputs components: ${quoteList(Object.keys(inputs))}.`);
          }
        }
      } else {
        this.checkInputsRefs(value, childPath);
      }
    }
  }

  private checkOutputKeys(outputs: unknown, path: string): void {
    if (!isObj(outputs)) return;
    for (const key of Object.keys(outputs)) {
      if (!OUTPUT_KEY.test(key)) {
        this.error(
          'OUTPUT_NAME_INVALID',
          appendPath(path, key),
          `Output name '${key}' must match ^[a-zA-Z0-9.\\-_]+$ (letters, digits, '.', '-', '_'). Rename it.`,
        );
      }
    }
  }

  /**
   * `workflowId` of a step or action, or a `dependsOn` entry: a local workflow, or
   * `$sourceDescriptions.<arazzoSource>.<id>` (the target itself is checked when sources load).
   */
  private checkWorkflowRef(ref: string, path: string, what: string): void {
    const qualified = SOURCE_QUALIFIED.exec(ref);
    if (qualified) {
      const [, name = '', id = ''] = qualified;
      const source = this.sources.get(name);
      if (!source) {
        this.error(
          'SOURCE_UNKNOWN',
          path,
          `${what} '${ref}' names source '${name}', which is not in sourceDescriptions (defined: ${quoteList(this.sources.keys())}).`,
        );
      } else if (source.type !== undefined && source.type !== 'arazzo') {
        this.error(
          'SOURCE_NOT_ARAZZO',
          path,
          `${what} '${ref}' points into source '${name}' of type '${String(source.type)}'; a workflow can only come from an arazzo source.`,
        );
      } else if (id === '') {
        this.error('WORKFLOW_NOT_FOUND', path, `${what} '${ref}' has no workflowId after the source name; write $sourceDescriptions.${name}.<workflowId>.`);
      }
      return;
    }
    if (!this.workflowIds.has(ref)) {
      this.error(
        'WORKFLOW_NOT_FOUND',
        path,
        `${what} '${ref}' names no workflow in this document (workflows: ${quoteList(this.workflowIds.keys())}). For a workflow in another document use $sourceDescriptions.<source>.<workflowId>.`,
      );
    }
  }

  private checkDependsOnCycles(): void {
    const workflows = list(this.doc.workflows);
    const edges = new Map<string, Array<{ target: string; path: string }>>();
    workflows.forEach((workflow, index) => {
      if (!isObj(workflow) || !isStr(workflow.workflowId) || this.workflowIds.get(workflow.workflowId) !== index) return;
      edges.set(
        workflow.workflowId,
        list(workflow.dependsOn)
          .map((target, j) => ({ target, path: `$.workflows[${index}].dependsOn[${j}]` }))
          .filter((edge): edge is { target: string; path: string } => isStr(edge.target) && this.workflowIds.has(edge.target)),
      );
    });
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (id: string): void => {
      state.set(id, 'active');
      stack.push(id);
      for (const edge of edges.get(id) ?? []) {
        const seen = state.get(edge.target);
        if (seen === 'active') {
          const cycle = [...stack.slice(stack.indexOf(edge.target)), edge.target];
          this.error('DEPENDS_ON_CYCLE', edge.path, `dependsOn forms a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`);
        } else if (seen === undefined) {
          visit(edge.target);
        }
      }
      stack.pop();
      state.set(id, 'done');
    };
    for (const id of edges.keys()) if (!state.has(id)) visit(id);
  }

  // ---- steps -------------------------------------------------------------------------------

  private checkStep(step: Obj, path: string, index: number, ctx: WorkflowContext): void {
    const targets = (['operationId', 'operationPath', 'workflowId'] as const).filter((field) => step[field] !== undefined);
    const async = step.channelPath !== undefined;
    for (const field of ['channelPath', 'action', 'correlationId'] as const) {
      if (step[field] !== undefined) {
        this.error(
          'ASYNCAPI_UNSUPPORTED',
          `${path}.${field}`,
          `'${field}' belongs to AsyncAPI steps, which this engine does not support. Use an OpenAPI operation (operationId or operationPath) or a workflowId.`,
        );
      }
    }
    if (targets.length === 0 && !async) {
      this.error(
        'STEP_TARGET_MISSING',
        path,
        'A step needs exactly one of operationId, operationPath, workflowId. Add the operation or workflow this step runs.',
      );
    } else if (targets.length > 1) {
      this.error(
        'STEP_TARGET_AMBIGUOUS',
        path,
        `A step needs exactly one of operationId, operationPath, workflowId, but this one has ${targets.join(' and ')}. Keep one.`,
      );
    }
    const kind = targets.length === 1 ? (targets[0] === 'workflowId' ? 'workflow' : 'operation') : undefined;

    if (isStr(step.operationId)) this.checkOperationId(step.operationId, `${path}.operationId`);
    if (isStr(step.operationPath)) this.checkOperationPath(step.operationPath, `${path}.operationPath`);
    if (isStr(step.workflowId)) this.checkWorkflowRef(step.workflowId, `${path}.workflowId`, 'workflowId');
    if (step.requestBody !== undefined && step.workflowId !== undefined) {
      this.error(
        'REQUEST_BODY_ON_WORKFLOW_STEP',
        `${path}.requestBody`,
        'A step that runs a workflow (workflowId) cannot have a requestBody; pass values to the workflow as parameters instead.',
      );
    }
    this.checkParameters(step.parameters, `${path}.parameters`, kind === 'workflow' ? 'workflow-step' : kind === 'operation' ? 'operation-step' : 'unknown');
    this.checkCriteria(step.successCriteria, `${path}.successCriteria`);
    this.checkActions(step.onSuccess, `${path}.onSuccess`, 'success', ctx);
    this.checkActions(step.onFailure, `${path}.onFailure`, 'failure', ctx);
    this.checkOutputKeys(step.outputs, `${path}.outputs`);

    const dependsOn = new Set<string>();
    list(step.dependsOn).forEach((entry, j) => {
      if (!isStr(entry)) return;
      const entryPath = `${path}.dependsOn[${j}]`;
      const cross = /^\$workflows\.([^.]+)\.steps\.(.+)$/.exec(entry);
      if (cross) {
        const [, workflowId = '', stepId = ''] = cross;
        const wfIndex = this.workflowIds.get(workflowId);
        const workflow = wfIndex === undefined ? undefined : list(this.doc.workflows)[wfIndex];
        const found = isObj(workflow) && list(workflow.steps).some((s) => isObj(s) && s.stepId === stepId);
        if (!found) {
          this.error('STEP_DEPENDS_ON_NOT_FOUND', entryPath, `dependsOn '${entry}' names no step: workflow '${workflowId}' has no step '${stepId}'.`);
        }
        return;
      }
      if (!ctx.stepIds.has(entry)) {
        this.error('STEP_DEPENDS_ON_NOT_FOUND', entryPath, `dependsOn '${entry}' names no step of this workflow (steps: ${quoteList(ctx.stepIds.keys())}).`);
        return;
      }
      dependsOn.add(entry);
    });

    const { outputs, onSuccess, onFailure, dependsOn: _dependsOn, ...inputsSide } = step;
    const scope = { index, dependsOn, stepId: isStr(step.stepId) ? step.stepId : undefined };
    this.checkReferencesInStrings(inputsSide, path, ctx, scope);
    // Outputs and actions run after the step, so its own outputs are fine there; later steps are not.
    this.checkReferencesInStrings({ outputs, onSuccess, onFailure }, path, ctx, { ...scope, afterRun: true });
  }

  private checkOperationId(operationId: string, path: string): void {
    const qualified = SOURCE_QUALIFIED.exec(operationId);
    if (!qualified) return; // bare operationIds are resolved against the sources later (P3)
    const [, name = ''] = qualified;
    const source = this.sources.get(name);
    if (!source) {
      this.error(
        'SOURCE_UNKNOWN',
        path,
        `operationId '${operationId}' names source '${name}', which is not in sourceDescriptions (defined: ${quoteList(this.sources.keys())}).`,
      );
    } else if (source.type === 'asyncapi') {
      this.error(
        'ASYNCAPI_UNSUPPORTED',
        path,
        `operationId '${operationId}' points into the AsyncAPI source '${name}'; AsyncAPI operations are not supported.`,
      );
    }
  }

  private checkOperationPath(operationPath: string, path: string): void {
    const match = OPERATION_PATH.exec(operationPath);
    const pointer = match?.[3];
    if (!match || pointer === undefined || !/^\/([^~]|~[01])*$/.test(pointer)) {
      this.error(
        'OPERATION_PATH_INVALID',
        path,
        `operationPath '${operationPath}' must be '{$sourceDescriptions.<name>.url}#<json-pointer>', e.g. '{$sourceDescriptions.petStore.url}#/paths/~1pets/get' (escape '/' in a path as ~1).`,
      );
      return;
    }
    const name = match[1] ?? match[2] ?? '';
    const source = this.sources.get(name);
    if (!source) {
      this.error(
        'SOURCE_UNKNOWN',
        path,
        `operationPath '${operationPath}' names source '${name}', which is not in sourceDescriptions (defined: ${quoteList(this.sources.keys())}).`,
      );
    } else if (source.type === 'asyncapi') {
      this.error(
        'ASYNCAPI_UNSUPPORTED',
        path,
        `operationPath '${operationPath}' points into the AsyncAPI source '${name}'; AsyncAPI operations are not supported.`,
      );
    }
  }

  // ---- parameters, reusable objects --------------------------------------------------------

  private resolveReusable(entry: Obj, path: string, expected: ComponentKind): Obj | undefined {
    const reference = entry.reference;
    if (!isStr(reference)) return undefined; // schema reports it
    const match = COMPONENT_REF.exec(reference);
    if (!match) {
      this.error('COMPONENT_REFERENCE_INVALID', `${path}.reference`, `reference '${reference}' must be '$components.${expected}.<name>'.`);
      return undefined;
    }
    const [, kind = '', key = ''] = match;
    if (kind !== expected) {
      this.error(
        'COMPONENT_KIND_MISMATCH',
        `${path}.reference`,
        `reference '${reference}' points at ${kind}, but this list needs $components.${expected}.<name>.`,
      );
      return undefined;
    }
    if (entry.value !== undefined && expected !== 'parameters') {
      this.error('REUSABLE_VALUE_NOT_ALLOWED', `${path}.value`, `'value' can only override a parameter; remove it from this ${expected} reference.`);
    }
    const map = isObj(this.components[kind]) ? (this.components[kind] as Obj) : {};
    const target = Object.hasOwn(map, key) ? map[key] : undefined;
    if (!isObj(target)) {
      this.error(
        'COMPONENT_NOT_FOUND',
        `${path}.reference`,
        `reference '${reference}' does not exist. Defined ${kind} components: ${quoteList(Object.keys(map))}.`,
      );
      return undefined;
    }
    return target;
  }

  private checkParameters(parameters: unknown, path: string, mode: 'operation-step' | 'workflow-step' | 'workflow-level' | 'action' | 'unknown'): void {
    const seen = new Map<string, number>();
    list(parameters).forEach((entry, index) => {
      if (!isObj(entry)) return;
      const entryPath = `${path}[${index}]`;
      const isRef = entry.reference !== undefined;
      const parameter = isRef ? this.resolveReusable(entry, entryPath, 'parameters') : entry;
      if (!parameter || !isStr(parameter.name)) return;
      const where = parameter.in;
      const describe = isRef ? `parameter '${parameter.name}' (from ${String(entry.reference)})` : `parameter '${parameter.name}'`;
      if (where === 'channel') {
        if (!isRef) this.error('ASYNCAPI_UNSUPPORTED', `${entryPath}.in`, "Parameters 'in: channel' are AsyncAPI-only and not supported.");
      } else if (mode === 'operation-step' && where === undefined) {
        this.error('PARAMETER_IN_REQUIRED', entryPath, `${describe} of an operation step needs 'in' (path, query, header or cookie).`);
      } else if (mode === 'workflow-step' && where !== undefined) {
        this.warn(
          'PARAMETER_IN_IGNORED',
          isRef ? entryPath : `${entryPath}.in`,
          `${describe} maps to an input of the called workflow by name; 'in' is not used. Remove it.`,
        );
      } else if (mode === 'action' && where !== undefined) {
        this.error(
          'ACTION_PARAMETER_IN_NOT_ALLOWED',
          isRef ? entryPath : `${entryPath}.in`,
          `${describe} of an action becomes an input of the target workflow; it must not have 'in'.`,
        );
      }
      const identityName = where === 'header' ? parameter.name.toLowerCase() : parameter.name;
      const identity = `${String(where ?? '')}\u0000${identityName}`;
      const first = seen.get(identity);
      if (first !== undefined) {
        const inText = where === undefined ? '' : ` in ${String(where)}`;
        this.error('PARAMETER_DUPLICATE', entryPath, `${describe}${inText} is already set by entry ${first} of this list; a (name, in) pair may appear once.`);
      } else {
        seen.set(identity, index);
      }
    });
  }

  // ---- actions and criteria ----------------------------------------------------------------

  private checkActions(actions: unknown, path: string, kind: 'success' | 'failure', ctx: WorkflowContext): void {
    const seen = new Map<string, number>();
    list(actions).forEach((entry, index) => {
      if (!isObj(entry)) return;
      const entryPath = `${path}[${index}]`;
      const isRef = entry.reference !== undefined;
      const action = isRef ? this.resolveReusable(entry, entryPath, kind === 'success' ? 'successActions' : 'failureActions') : entry;
      if (!action) return;
      if (!isRef) this.checkActionShape(action, entryPath);
      this.checkActionTargets(action, entryPath, isRef, ctx);
      if (isStr(action.name)) {
        const first = seen.get(action.name);
        if (first !== undefined) {
          this.error(
            'ACTION_NAME_DUPLICATE',
            entryPath,
            `Action name '${action.name}' is already used by entry ${first} of this list; names must be unique in a list.`,
          );
        } else {
          seen.set(action.name, index);
        }
      }
    });
  }

  /** Checks that do not depend on where the action is used (also run on components). */
  private checkActionShape(action: Obj, path: string): void {
    const hasStep = action.stepId !== undefined;
    const hasWorkflow = action.workflowId !== undefined;
    if (action.type === 'end' && (hasStep || hasWorkflow)) {
      this.error(
        'ACTION_TARGET_NOT_ALLOWED',
        hasStep ? `${path}.stepId` : `${path}.workflowId`,
        `An 'end' action ends the workflow; remove ${hasStep ? 'stepId' : 'workflowId'} or use type 'goto'.`,
      );
    } else if (hasStep && hasWorkflow) {
      this.error('ACTION_TARGET_AMBIGUOUS', path, `A ${String(action.type)} action takes stepId or workflowId, not both. Keep one.`);
    } else if (action.type === 'goto' && !hasStep && !hasWorkflow) {
      this.error('ACTION_TARGET_MISSING', path, "A 'goto' action needs a stepId (in this workflow) or a workflowId to go to.");
    }
    if (action.parameters !== undefined && !hasWorkflow) {
      this.warn(
        'ACTION_PARAMETERS_WITHOUT_WORKFLOW',
        `${path}.parameters`,
        'Action parameters are inputs for a workflowId target; this action has none, so they are ignored.',
      );
    }
    this.checkParameters(action.parameters, `${path}.parameters`, 'action');
    this.checkCriteria(action.criteria, `${path}.criteria`);
  }

  private checkActionTargets(action: Obj, path: string, viaReference: boolean, ctx: WorkflowContext): void {
    if (action.type === 'end') return;
    const origin = viaReference ? ' (in the referenced component)' : '';
    if (isStr(action.stepId) && !ctx.stepIds.has(action.stepId)) {
      this.error(
        'STEP_NOT_FOUND',
        viaReference ? path : `${path}.stepId`,
        `stepId '${action.stepId}'${origin} is not a step of workflow '${ctx.workflowId ?? '?'}' (steps: ${quoteList(ctx.stepIds.keys())}). An action can only go to a step of the current workflow.`,
      );
    }
    if (isStr(action.workflowId)) this.checkWorkflowRef(action.workflowId, viaReference ? path : `${path}.workflowId`, `workflowId${origin}`);
  }

  private checkCriteria(criteria: unknown, path: string): void {
    list(criteria).forEach((criterion, index) => {
      if (!isObj(criterion)) return;
      const entryPath = `${path}[${index}]`;
      const type = isObj(criterion.type) ? criterion.type.type : criterion.type;
      if (isStr(type) && CONTEXT_TYPES.has(type) && criterion.context === undefined) {
        this.error('CRITERION_CONTEXT_REQUIRED', entryPath, `A ${type} criterion needs a 'context' (e.g. $response.body) to run against.`);
      }
      if (
        (type === undefined || type === 'simple') &&
        isStr(criterion.condition) &&
        /^\s*\{\$[^{}]*(==|!=|<|>|&&|\|\|)[^{}]*\}\s*$/.test(criterion.condition)
      ) {
        this.warn(
          'CRITERION_CONDITION_BRACED',
          `${entryPath}.condition`,
          `Write the condition without surrounding braces: '${criterion.condition.trim().slice(1, -1)}'.`,
        );
      }
    });
  }

  // ---- references inside expressions -------------------------------------------------------

  /**
   * Scan strings for `$steps.<id>`, `$workflows.<id>` and `$sourceDescriptions.<name>` and check
   * the ids exist; for a step, reading a later step's outputs without dependsOn is a forward
   * reference (1.1: error, 1.0: warning).
   */
  private checkReferencesInStrings(value: unknown, path: string, ctx: WorkflowContext, step: StepScope): void {
    const reported = new Set<string>();
    const visitValue = (current: unknown, currentPath: string): void => {
      if (isStr(current)) {
        this.checkString(current, currentPath, ctx, step, reported);
      } else if (Array.isArray(current)) {
        current.forEach((item, i) => {
          visitValue(item, `${currentPath}[${i}]`);
        });
      } else if (isObj(current)) {
        for (const [key, item] of Object.entries(current)) visitValue(item, appendPath(currentPath, key));
      }
    };
    visitValue(value, path);
  }

  private checkString(text: string, path: string, ctx: WorkflowContext, step: StepScope, reported: Set<string>): void {
    if (!text.includes('$')) return;
    if (text.includes('$message.') && !reported.has(`msg|${path}`)) {
      reported.add(`msg|${path}`);
      this.error('ASYNCAPI_UNSUPPORTED', path, "'$message' expressions read AsyncAPI messages, which this engine does not support.");
    }
    for (const match of text.matchAll(STEP_REF)) {
      // Prefer the runtime-expression parser; fall back to the pattern when it rejects the text.
      const parsed = parseEmbedded(text, match.index, this.version);
      const id = parsed?.refId ?? match[1] ?? '';
      const key = `step|${id}|${path}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const member = parsed ? undefined : match[2];
      if (member !== undefined && member !== '.outputs') {
        this.error('STEP_REFERENCE_INVALID', path, `'$steps.${id}${member}' is not a step expression: write '$steps.${id}.outputs${member}'.`);
        continue;
      }
      const target = ctx.stepIds.get(id);
      if (target === undefined) {
        this.error(
          'STEP_NOT_FOUND',
          path,
          `'$steps.${id}' names no step of workflow '${ctx.workflowId ?? '?'}' (steps: ${quoteList(ctx.stepIds.keys())}). Step ids are case-sensitive.`,
        );
        continue;
      }
      if (!step || step.dependsOn.has(id)) continue;
      if (target > step.index) {
        const message = `This step reads '$steps.${id}', a later step that has not run yet when this one runs. Move '${id}' before it${this.version === '1.1' ? ", or list it in this step's dependsOn" : ''}.`;
        if (this.version === '1.1') this.error('STEP_FORWARD_REFERENCE', path, message);
        else this.warn('STEP_FORWARD_REFERENCE', path, message);
      } else if (target === step.index && !step.afterRun) {
        this.warn(
          'STEP_SELF_REFERENCE',
          path,
          `This step reads its own outputs ('$steps.${id}') before it has run; they are empty here. Use $response/$request instead.`,
        );
      }
    }
    for (const match of text.matchAll(WORKFLOW_REF)) {
      const id = match[1] ?? '';
      if (!this.workflowIds.has(id) && !reported.has(`wf|${id}|${path}`)) {
        reported.add(`wf|${id}|${path}`);
        this.error('WORKFLOW_NOT_FOUND', path, `'$workflows.${id}' names no workflow in this document (workflows: ${quoteList(this.workflowIds.keys())}).`);
      }
    }
    for (const match of text.matchAll(SOURCE_REF)) {
      const name = match[1] ?? '';
      // operationId / operationPath / workflowId fields report their own source problems.
      if (/\.(operationId|operationPath|workflowId)$/.test(path)) continue;
      if (!this.sources.has(name) && !reported.has(`src|${name}|${path}`)) {
        reported.add(`src|${name}|${path}`);
        this.error(
          'SOURCE_UNKNOWN',
          path,
          `'$sourceDescriptions.${name}' names no source description (defined: ${quoteList(this.sources.keys())}). Names are case-sensitive.`,
        );
      }
    }
  }
}
