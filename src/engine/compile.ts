/**
 * Plan compilation (at load): every expression, criterion, parameter list (workflow + step merge,
 * reusable objects, P27), payload, action list (P13 merge) and engine extension is compiled once.
 * Problems come back with JSON paths; nothing here throws for a bad document.
 */
import { createRequire } from 'node:module';
import type { Problem } from '../errors.js';
import type { ArazzoError } from '../errors.js';
import type {
  ArazzoDocument,
  ArazzoVersion,
  Criterion,
  FailureAction,
  JsonSchema,
  Parameter,
  ReusableObject,
  Step,
  SuccessAction,
  Workflow,
} from '../document/types.js';
import type { LoadedSource } from '../document/loaded.js';
import { compileValue } from '../expressions/index.js';
import type { CompiledValue } from '../expressions/types.js';
import { compileCriterion } from '../criteria/index.js';
import type { CompiledCriterion } from '../criteria/types.js';
import { resolveOperation, resolveWorkflowRef } from '../sources/resolve.js';
import type { OperationInfo } from '../sources/types.js';
import type {
  ActionPlan,
  BodyPlan,
  InputValidation,
  OutputPlan,
  ParameterPlan,
  ReplacementPlan,
  StepExtensions,
  StepPlan,
  WorkflowPlan,
  WorkflowRef,
} from './plan-types.js';
import { compileReplacementTarget } from './body.js';
import { isSecretName } from './mask.js';
import type { ErrorCode } from '../error-codes.js';
import { unescapePointerToken } from '../selection/json-pointer.js';
import { re2RegExp } from '../selection/regex.js';

export interface CompileWorkflowsInput {
  readonly document: ArazzoDocument;
  readonly version: ArazzoVersion;
  readonly location: string;
  readonly sources: ReadonlyMap<string, LoadedSource>;
  readonly components?: ArazzoDocument['components'];
}

export interface CompileWorkflowsResult {
  readonly workflows: Map<string, WorkflowPlan>;
  readonly problems: Problem[];
}

const STATIC_UNDEFINED: CompiledValue = { isStatic: true, expressions: [], evaluate: () => undefined };

function isReusable(x: unknown): x is ReusableObject {
  return typeof x === 'object' && x !== null && typeof (x as ReusableObject).reference === 'string';
}

class Compiler {
  readonly problems: Problem[] = [];
  constructor(private readonly input: CompileWorkflowsInput) {}

  private get version(): ArazzoVersion {
    return this.input.version;
  }

  problem(code: ErrorCode, message: string, path: string, severity: Problem['severity'] = 'error'): void {
    this.problems.push({ code, message, severity, path, file: this.input.location });
  }

  value(value: unknown, path: string): CompiledValue {
    try {
      const compiled = compileValue(value, { version: this.version });
      for (const bare of compiled.bareExpressions ?? []) {
        this.problem(
          'EXPRESSION_BARE',
          `"${bare}" is a runtime expression inside a longer string; it is interpolated (P28), but write it as {${bare}} to be explicit.`,
          path,
          'warning',
        );
      }
      return compiled;
    } catch (err) {
      const e = err as ArazzoError;
      const pointer = typeof e.details?.pointer === 'string' && e.details.pointer ? ` (at ${e.details.pointer})` : '';
      this.problem(e.code ?? 'EXPRESSION_SYNTAX', `${e.message}${pointer && !e.message.includes(pointer.trim()) ? pointer : ''}`, path);
      return STATIC_UNDEFINED;
    }
  }

  criteria(list: readonly Criterion[] | undefined, path: string): CompiledCriterion[] {
    const out: CompiledCriterion[] = [];
    (list ?? []).forEach((c, i) => {
      try {
        const compiled = compileCriterion(c, { version: this.version });
        for (const w of compiled.warnings ?? []) this.problem(w.code, w.message, `${path}[${i}]`, 'warning');
        out.push(compiled);
      } catch (err) {
        const e = err as ArazzoError;
        this.problem(e.code ?? 'CRITERION_SYNTAX', e.message, `${path}[${i}]`);
        out.push({ criterion: c, kind: 'invalid', evaluate: () => ({ passed: false, error: e.message }) });
      }
    });
    return out;
  }

  component<T>(kind: 'parameters' | 'successActions' | 'failureActions', ref: string): T | undefined {
    // Bad references are reported by the validator (COMPONENT_REFERENCE_INVALID, COMPONENT_NOT_FOUND).
    const prefix = `$components.${kind}.`;
    if (!ref.startsWith(prefix)) return undefined;
    return this.input.components?.[kind]?.[ref.slice(prefix.length)] as T | undefined;
  }

  /** Resolve a list of parameters / reusable parameter objects (value override applied). */
  parameterList(list: ReadonlyArray<Parameter | ReusableObject> | undefined, path: string): Array<{ p: Parameter; path: string }> {
    const out: Array<{ p: Parameter; path: string }> = [];
    (list ?? []).forEach((entry, i) => {
      const at = `${path}[${i}]`;
      if (isReusable(entry)) {
        const target = this.component<Parameter>('parameters', entry.reference);
        if (!target) return;
        out.push({ p: 'value' in entry && entry.value !== undefined ? { ...target, value: entry.value } : target, path: at });
      } else if (entry && typeof entry === 'object') {
        out.push({ p: entry, path: at });
      }
    });
    return out;
  }

  parameters(entries: Array<{ p: Parameter; path: string }>, op: OperationInfo | undefined): ParameterPlan[] {
    return entries.map(({ p, path }) => {
      const spec = op?.parameters.find((s) => s.in === p.in && (p.in === 'header' ? s.name.toLowerCase() === p.name.toLowerCase() : s.name === p.name));
      const credential = op !== undefined && p.in !== undefined && suppliedBySecurity(op, p.in, p.name);
      if (op && p.in && !spec && !credential && !(p.in === 'header' && HEADERS_OPENAPI_IGNORES.has(p.name.toLowerCase()))) {
        this.problem(
          'PARAMETER_NOT_IN_OPERATION',
          `Parameter "${p.name}" (in: ${p.in}) is not defined by operation ${op.operationId ?? op.pointer}; it is sent anyway. Check its name and location.`,
          path,
          'warning',
        );
      }
      const plan: ParameterPlan = {
        name: p.name,
        // `in: channel` (AsyncAPI) is refused by validation (ASYNCAPI_UNSUPPORTED); a plan never has it.
        ...(p.in && p.in !== 'channel' ? { in: p.in } : {}),
        value: this.value(p.value, `${path}.value`),
        ...(spec ? { spec } : {}),
        required: p.in === 'path' || (spec?.required ?? false),
        ...(credential ? { credential: true as const } : {}),
        path,
      };
      return plan;
    });
  }

  workflowRef(id: string, path: string): WorkflowRef | undefined {
    const r = resolveWorkflowRef(id, this.input.document, this.input.sources, { version: this.version, path, file: this.input.location });
    // Unresolvable references are reported by the loader's target check (src/sources/check-targets.ts).
    if ('problem' in r && r.problem) return undefined;
    const ok = r as { workflowId: string; sourceName?: string };
    return ok.sourceName ? { source: ok.sourceName, workflowId: ok.workflowId } : { workflowId: ok.workflowId };
  }

  actions(
    kind: 'success' | 'failure',
    list: ReadonlyArray<SuccessAction | FailureAction | ReusableObject> | undefined,
    origin: 'step' | 'workflow',
    path: string,
    stepIds: ReadonlyMap<string, number>,
  ): ActionPlan[] {
    const out: ActionPlan[] = [];
    (list ?? []).forEach((entry, i) => {
      const at = `${path}[${i}]`;
      const a = isReusable(entry)
        ? this.component<FailureAction>(kind === 'success' ? 'successActions' : 'failureActions', entry.reference)
        : (entry as FailureAction);
      if (!a || typeof a !== 'object') return;
      let stepIndex: number | undefined;
      if (a.stepId !== undefined) {
        // An unknown stepId is reported by the validator (STEP_NOT_FOUND).
        stepIndex = stepIds.get(a.stepId);
      }
      const workflow = a.workflowId !== undefined ? this.workflowRef(a.workflowId, at) : undefined;
      const params = this.parameterList(a.parameters, `${at}.parameters`).map(({ p, path: pp }) => ({
        name: p.name,
        value: this.value(p.value, `${pp}.value`),
        required: false,
        path: pp,
      }));
      out.push({
        name: a.name,
        type: a.type,
        kind,
        ...(a.stepId !== undefined ? { stepId: a.stepId } : {}),
        ...(stepIndex !== undefined ? { stepIndex } : {}),
        ...(workflow ? { workflow } : {}),
        ...(typeof a.retryAfter === 'number' ? { retryAfter: a.retryAfter } : {}),
        retryLimit: typeof a.retryLimit === 'number' ? a.retryLimit : 1,
        criteria: this.criteria(a.criteria, `${at}.criteria`),
        parameters: params,
        origin,
      });
    });
    return out;
  }

  body(step: Step, op: OperationInfo | undefined, path: string): BodyPlan | undefined {
    const rb = step.requestBody;
    if (!rb) return undefined;
    const contentType = rb.contentType ?? op?.requestBody?.mediaTypes[0] ?? 'application/json';
    const xml = /xml/i.test(contentType);
    const replacements: ReplacementPlan[] = (rb.replacements ?? []).map((r, i) => {
      const { error, ...target } = compileReplacementTarget(r, { xml, version: this.version });
      if (error) this.problem(error.code, error.message, `${path}.requestBody.replacements[${i}].target`);
      return { ...target, value: this.value(r.value, `${path}.requestBody.replacements[${i}].value`) };
    });
    return {
      contentType,
      ...(rb.payload !== undefined ? { payload: this.value(rb.payload, `${path}.requestBody.payload`) } : {}),
      replacements,
    };
  }

  extensions(step: Step, path: string): StepExtensions {
    const ext: { -readonly [K in keyof StepExtensions]: StepExtensions[K] } = {};
    const names = [
      ['x-delay', 'delay'],
      ['x-max-executions', 'maxExecutions'],
      ['x-max-duration', 'maxDuration'],
      ['x-server-url', 'serverUrl'],
    ] as const;
    for (const [key, field] of names) {
      const raw = (step as unknown as Record<string, unknown>)[key];
      if (raw === undefined) continue;
      if (field !== 'serverUrl' && typeof raw === 'number' && (!Number.isFinite(raw) || raw < 0)) {
        this.problem('STEP_EXTENSION_INVALID', `${key} must be a non-negative number or a runtime expression.`, `${path}.${key}`);
        continue;
      }
      if (typeof raw !== 'number' && typeof raw !== 'string') {
        this.problem('STEP_EXTENSION_INVALID', `${key} must be a number or a runtime expression string.`, `${path}.${key}`);
        continue;
      }
      ext[field] = this.value(raw, `${path}.${key}`);
    }
    return ext;
  }

  outputs(map: Record<string, unknown> | undefined, path: string): OutputPlan[] {
    return Object.entries(map ?? {}).map(([name, v]) => ({ name, value: this.value(v, `${path}.outputs.${name}`) }));
  }

  workflow(wf: Workflow, wi: number): WorkflowPlan {
    const path = `$.workflows[${wi}]`;
    const stepIds = new Map<string, number>();
    (wf.steps ?? []).forEach((s, i) => {
      stepIds.set(s.stepId, i);
    });
    const wfParams = this.parameterList(wf.parameters, `${path}.parameters`);
    const wfSuccess = this.actions('success', wf.successActions, 'workflow', `${path}.successActions`, stepIds);
    const wfFailure = this.actions('failure', wf.failureActions, 'workflow', `${path}.failureActions`, stepIds);

    const steps: StepPlan[] = (wf.steps ?? []).map((step, si) => {
      const sp = `${path}.steps[${si}]`;
      let operation: OperationInfo | undefined;
      let workflow: WorkflowRef | undefined;
      if (step.workflowId !== undefined) {
        workflow = this.workflowRef(step.workflowId, sp);
      } else {
        const r = resolveOperation(step, this.input.sources, {
          version: this.version,
          path: sp,
          file: this.input.location,
          sourceDescriptions: this.input.document.sourceDescriptions,
        });
        if (r.operation) operation = r.operation;
      }
      const kind = step.workflowId !== undefined ? 'workflow' : 'operation';
      // Merge (P27): workflow parameters with `in` reach operation steps, those without reach workflow steps.
      const own = this.parameterList(step.parameters, `${sp}.parameters`);
      const key = (p: Parameter): string => `${p.in === 'header' ? p.name.toLowerCase() : p.name}\u0000${p.in ?? ''}`;
      const ownKeys = new Set(own.map(({ p }) => key(p)));
      const inherited = wfParams.filter(({ p }) => (kind === 'operation' ? p.in !== undefined : p.in === undefined) && !ownKeys.has(key(p)));
      const parameters = this.parameters([...inherited, ...own], operation);

      const onSuccess = this.actions('success', step.onSuccess, 'step', `${sp}.onSuccess`, stepIds);
      const onFailure = this.actions('failure', step.onFailure, 'step', `${sp}.onFailure`, stepIds);
      const merge = (mine: ActionPlan[], defaults: ActionPlan[]): ActionPlan[] => {
        const names = new Set(mine.map((a) => a.name));
        return [...mine, ...defaults.filter((a) => !names.has(a.name))];
      };
      const plan: StepPlan = {
        stepId: step.stepId,
        index: si,
        kind,
        ...(operation ? { operation } : {}),
        ...(workflow ? { workflow } : {}),
        parameters,
        ...(kind === 'operation' && step.requestBody ? { body: this.body(step, operation, sp) as BodyPlan } : {}),
        successCriteria: this.criteria(step.successCriteria, `${sp}.successCriteria`),
        onSuccess: merge(onSuccess, wfSuccess),
        onFailure: merge(onFailure, wfFailure),
        outputs: this.outputs(step.outputs as Record<string, unknown> | undefined, sp),
        ...(typeof step.timeout === 'number' ? { timeoutMs: step.timeout } : {}),
        extensions: this.extensions(step, sp),
        path: sp,
      };
      return plan;
    });

    const dependsOn: WorkflowRef[] = [];
    (wf.dependsOn ?? []).forEach((d, i) => {
      const ref = this.workflowRef(d, `${path}.dependsOn[${i}]`);
      if (ref) dependsOn.push(ref);
    });

    const schema = wf.inputs;
    const secretInputs = secretInputNames(schema, this.input.components?.inputs);
    return {
      workflowId: wf.workflowId,
      path,
      ...(schema !== undefined ? { inputsSchema: schema } : {}),
      validateInputs: inputValidator(schema, this.input.components),
      secretInputs,
      dependsOn,
      steps,
      stepIndex: stepIds,
      outputs: this.outputs(wf.outputs as Record<string, unknown> | undefined, path),
    };
  }
}

/** Compile every workflow of a document. */
export function compileWorkflows(input: CompileWorkflowsInput): CompileWorkflowsResult {
  const c = new Compiler(input);
  const workflows = new Map<string, WorkflowPlan>();
  (input.document.workflows ?? []).forEach((wf, i) => {
    if (!wf || typeof wf.workflowId !== 'string') return;
    try {
      workflows.set(wf.workflowId, c.workflow(wf, i));
    } catch (err) {
      c.problem('COMPILE_FAILED', `Workflow "${wf.workflowId}" could not be compiled: ${(err as Error).message}`, `$.workflows[${i}]`);
    }
  });
  return { workflows, problems: c.problems };
}

// ------------------------------------------------------------------ inputs (P19)

function resolveLocalRef(schema: unknown, components: Record<string, JsonSchema> | undefined): unknown {
  if (schema && typeof schema === 'object' && typeof (schema as { $ref?: unknown }).$ref === 'string') {
    const ref = (schema as { $ref: string }).$ref;
    const m = /^#\/components\/inputs\/(.+)$/.exec(ref);
    if (m && components) return components[unescapePointerToken(decodeURIComponent(m[1] as string))];
  }
  return schema;
}

/** Input names whose values are secret: `format: password`, `writeOnly`, or a secret-looking name (P21). */
function secretInputNames(schema: JsonSchema | undefined, components?: Record<string, JsonSchema>): string[] {
  const root = resolveLocalRef(schema, components) as { properties?: Record<string, unknown> } | undefined;
  const names: string[] = [];
  for (const [name, prop] of Object.entries(root?.properties ?? {})) {
    const p = resolveLocalRef(prop, components) as { format?: unknown; writeOnly?: unknown } | undefined;
    // The CLI's list and inputs use the same rule (src/cli/document.ts).
    if (isSecretName(name) || p?.format === 'password' || p?.writeOnly === true) names.push(name);
  }
  return names;
}

type AjvLike = {
  compile(
    schema: unknown,
  ): ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null };
};
let ajvInstance: AjvLike | undefined;

function ajv(): AjvLike {
  if (!ajvInstance) {
    const require = createRequire(import.meta.url);
    const Ajv2020 = require('ajv/dist/2020').default as new (opts: object) => AjvLike & { addFormat(name: string, f: unknown): void };
    const addFormats = require('ajv-formats').default as (a: unknown) => void;
    // `pattern` runs on RE2 (linear time): a schema's pattern cannot hang input validation.
    const instance = new Ajv2020({ strict: false, useDefaults: true, allErrors: true, validateSchema: false, code: { regExp: re2RegExp } });
    addFormats(instance);
    for (const f of ['password', 'int32', 'int64', 'float', 'double']) instance.addFormat(f, true);
    ajvInstance = instance;
  }
  return ajvInstance;
}

function inputValidator(schema: JsonSchema | undefined, components: ArazzoDocument['components']): (inputs: Record<string, unknown>) => InputValidation {
  if (schema === undefined || schema === true) return (inputs) => ({ ok: true, value: { ...inputs }, errors: [] });
  let validate: ReturnType<AjvLike['compile']> | undefined;
  let compileError: string | undefined;
  return (inputs) => {
    if (!validate && !compileError) {
      try {
        const root = schema === false ? false : { ...(schema as object), components: { inputs: components?.inputs ?? {} } };
        validate = ajv().compile(root);
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

/**
 * Whether a parameter the operation does not declare is one its security schemes supply: the
 * `Authorization` header of an `http` (bearer, basic, ...), OAuth2 or OpenID Connect scheme, or the
 * parameter named by an `apiKey` scheme in the same location. Such parameters are how workflows pass
 * credentials, so they are not reported as PARAMETER_NOT_IN_OPERATION.
 */
function suppliedBySecurity(op: OperationInfo, location: string, name: string): boolean {
  const lower = name.toLowerCase();
  for (const s of op.security) {
    if (location === 'header' && lower === 'authorization' && AUTHORIZATION_SCHEMES.has(s.type)) return true;
    if (s.type === 'apiKey' && s.in === location && s.paramName !== undefined) {
      if (location === 'header' ? s.paramName.toLowerCase() === lower : s.paramName === name) return true;
    }
  }
  return false;
}

const AUTHORIZATION_SCHEMES = new Set(['http', 'basic', 'oauth2', 'openIdConnect']);

/** OpenAPI: header parameters named Accept, Content-Type or Authorization "SHALL be ignored", so no operation can declare them. */
const HEADERS_OPENAPI_IGNORES = new Set(['accept', 'content-type', 'authorization']);
