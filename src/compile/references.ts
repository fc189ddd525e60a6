/**
 * What a runtime expression refers to, checked where it is compiled: `$steps.<id>` names a step
 * of the workflow that has run by then and `$steps.<id>.outputs.<name>` an output that step
 * declares, `$inputs.<name>` an input of the workflow, `$workflows.<id>` a workflow of the
 * document and `$sourceDescriptions.<name>` a declared source; a criterion of a step that runs a
 * workflow reads no `$statusCode` or `$response`. The expressions come from the expression parser
 * (compileValue, compileCriterion), never from scanning text.
 *
 * This is the place for every check of an expression against its site: the site has the step's
 * kind and dependsOn, the workflow's steps with their declared outputs and the workflow's inputs.
 */
import type { InputsShape } from '../document/inputs.js';
import type { RuntimeExpression } from '../expressions/types.js';
import { suggest } from '../util/suggest.js';
import { type DocumentScope, quoteList, type Site } from './scope.js';

/** Where an expression is read: a value (parameter, payload, output, extension) or a criterion. */
export type ExpressionUse = 'value' | 'criterion';

/** Roots that read the HTTP exchange of the step: a step that runs a workflow has none. */
const EXCHANGE_ROOTS = new Set(['statusCode', 'response', 'request', 'url', 'method']);

export class ReferenceChecks {
  /** One problem per (reference, path): an id used twice in one string is reported once. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly scope: DocumentScope,
    private readonly site: Site,
  ) {}

  check(expression: RuntimeExpression, path: string, use: ExpressionUse = 'value'): void {
    if (use === 'criterion' && this.site.step?.kind === 'workflow' && EXCHANGE_ROOTS.has(expression.root)) {
      this.once(`exchange\u0000${expression.root}\u0000${path}`, () => this.exchangeOnWorkflowStep(expression, path));
    }
    if (expression.root === 'inputs') {
      this.once(`inputs\u0000${expression.text}\u0000${path}`, () => this.input(expression, path));
      return;
    }
    const id = expression.refId;
    if (id === undefined) return;
    if (expression.root === 'steps') {
      const known = this.site.workflow.stepIds.has(id);
      this.once(`steps\u0000${id}\u0000${path}`, () => this.step(id, path));
      if (known) this.once(`output\u0000${expression.text}\u0000${path}`, () => this.output(expression, id, path));
    } else if (expression.root === 'workflows') this.once(`workflows\u0000${id}\u0000${path}`, () => this.workflow(id, path));
    else if (expression.root === 'sourceDescriptions') this.once(`sources\u0000${id}\u0000${path}`, () => this.source(id, path));
  }

  private once(key: string, report: () => void): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    report();
  }

  private step(id: string, path: string): void {
    const { scope, site } = this;
    const { workflow, step } = site;
    const target = workflow.stepIds.get(id);
    if (target === undefined) {
      scope.reporter.error(
        'STEP_NOT_FOUND',
        path,
        `'$steps.${id}' names no step of workflow '${workflow.workflowId ?? '?'}' (steps: ${quoteList(workflow.stepIds.keys())}). Step ids are case-sensitive.`,
      );
      return;
    }
    if (!step || step.dependsOn.has(id)) return;
    if (target > step.index) {
      const v11 = scope.version === '1.1';
      const message = `This step reads '$steps.${id}', a later step that has not run yet when this one runs. Move '${id}' before it${v11 ? ", or list it in this step's dependsOn" : ''}.`;
      scope.reporter.report({ code: 'STEP_FORWARD_REFERENCE', severity: v11 ? 'error' : 'warning', path, message });
    } else if (target === step.index && !site.afterRun) {
      scope.reporter.warn(
        'STEP_SELF_REFERENCE',
        path,
        `This step reads its own outputs ('$steps.${id}') before it has run; they are empty here. Use $response/$request instead.`,
      );
    }
  }

  /**
   * `$steps.<id>.outputs.<name>`: the step must declare the output (else the expression is always
   * empty). `$steps.<id>.<name>` (another runner's spelling) is accepted when it does.
   */
  private output(expression: RuntimeExpression, id: string, path: string): void {
    const name = expression.segments?.[3];
    if (name === undefined) return;
    const declared = this.site.workflow.stepOutputs.get(id) ?? new Set<string>();
    const shorthand = expression.dialect?.kind === 'step-outputs';
    const standard = expression.dialect?.standard ?? expression.text;
    if (declared.has(name)) {
      if (shorthand) {
        this.scope.reporter.warn(
          'DIALECT_STEP_OUTPUTS',
          path,
          `"${expression.text}" leaves out ".outputs."; it is read as "${standard}", the standard spelling. Write that.`,
        );
      }
      return;
    }
    const outputs = `step '${id}' declares ${declared.size === 0 ? 'no outputs' : `the outputs ${quoteList(declared)}`}`;
    const child = this.site.workflow.stepWorkflows.get(id);
    // A workflow step has only the outputs it declares; what the workflow it runs returns is $workflows.<id>.outputs (P16).
    const childHint =
      child !== undefined && !declared.has(name)
        ? ` Step '${id}' runs workflow '${child}', whose outputs are not the step's own: declare it on the step (outputs: { ${name}: $outputs.${name} })${this.scope.workflowIds.has(child) ? `, or read "$workflows.${child}.outputs.${name}"` : ''}.`
        : '';
    const hint = childHint || memberHint(name, declared, (prefix, pointer) => `$steps.${id}.outputs.${prefix}#${pointer}`);
    if (shorthand) {
      this.scope.reporter.error(
        'STEP_REFERENCE_INVALID',
        path,
        `"${expression.text}" is not a step expression: write "$steps.${id}.outputs.<name>"; ${outputs}, and '${name}' is not one of them.${hint}`,
      );
      return;
    }
    this.scope.reporter.error(
      'STEP_OUTPUT_UNDECLARED',
      path,
      `"${expression.text}" reads output '${name}' of step '${id}', which ${outputs.replace(`step '${id}' `, '')}; it would always be empty.${hint}${childHint ? '' : ' Declare the output on the step, or fix the name.'}`,
    );
  }

  /** `$inputs.<name>`: an input the workflow's inputs schema declares. */
  private input(expression: RuntimeExpression, path: string): void {
    const name = expression.segments?.[1];
    const shape = this.site.workflow.inputs;
    if (name === undefined || shape.opaque) return;
    const names = inputNames(shape);
    if (names.has(name)) return;
    const workflowId = this.site.workflow.workflowId ?? '?';
    const declared = names.size === 0 ? 'declares no inputs' : `declares the inputs ${quoteList(names)}`;
    const hint = memberHint(name, names, (prefix, pointer) => `$inputs.${prefix}#${pointer}`);
    if (!shape.closed) {
      this.scope.reporter.warn(
        'INPUT_UNDECLARED',
        path,
        `"${expression.text}" reads input '${name}', which the inputs schema of workflow '${workflowId}' does not declare (it ${declared}); it is empty unless a caller passes it.${hint} Declare it under inputs.properties.`,
      );
    } else {
      this.scope.reporter.error(
        'INPUT_UNDECLARED',
        path,
        `"${expression.text}" reads input '${name}', which the inputs schema of workflow '${workflowId}' does not declare (it ${declared}) and does not allow (additionalProperties: false), so it is always empty.${hint} Declare it under inputs.properties, or fix the name.`,
      );
    }
  }

  /** `$statusCode`, `$response…` (and the rest of the exchange) in a criterion of a step that runs a workflow. */
  private exchangeOnWorkflowStep(expression: RuntimeExpression, path: string): void {
    this.scope.reporter.warn(
      'CRITERION_NO_EXCHANGE',
      path,
      `This step runs a workflow and sends no request of its own, so "${expression.text}" is undefined here (null in a condition: "$statusCode == 200" is false). Test what the workflow returns instead: its outputs, as $outputs.<name> (P16).`,
    );
  }

  private workflow(id: string, path: string): void {
    if (this.scope.workflowIds.has(id)) return;
    this.scope.reporter.error(
      'WORKFLOW_NOT_FOUND',
      path,
      `'$workflows.${id}' names no workflow in this document (workflows: ${quoteList(this.scope.workflowIds.keys())}).`,
    );
  }

  private source(name: string, path: string): void {
    if (this.scope.declared.has(name)) return;
    this.scope.reporter.error(
      'SOURCE_UNKNOWN',
      path,
      `'$sourceDescriptions.${name}' names no source description (defined: ${quoteList(this.scope.declared.keys())}). Names are case-sensitive.`,
    );
  }
}

const namesOfShape = new WeakMap<InputsShape, ReadonlySet<string>>();

/** The input names a workflow declares, computed once per workflow. */
function inputNames(shape: InputsShape): ReadonlySet<string> {
  let names = namesOfShape.get(shape);
  if (!names) namesOfShape.set(shape, (names = new Set(shape.inputs.map((i) => i.name))));
  return names;
}

/**
 * The hint for a name that is not declared: a member of a declared one (`a.b`, where `a` is
 * declared, reads the name `a.b`, not member `b` of `a`: write `…a#/b`), or the closest name.
 */
function memberHint(name: string, declared: ReadonlySet<string>, write: (prefix: string, pointer: string) => string): string {
  const parts = name.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('.');
    if (declared.has(prefix)) {
      const pointer = `/${parts.slice(i).join('/')}`;
      return ` Names may contain dots, so this is the name '${name}', not a member of '${prefix}': to read the member, write "${write(prefix, pointer)}".`;
    }
  }
  const close = suggest(name, declared);
  return close === undefined ? '' : ` Did you mean '${close}'?`;
}
