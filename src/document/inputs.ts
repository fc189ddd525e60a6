/**
 * What a workflow asks for: its inputs, read from the inputs JSON Schema (local `$ref`s into the
 * document followed), and a summary of each workflow. Plain data from the document alone, so the
 * CLI's `list` (no sources read) and the loader (`LoadedDocument.workflows`) describe workflows
 * with the same function.
 */
import { getByTokens, parseJsonPointer } from '../selection/json-pointer.js';
import { asRecord, isRecord } from '../util/guards.js';
import { isSecretName } from '../util/secret-name.js';
import type { ArazzoDocument, Workflow } from './types.js';

/** One input of a workflow. */
export interface WorkflowInput {
  readonly name: string;
  /** JSON Schema type(s) joined with "|", or "any". */
  readonly type: string;
  readonly types: readonly string[];
  readonly required: boolean;
  readonly default?: unknown;
  readonly hasDefault: boolean;
  /** A secret (P21): `format: password`, `writeOnly`, or a secret-looking name. */
  readonly secret: boolean;
  readonly description?: string;
  readonly enum?: readonly unknown[];
}

export interface InputsShape {
  readonly inputs: readonly WorkflowInput[];
  /** False when the schema closes the object (`additionalProperties: false`) or lists properties without opening it. */
  readonly acceptsOthers: boolean;
  /** True when the schema forbids other properties outright (`additionalProperties: false` or `unevaluatedProperties: false`). */
  readonly closed?: boolean;
  /**
   * True when the schema declares inputs in ways this description does not follow (`allOf`,
   * `anyOf`, `oneOf`, `if`, `patternProperties`, …, or a `$ref` it cannot resolve): which names
   * it accepts is then unknown, and the loader does not check `$inputs.<name>` against it.
   */
  readonly opaque?: boolean;
}

/** Keywords through which a schema may declare or accept properties that `properties` does not list. */
const COMPOSING = ['allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'dependentSchemas', 'patternProperties', '$dynamicRef', 'propertyNames'];

/** A workflow as `arazzo list` shows it. */
export interface WorkflowSummary {
  readonly workflowId: string;
  readonly summary?: string;
  readonly description?: string;
  readonly inputs: readonly WorkflowInput[];
  /** How many steps the workflow has. */
  readonly stepCount: number;
}

type Obj = Record<string, unknown>;

/** Follow a local `$ref` (`#/components/inputs/x`) a few levels deep. */
function derefLocal(doc: unknown, schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 16; depth++) {
    if (current === null || typeof current !== 'object') return current;
    const ref = (current as { $ref?: unknown }).$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#')) return current;
    let target: unknown;
    try {
      target = getByTokens(doc, parseJsonPointer(ref, { fragment: true }));
    } catch {
      return current;
    }
    if (target === undefined) return current;
    current = target;
  }
  return current;
}

function schemaTypes(schema: Obj): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return [...new Set(schema.enum.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)))];
  }
  if ('const' in schema) return [schema.const === null ? 'null' : typeof schema.const];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

/** The inputs a workflow declares, and whether its schema accepts others. */
export function describeInputs(doc: ArazzoDocument, workflow: Pick<Workflow, 'inputs'>): InputsShape {
  const root = derefLocal(doc, workflow.inputs);
  if (root === null || typeof root !== 'object') return { inputs: [], acceptsOthers: true };
  const schema = asRecord(root) ?? {};
  const opaque = typeof schema.$ref === 'string' || COMPOSING.some((k) => k in schema);
  const props = asRecord(derefLocal(doc, schema.properties)) ?? {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const inputs: WorkflowInput[] = [];
  for (const [name, raw] of Object.entries(props)) {
    const p = derefLocal(doc, raw) ?? {};
    if (!isRecord(p)) continue;
    const types = schemaTypes(p);
    const hasDefault = 'default' in p;
    inputs.push({
      name,
      type: types.length > 0 ? types.join('|') : 'any',
      types,
      required: required.has(name),
      ...(hasDefault ? { default: p.default } : {}),
      hasDefault,
      secret: p.format === 'password' || p.writeOnly === true || isSecretName(name),
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
      ...(Array.isArray(p.enum) ? { enum: p.enum } : {}),
    });
  }
  for (const name of required) {
    if (!(name in props)) inputs.push({ name, type: 'any', types: [], required: true, hasDefault: false, secret: false });
  }
  const additional = schema.additionalProperties ?? schema.unevaluatedProperties;
  const acceptsOthers = inputs.length === 0 ? additional !== false : additional !== undefined && additional !== false;
  return { inputs, acceptsOthers, ...(additional === false ? { closed: true } : {}), ...(opaque ? { opaque } : {}) };
}

/**
 * Every workflow of a document with its inputs (name, type, required, default, secret): what
 * `arazzo list` prints. Works on the document as written; no sources are read. A default of a
 * secret input is returned as written: hide it where you print it.
 */
export function describeWorkflows(doc: ArazzoDocument): WorkflowSummary[] {
  const workflows = Array.isArray(doc.workflows) ? doc.workflows : [];
  const out: WorkflowSummary[] = [];
  for (const w of workflows) {
    if (w === null || typeof w !== 'object' || typeof w.workflowId !== 'string') continue;
    out.push({
      workflowId: w.workflowId,
      ...(typeof w.summary === 'string' ? { summary: w.summary } : {}),
      ...(typeof w.description === 'string' ? { description: w.description } : {}),
      inputs: describeInputs(doc, w).inputs,
      stepCount: Array.isArray(w.steps) ? w.steps.length : 0,
    });
  }
  return out;
}
