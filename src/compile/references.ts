/**
 * What a runtime expression refers to, checked where it is compiled: `$steps.<id>` names a step
 * of the workflow that has run by then, `$workflows.<id>` a workflow of the document and
 * `$sourceDescriptions.<name>` a declared source. The expressions come from the expression parser
 * (compileValue, compileCriterion), never from scanning text.
 *
 * This is the place for every check of an expression against its site: the site has the step's
 * kind and dependsOn, the workflow's steps with their declared outputs and the workflow's inputs.
 */
import type { RuntimeExpression } from '../expressions/types.js';
import { type DocumentScope, quoteList, type Site } from './scope.js';

export class ReferenceChecks {
  /** One problem per (reference, path): an id used twice in one string is reported once. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly scope: DocumentScope,
    private readonly site: Site,
  ) {}

  check(expression: RuntimeExpression, path: string): void {
    const id = expression.refId;
    if (id === undefined) return;
    const key = `${expression.root}\u0000${id}\u0000${path}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (expression.root === 'steps') this.step(id, path);
    else if (expression.root === 'workflows') this.workflow(id, path);
    else if (expression.root === 'sourceDescriptions') this.source(id, path);
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
