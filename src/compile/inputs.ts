/**
 * Workflow inputs (P19): validated and defaulted against the workflow's inputs JSON Schema with
 * ajv. ajv is imported once, with `await import()`, when a run is about to validate inputs
 * (`prepareInputValidation`, awaited by the engine before it starts), not at load: `validate`,
 * `list` and `graph` never need it. Each workflow's validator is compiled on its first use.
 */
import type { ArazzoDocument, JsonSchema } from '../document/types.js';
import { re2RegExp } from '../selection/regex.js';
import type { LoadedDocument } from './loaded.js';
import type { InputValidation } from './plan-types.js';

type AjvValidate = ((data: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null;
};

/** The part of an ajv instance the engine uses. */
interface AjvLike {
  compile(schema: unknown): AjvValidate;
}

let ajv: AjvLike | undefined;
let ajvReady: Promise<void> | undefined;

/** ajv (draft 2020-12) with the formats and the OpenAPI format names, imported and set up once per process. */
function loadAjv(): Promise<void> {
  ajvReady ??= (async () => {
    const [{ Ajv2020 }, formats] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
    // `pattern` runs on RE2 (linear time): a schema's pattern cannot hang input validation.
    const instance = new Ajv2020({ strict: false, useDefaults: true, allErrors: true, validateSchema: false, code: { regExp: re2RegExp } });
    formats.default.default(instance); // ajv-formats is CommonJS: its module object is the import's default
    for (const f of ['password', 'int32', 'int64', 'float', 'double']) instance.addFormat(f, true);
    ajv = instance as unknown as AjvLike;
  })();
  return ajvReady;
}

/** Whether a document has a workflow whose inputs need validating: an inputs schema other than `true`. */
function hasInputsSchema(document: ArazzoDocument): boolean {
  const workflows = Array.isArray(document.workflows) ? document.workflows : [];
  return workflows.some((w) => w !== null && typeof w === 'object' && w.inputs !== undefined && w.inputs !== true);
}

/**
 * Load what validating the inputs of `doc`'s workflows needs (ajv), when some workflow of it or of
 * an `arazzo` source it uses has an inputs schema. The engine awaits it before a run starts.
 */
export function prepareInputValidation(doc: LoadedDocument): Promise<void> | undefined {
  const seen = new Set<LoadedDocument>();
  const pending: LoadedDocument[] = [doc];
  while (pending.length > 0) {
    const current = pending.pop() as LoadedDocument;
    if (seen.has(current)) continue;
    seen.add(current);
    if (hasInputsSchema(current.document)) return loadAjv();
    for (const source of current.sources.values()) if (source.kind === 'arazzo') pending.push(source.document);
  }
  return undefined;
}

/** The input validator of a workflow (P19): ajv against `schema`, with `#/components/inputs/…` refs resolvable. */
export function inputValidator(schema: JsonSchema | undefined, components: ArazzoDocument['components']): (inputs: Record<string, unknown>) => InputValidation {
  if (schema === undefined || schema === true) return (inputs) => ({ ok: true, value: { ...inputs }, errors: [] });
  let validate: AjvValidate | undefined;
  let compileError: string | undefined;
  return (inputs) => {
    if (!validate && !compileError) {
      if (!ajv) throw new Error('internal: inputs validated before ajv was loaded (await prepareInputValidation(doc) first)');
      try {
        const root = schema === false ? false : { ...(schema as object), components: { inputs: components?.inputs ?? {} } };
        validate = ajv.compile(root);
      } catch (err) {
        compileError = `the inputs schema cannot be compiled: ${(err as Error).message}`;
      }
    }
    if (!validate) return { ok: false, value: inputs, errors: [compileError as string] };
    const value = structuredClone(inputs ?? {});
    const ok = validate(value);
    const errors = ok
      ? []
      : (validate.errors ?? []).map((e) => {
          const where = e.instancePath ? `input ${e.instancePath.slice(1).replace(/\//g, '.')}` : 'inputs';
          const extra = e.params && 'missingProperty' in e.params ? ` "${String(e.params.missingProperty)}"` : '';
          return `${where} ${e.message ?? 'is invalid'}${extra}`;
        });
    return { ok, value, errors };
  };
}
