/**
 * What the MCP server needs to know about a workflow, read from a loaded document: its summary,
 * description, inputs schema, outputs, and the HTTP methods of every request it can send. The one
 * place that reads the loaded document's workflows, so a change to that view is a change here.
 */
import { describeInputs, type InputsShape } from '../document/inputs.js';
import type { LoadedDocument } from '../compile/loaded.js';
import type { JsonSchema, Workflow } from '../document/types.js';

export interface WorkflowView {
  readonly workflowId: string;
  readonly summary?: string;
  readonly description?: string;
  /** The inputs JSON Schema as written (a `$ref` into `#/components/inputs` is kept). */
  readonly inputsSchema?: JsonSchema;
  /** The inputs the schema declares (name, types, required, default, secret). */
  readonly inputs: InputsShape;
  /** Output name → the runtime expression it is taken from. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * The upper-case methods of every operation the workflow can call, its called and prerequisite
   * workflows included; `undefined` when one of them cannot be known (a step of another document
   * that was not loaded).
   */
  readonly methods: ReadonlySet<string> | undefined;
}

/** The views of every workflow of a loaded document, in document order. */
export function workflowViews(doc: LoadedDocument): WorkflowView[] {
  return doc.document.workflows.map((w) => view(doc, w));
}

function view(doc: LoadedDocument, w: Workflow): WorkflowView {
  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(w.outputs ?? {})) outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
  return {
    workflowId: w.workflowId,
    ...(typeof w.summary === 'string' ? { summary: w.summary } : {}),
    ...(typeof w.description === 'string' ? { description: w.description } : {}),
    ...(w.inputs !== undefined ? { inputsSchema: w.inputs as JsonSchema } : {}),
    inputs: describeInputs(doc.document, w),
    outputs,
    methods: reachableMethods(doc, w.workflowId),
  };
}

/**
 * The methods of every operation step of the workflow and, transitively, of the workflows its steps
 * run and the workflows it depends on (in this document or in its `arazzo` sources).
 */
function reachableMethods(root: LoadedDocument, workflowId: string): Set<string> | undefined {
  const methods = new Set<string>();
  const seen = new Set<string>();
  const queue: Array<{ doc: LoadedDocument; workflowId: string }> = [{ doc: root, workflowId }];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    const key = `${item.doc.location}#${item.workflowId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const workflow = item.doc.workflows.get(item.workflowId);
    if (workflow === undefined) return undefined;
    const targets = [...workflow.dependsOn, ...workflow.steps.flatMap((s) => (s.workflow ? [s.workflow] : []))];
    for (const step of workflow.steps) {
      if (step.kind === 'operation') {
        if (step.operation === undefined) return undefined;
        methods.add(step.operation.method.toUpperCase());
      }
    }
    for (const target of targets) {
      if (target.source === undefined) {
        queue.push({ doc: item.doc, workflowId: target.workflowId });
        continue;
      }
      const source = item.doc.sources.get(target.source);
      if (source?.kind !== 'arazzo') return undefined;
      queue.push({ doc: source.document, workflowId: target.workflowId });
    }
  }
  return methods;
}
