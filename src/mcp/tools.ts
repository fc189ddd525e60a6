/**
 * Workflows as MCP tools: one tool per workflow, its name sanitised to MCP's tool-name rules and
 * unique across the served documents, its input schema the workflow's minus the inputs the server
 * supplies and the secrets, its output schema from the workflow's outputs, and annotations from the
 * HTTP methods the workflow uses.
 */
import type { LoadedDocument } from '../compile/loaded.js';
import { isRecord } from '../util/guards.js';
import type { WorkflowView } from './workflow-view.js';

/** A served document: where it came from and what it loaded to. */
export interface ServedDocument {
  /** As given on the command line. */
  readonly file: string;
  readonly doc: LoadedDocument;
  readonly workflows: readonly WorkflowView[];
  /** Base URL per source name (`--server`). */
  readonly servers: Readonly<Record<string, string>>;
  /** The document as written (YAML or JSON), served as a resource. */
  readonly source: { readonly text: string; readonly mimeType: string };
}

/** The inputs the server supplies to one workflow (`--input-env`, `--input`, `--inputs`). */
export type SuppliedInputs = Readonly<Record<string, unknown>>;

export type JsonObject = Record<string, unknown>;

export interface ToolAnnotations {
  readonly title: string;
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint: boolean;
}

/** One workflow served as a tool. */
export interface WorkflowTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonObject;
  readonly outputSchema: JsonObject;
  readonly annotations: ToolAnnotations;
  readonly served: ServedDocument;
  readonly workflow: WorkflowView;
  /** Inputs the server adds to every call. */
  readonly supplied: SuppliedInputs;
  /** Input names a call may not give: the supplied ones and every secret. */
  readonly hidden: ReadonlySet<string>;
  /** Secret inputs the workflow requires that the server does not supply: every call fails until it does. */
  readonly missingSecrets: readonly string[];
}

/** The longest tool name we make: MCP allows 128, but several clients cap names at 64. */
export const MAX_TOOL_NAME = 64;

/**
 * A workflowId as a tool name: ASCII letters, digits, `_` and `-` only (MCP allows `.` too, but
 * some clients do not), every other run of characters becomes `_`, at most MAX_TOOL_NAME long.
 */
export function toolName(workflowId: string): string {
  const name = workflowId
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  return (name || 'workflow').slice(0, MAX_TOOL_NAME);
}

/** Names unique across every document: a repeated name gets `_2`, `_3`, … (cut to fit). */
function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const suffix = `_${n}`;
    name = base.slice(0, MAX_TOOL_NAME - suffix.length) + suffix;
  }
  taken.add(name);
  return name;
}

/** Methods that only read (RFC 9110 safe methods). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function toolAnnotations(workflow: WorkflowView, title: string): ToolAnnotations {
  const methods = workflow.methods;
  const readOnly = methods !== undefined && methods.size > 0 && [...methods].every((m) => SAFE_METHODS.has(m));
  // MCP's default for destructiveHint is true; say false unless the workflow can DELETE.
  const destructive = methods === undefined || methods.has('DELETE');
  return { title, readOnlyHint: readOnly, destructiveHint: !readOnly && destructive, openWorldHint: true };
}

/** Build the tools of every workflow of every document, in order. */
export function buildTools(documents: readonly ServedDocument[], supplied: (served: ServedDocument, workflowId: string) => SuppliedInputs): WorkflowTool[] {
  const taken = new Set<string>();
  const tools: WorkflowTool[] = [];
  for (const served of documents) {
    for (const workflow of served.workflows) {
      const given = supplied(served, workflow.workflowId);
      const secrets = workflow.inputs.inputs.filter((i) => i.secret).map((i) => i.name);
      const hidden = new Set([...Object.keys(given), ...secrets]);
      const missingSecrets = workflow.inputs.inputs.filter((i) => i.secret && i.required && !i.hasDefault && !(i.name in given)).map((i) => i.name);
      const title = workflow.summary ?? workflow.workflowId;
      tools.push({
        name: uniqueName(toolName(workflow.workflowId), taken),
        title,
        description: describeTool(workflow, given),
        inputSchema: toolInputSchema(served.doc, workflow, hidden),
        outputSchema: toolOutputSchema(workflow),
        annotations: toolAnnotations(workflow, title),
        served,
        workflow,
        supplied: given,
        hidden,
        missingSecrets,
      });
    }
  }
  return tools;
}

/** The tool as `tools/list` shows it. Every tool supports task-based calls, and plain ones. */
export function toolListing(tool: WorkflowTool): JsonObject {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: { ...tool.annotations },
    execution: { taskSupport: 'optional' },
  };
}

function describeTool(workflow: WorkflowView, given: SuppliedInputs): string {
  const parts: string[] = [];
  const summary = workflow.summary?.trim();
  const description = workflow.description?.trim();
  if (summary) parts.push(summary);
  if (description && description !== summary) parts.push(description);
  if (parts.length === 0) parts.push(`Runs the Arazzo workflow "${workflow.workflowId}".`);
  const names = Object.keys(given);
  if (names.length > 0) parts.push(`The server supplies the input${names.length === 1 ? '' : 's'} ${names.join(', ')}.`);
  return parts.join('\n\n');
}

// ------------------------------------------------------------------ schemas

const COMPONENT_REF = /^#\/components\/inputs\/(.+)$/;

/**
 * The tool's input schema: the workflow's inputs schema as one self-contained JSON Schema
 * (2020-12, `$ref`s into `#/components/inputs` rewritten to `#/$defs`), without the hidden inputs.
 */
export function toolInputSchema(doc: LoadedDocument, workflow: WorkflowView, hidden: ReadonlySet<string>): JsonObject {
  const components = isRecord(doc.document.components?.inputs) ? (doc.document.components.inputs as JsonObject) : {};
  const defs: JsonObject = {};
  const pending: string[] = [];
  const use = (name: string): boolean => {
    if (!(name in components)) return false;
    pending.push(name);
    return true;
  };
  const rewrite = (value: unknown): unknown => rewriteRefs(value, use);

  let root: unknown = workflow.inputsSchema ?? { type: 'object' };
  // The root itself may be a reference (`$ref: '#/components/inputs/deploy'`): inline it.
  for (let depth = 0; depth < 16 && isRecord(root) && typeof root.$ref === 'string'; depth++) {
    const m = COMPONENT_REF.exec(root.$ref);
    const target = m ? components[decodePointerToken(m[1]!)] : undefined;
    if (target === undefined) break;
    const { $ref: _ref, ...rest } = root;
    root = { ...(target as JsonObject), ...rest };
  }
  const schema: JsonObject = isRecord(root) ? (rewrite(root) as JsonObject) : { type: 'object' };
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in defs) continue;
    defs[name] = rewrite(components[name]);
  }

  schema.type = 'object';
  const properties = isRecord(schema.properties) ? { ...schema.properties } : {};
  for (const name of hidden) delete properties[name];
  schema.properties = properties;
  if (Array.isArray(schema.required)) {
    const required = schema.required.filter((r) => typeof r === 'string' && !hidden.has(r));
    if (required.length > 0) schema.required = required;
    else delete schema.required;
  }
  if (Object.keys(defs).length > 0) schema.$defs = { ...(isRecord(schema.$defs) ? schema.$defs : {}), ...defs };
  return schema;
}

/** A deep copy of a schema with `#/components/inputs/x` references turned into `#/$defs/x`. */
function rewriteRefs(value: unknown, use: (name: string) => boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, use));
  if (!isRecord(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string') {
      const m = COMPONENT_REF.exec(v);
      const name = m ? decodePointerToken(m[1]!) : undefined;
      out[key] = name !== undefined && use(name) ? `#/$defs/${encodePointerToken(name)}` : v;
    } else {
      Object.defineProperty(out, key, { value: rewriteRefs(v, use), enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function decodePointerToken(token: string): string {
  let text = token;
  try {
    text = decodeURIComponent(token);
  } catch {
    // keep it as written
  }
  return text.replace(/~1/g, '/').replace(/~0/g, '~');
}

function encodePointerToken(name: string): string {
  return encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/**
 * The tool's output schema: an object with one property per workflow output, described by the
 * expression it comes from. Outputs that resolve to nothing are left out of a result (P6), so
 * none is required; a `goto` to another workflow returns that workflow's outputs, so others may
 * appear.
 */
export function toolOutputSchema(workflow: WorkflowView): JsonObject {
  const properties: JsonObject = {};
  for (const [name, expression] of Object.entries(workflow.outputs)) {
    Object.defineProperty(properties, name, { value: { description: `From ${expression}` }, enumerable: true, writable: true, configurable: true });
  }
  return { type: 'object', properties };
}
