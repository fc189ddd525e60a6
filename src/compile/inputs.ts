/**
 * Workflow inputs (P19): validated and defaulted against the workflow's inputs JSON Schema with
 * ajv, imported once per process with `await import()`.
 *
 * Every JSON Schema of a document (each workflow's `inputs`, each `components.inputs` entry) is
 * checked at load (`prepareSchemaCheck`, then `checkInputsSchema` in the compile walk): against
 * the JSON Schema 2020-12 meta-schema, then compiled, so `required: true` inside a property, an
 * unknown `type` or a `$ref` to nothing is a load problem (INPUTS_SCHEMA_INVALID) rather than a
 * run-time failure. The compiled validator is kept for the runs.
 *
 * What that costs: ajv (about 70 ms to import in a cold process). The CLI keeps a verdict in its
 * read cache (src/reader/cache.ts): a document whose schemas, byte for byte, were checked clean by
 * this build before is not checked again, so a warm `arazzo validate` imports no ajv; the engine
 * then compiles each validator on its first use (`prepareInputValidation`, awaited before a run).
 * The library has no read cache unless asked, so it always checks at load.
 */
import type { ArazzoDocument, JsonSchema } from '../document/types.js';
import { readCached, writeCached } from '../reader/cache.js';
import { firstTooDeep } from '../reader/limits.js';
import { MAX_INPUT_DEPTH } from '../document/input-text.js';
import { loadSelectionEngines } from '../selection/engines.js';
import { re2RegExp } from '../selection/regex.js';
import type { LoadedDocument } from './loaded.js';
import type { InputValidation } from './plan-types.js';

export type AjvValidate = ((data: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null;
};

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** The part of an ajv instance the engine uses. */
interface AjvLike {
  compile(schema: unknown): AjvValidate;
  validateSchema(schema: unknown): boolean;
  errors?: AjvError[] | null;
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
  if (ajv !== undefined) return undefined; // loaded already: nothing to wait for
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

/** The schema ajv compiles for a workflow: its inputs schema, with `#/components/inputs/…` resolvable. */
function rootSchema(schema: JsonSchema, components: ArazzoDocument['components']): unknown {
  return schema === false ? false : { ...(schema as object), components: { inputs: components?.inputs ?? {} } };
}

// ------------------------------------------------------------------ the check at load

/** A schema problem found at load: where (a JSON path suffix under the schema) and what. */
export interface SchemaIssue {
  /** Path under the schema, as JSON path segments (`.properties.a.required`), '' for the schema itself. */
  readonly at: string;
  readonly message: string;
}

/** What the compile walk checks schemas with: ajv, loaded (`prepareSchemaCheck`). */
export interface SchemaCheck {
  /** Meta-schema problems of one schema. */
  metaIssues(schema: unknown): SchemaIssue[];
  /** Compile a workflow's inputs schema: the validator, or why it cannot be compiled. */
  compile(schema: JsonSchema, components: ArazzoDocument['components']): { validate?: AjvValidate; error?: string };
  /** Remember (in the CLI's read cache) that these schemas were checked clean. */
  remember(): void;
}

const CHECKED_KIND = 'inputs-schemas-checked';

/**
 * Schemas compiled in this process, by their text: a document loaded again (a server loading it
 * per request, the same document in several sources) does not compile them again. A validator
 * is a pure function of its schema, so sharing it between loads is safe.
 */
const compiledByText = new Map<string, { validate?: AjvValidate; error?: string }>();

/** The schemas of a document that need checking, as one text (the cache key); undefined when there are none. */
function schemasText(document: ArazzoDocument): string | undefined {
  const workflows = Array.isArray(document.workflows) ? document.workflows : [];
  const inputs = workflows.map((w) => (w !== null && typeof w === 'object' ? w.inputs : undefined));
  const components = document.components?.inputs;
  const nonTrivial = inputs.some((i) => i !== undefined && i !== true) || (components !== undefined && Object.keys(components).length > 0);
  if (!nonTrivial) return undefined;
  try {
    return JSON.stringify([inputs, components ?? null]);
  } catch {
    return undefined;
  }
}

/**
 * Load what checking the document's JSON Schemas needs: ajv, unless the document has none, or the
 * CLI's read cache knows these exact schemas were checked clean by this build (then undefined:
 * nothing to check).
 */
export async function prepareSchemaCheck(document: ArazzoDocument): Promise<SchemaCheck | undefined> {
  const text = schemasText(document);
  if (text === undefined || readCached<boolean>(CHECKED_KIND, text) === true) return undefined;
  // The meta-schema has patterns of its own, which run on the linear-time engine like every pattern.
  await Promise.all([loadAjv(), loadSelectionEngines({ regex: true })]);
  const instance = ajv as AjvLike;
  return {
    metaIssues(schema) {
      if (instance.validateSchema(schema)) return [];
      return schemaIssues(instance.errors ?? []);
    },
    compile(schema, components) {
      const root = rootSchema(schema, components);
      const key = JSON.stringify(root);
      const known = compiledByText.get(key);
      if (known) return known;
      let result: { validate?: AjvValidate; error?: string };
      try {
        result = { validate: instance.compile(root) };
      } catch (err) {
        result = { error: (err as Error).message };
      }
      if (compiledByText.size >= 64) compiledByText.clear();
      compiledByText.set(key, result);
      return result;
    },
    remember: () => writeCached(CHECKED_KIND, text, true),
  };
}

/** ajv's meta-schema errors, one per place: the most telling message (an enum lists its values). */
function schemaIssues(errors: readonly AjvError[]): SchemaIssue[] {
  const byPlace = new Map<string, AjvError>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if' || e.keyword === '$dynamicRef') continue;
    if (!byPlace.has(e.instancePath) || e.keyword === 'enum') byPlace.set(e.instancePath, e);
  }
  return [...byPlace.values()].map((e) => {
    const allowed =
      Array.isArray(e.params?.allowedValues) && !e.instancePath.endsWith('/type')
        ? ` (one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
        : '';
    const at = e.instancePath
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((t) => (/^\d+$/.test(t) ? `[${t}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(t) ? `.${t}` : `[${JSON.stringify(t)}]`))
      .join('');
    const keyword = e.instancePath.split('/').pop() ?? '';
    return { at, message: `${keyword ? `"${keyword.replace(/~1/g, '/').replace(/~0/g, '~')}" ` : ''}${e.message ?? 'is invalid'}${allowed}` };
  });
}

/**
 * Why `inputs` nest deeper than MAX_INPUT_DEPTH (INPUT_INVALID, with that `limit`): no workflow
 * needs more, and a value that deep cannot be copied, validated or written out by code that
 * recurses (structuredClone and ajv fail near 2,000 levels); the CLI refuses them first. It names the input and where (its first levels); undefined when they do not. Iterative.
 */
export function inputsTooDeep(inputs: Readonly<Record<string, unknown>>): string | undefined {
  const path = firstTooDeep(inputs, MAX_INPUT_DEPTH);
  if (path === undefined) return undefined;
  let at = '$';
  for (const token of path) {
    if (at.length >= 40) {
      at += '…';
      break;
    }
    at += typeof token === 'number' ? `[${token}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(token) ? `.${token}` : `[${JSON.stringify(token)}]`;
  }
  return `input "${String(path[0])}" nests values more than ${MAX_INPUT_DEPTH} levels deep (at ${at}); that is the most inputs may nest`;
}

/** The input validator of a workflow (P19): ajv against `schema`, with `#/components/inputs/…` refs resolvable; `compiled` when the load already compiled it. */
export function inputValidator(
  schema: JsonSchema | undefined,
  components: ArazzoDocument['components'],
  compiled?: AjvValidate,
): (inputs: Record<string, unknown>) => InputValidation {
  // Without a schema the inputs are neither copied nor validated: they pass as given, at any depth.
  if (schema === undefined || schema === true) return (inputs) => ({ ok: true, value: { ...inputs }, errors: [] });
  let validate: AjvValidate | undefined = compiled;
  let compileError: string | undefined;
  return (inputs) => {
    // Before anything recursive (the copy, ajv) sees them.
    const deep = inputsTooDeep(inputs ?? {});
    if (deep !== undefined) return { ok: false, value: inputs, errors: [deep], limit: MAX_INPUT_DEPTH };
    if (!validate && !compileError) {
      if (!ajv) throw new Error('internal: inputs validated before ajv was loaded (await prepareInputValidation(doc) first)');
      try {
        validate = ajv.compile(rootSchema(schema, components));
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
