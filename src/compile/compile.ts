/**
 * The compile pass: one walk over a document that checks what the JSON Schema cannot (rules file
 * §2.6, §2.7, §3, §6, §10), resolves every step target in the loaded sources, and compiles every
 * expression, criterion, parameter list, payload, action list and extension into workflow plans,
 * reporting each problem as it finds it, once.
 *
 * The walk: index the ids (sources, workflows), compile the components, then each workflow
 * (workflow.ts) and its steps (step.ts), then the dependsOn graph. Checks of an expression against
 * where it is used live in references.ts; checks of a whole workflow's action graph go after its
 * steps in workflow.ts.
 *
 * Without sources (`validateDocument`) the walk checks the document alone: targets are checked
 * against the declared sources and workflows, not resolved.
 */
import { CHECKS_EXTENSION, CHECKS_EXTENSION_FIX, checksExtensionProblems } from '../document/checks-extension.js';
import { appendPath } from '../document/json-path.js';
import type { Problem } from '../errors.js';
import type { ArazzoDocument, ArazzoVersion, SourceDescription } from '../document/types.js';
import type { LoadedSource } from '../sources/types.js';
import { compileComponents } from './components.js';
import type { SchemaCheck } from './inputs.js';
import type { LoadedWorkflow } from './loaded.js';
import type { WorkflowPlan } from './plan-types.js';
import { type Finding, Reporter } from './report.js';
import { type ActionBody, type ComponentParameter, type DocumentScope, isObj, isStr, list, type Obj } from './scope.js';
import { compileWorkflow } from './workflow.js';

const PORTABLE_ID = /^[A-Za-z0-9_-]+$/;

export interface CompileInput {
  /** The document, already checked against its JSON Schema (the walk still guards every access). */
  readonly document: ArazzoDocument;
  readonly version: ArazzoVersion;
  /** File path or URL of the document, for the problems. */
  readonly location?: string;
  /** The loaded sources. Undefined: check the document alone, resolve no target. */
  readonly sources?: ReadonlyMap<string, LoadedSource>;
  /** Whether a warning is reported as an error (a strict load). */
  readonly escalate?: (finding: Finding) => boolean;
  /** What the JSON Schema check found (`checkDocumentShape`): parts with schema errors are not compiled. */
  readonly shapeProblems?: readonly Problem[];
  /** Checks the document's inputs JSON Schemas (`prepareSchemaCheck`); undefined: not checked (none, or known clean). */
  readonly schemas?: SchemaCheck;
}

export interface CompileResult {
  /** The compiled plans by workflowId (what the engine runs). */
  readonly plans: Map<string, WorkflowPlan>;
  /** The workflows as embedders see them, by workflowId. */
  readonly workflows: Map<string, LoadedWorkflow>;
  /** Every problem found, in the order found; without line and column. */
  readonly problems: Problem[];
}

/** Source names (unique; no AsyncAPI) and workflowIds (unique, portable). */
function indexDocument(doc: Obj, reporter: Reporter): { declared: Map<string, Obj>; workflowIds: Map<string, number> } {
  const declared = new Map<string, Obj>();
  list(doc.sourceDescriptions).forEach((source, index) => {
    if (!isObj(source)) return;
    const path = `$.sourceDescriptions[${index}]`;
    if (isStr(source.name)) {
      if (declared.has(source.name)) {
        reporter.error('SOURCE_NAME_DUPLICATE', `${path}.name`, `Source description name '${source.name}' is already used; names must be unique. Rename one.`);
      } else {
        declared.set(source.name, source);
      }
    }
    if (source.type === 'asyncapi') {
      reporter.error('ASYNCAPI_UNSUPPORTED', `${path}.type`, 'AsyncAPI source descriptions are not supported by this engine (only openapi and arazzo).');
    }
  });
  const workflowIds = new Map<string, number>();
  list(doc.workflows).forEach((workflow, index) => {
    if (!isObj(workflow) || !isStr(workflow.workflowId)) return;
    const path = `$.workflows[${index}].workflowId`;
    if (workflowIds.has(workflow.workflowId)) {
      reporter.error(
        'WORKFLOW_ID_DUPLICATE',
        path,
        `workflowId '${workflow.workflowId}' is already used by another workflow; workflowIds must be unique. Rename one.`,
      );
      return;
    }
    workflowIds.set(workflow.workflowId, index);
    if (!PORTABLE_ID.test(workflow.workflowId)) {
      reporter.warn(
        'ID_NOT_PORTABLE',
        path,
        `workflowId '${workflow.workflowId}' should match [A-Za-z0-9_-]+; other characters cannot be referenced by runtime expressions.`,
      );
    }
  });
  return { declared, workflowIds };
}

/** The JSON paths at or above which the schema check found an error. */
function shapeErrorPaths(problems: readonly Problem[] | undefined): Set<string> {
  const paths = new Set<string>();
  for (const p of problems ?? []) {
    if (p.severity !== 'error') continue;
    paths.add(p.path);
    for (let i = 1; i < p.path.length; i++) if (p.path[i] === '.' || p.path[i] === '[') paths.add(p.path.slice(0, i));
  }
  return paths;
}

/** P15: workflow dependsOn entries must not form a cycle; each cycle is reported where it closes. */
function checkDependsOnCycles(scope: DocumentScope): void {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'active');
    stack.push(id);
    for (const edge of scope.dependsOnEdges.get(id) ?? []) {
      const seen = state.get(edge.target);
      if (seen === 'active') {
        const cycle = [...stack.slice(stack.indexOf(edge.target)), edge.target];
        scope.reporter.error('DEPENDS_ON_CYCLE', edge.path, `dependsOn forms a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`);
      } else if (seen === undefined) {
        visit(edge.target);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of scope.dependsOnEdges.keys()) if (!state.has(id)) visit(id);
}

/** Check and compile a document in one walk. Never throws for a bad document: every problem is in the result. */
export function compileDocument(input: CompileInput): CompileResult {
  const doc = input.document as unknown as Obj;
  const reporter = new Reporter({ ...(input.location !== undefined ? { file: input.location } : {}), ...(input.escalate ? { escalate: input.escalate } : {}) });
  const { declared, workflowIds } = indexDocument(doc, reporter);
  const sourceDescriptions = list(doc.sourceDescriptions).filter(isObj) as unknown as SourceDescription[];
  const sources = input.sources;
  const componentParameters = new Map<string, ComponentParameter>();
  const componentActions = new Map<string, ActionBody>();
  const shapeErrors = shapeErrorPaths(input.shapeProblems);
  const scope: DocumentScope = {
    doc,
    version: input.version,
    reporter,
    declared,
    sources,
    resolveOptions: { version: input.version, ...(input.location !== undefined ? { file: input.location } : {}), sourceDescriptions },
    nonArazzoSources: sourceDescriptions.filter((sd) => sd.type !== 'arazzo' && sources?.get(sd.name)?.kind !== 'arazzo').length,
    workflowIds,
    components: isObj(doc.components) ? doc.components : {},
    componentParameters,
    componentActions,
    dependsOnEdges: new Map(),
    shapeInvalid: (path) => shapeErrors.has(path),
    ...(input.schemas ? { schemas: input.schemas } : {}),
  };
  compileComponents(scope, { parameters: componentParameters, actions: componentActions });

  const plans = new Map<string, WorkflowPlan>();
  const workflows = new Map<string, LoadedWorkflow>();
  list(doc.workflows).forEach((workflow, index) => {
    if (!isObj(workflow)) return;
    const compiled = compileWorkflow(scope, workflow, index);
    if (!compiled || workflowIds.get(compiled.plan.workflowId) !== index) return;
    plans.set(compiled.plan.workflowId, compiled.plan);
    workflows.set(compiled.info.workflowId, compiled.info);
  });
  checkDependsOnCycles(scope);
  checkChecksExtensions(doc, reporter);
  return { plans, workflows, problems: reporter.problems };
}

/**
 * `x-arazzo-checks` on the root, the workflows and the steps: a malformed one is a warning here
 * (the document runs without contract checks); setting the checks up refuses it (exit 2).
 */
function checkChecksExtensions(doc: Obj, reporter: Reporter): void {
  const check = (holder: unknown, path: string): void => {
    if (!isObj(holder) || holder[CHECKS_EXTENSION] === undefined) return;
    const at = appendPath(path, CHECKS_EXTENSION);
    for (const p of checksExtensionProblems(holder[CHECKS_EXTENSION])) {
      reporter.warn('CHECKS_EXTENSION_INVALID', p.at === '' ? at : appendPath(at, p.at), `${p.message}. ${CHECKS_EXTENSION_FIX}`);
    }
  };
  check(doc, '$');
  list(doc.workflows).forEach((workflow, i) => {
    check(workflow, `$.workflows[${i}]`);
    if (!isObj(workflow)) return;
    list(workflow.steps).forEach((step, j) => {
      check(step, `$.workflows[${i}].steps[${j}]`);
    });
  });
}
