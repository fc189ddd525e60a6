/**
 * Parameter lists: Reusable Objects resolved (a `value` overrides the component's), each entry
 * checked for where it is used (an operation step, a workflow step, a workflow, an action),
 * duplicates found, values compiled; then, per step, matched against the target operation.
 */
import type { ParameterLocation } from '../document/types.js';
import type { CompiledValue } from '../expressions/types.js';
import type { OperationInfo } from '../sources/types.js';
import { resolveReference } from './components.js';
import type { ParameterPlan } from './plan-types.js';
import { type DocumentScope, isObj, isStr, list, type Site } from './scope.js';
import { compileValueAt } from './values.js';

export type ParameterMode = 'operation-step' | 'workflow-step' | 'workflow-level' | 'action' | 'unknown';

/** A parameter of a list, checked and compiled. */
export interface CompiledParameter {
  readonly name: string;
  readonly in?: ParameterLocation;
  readonly value: CompiledValue;
  /** The list entry's JSON path. */
  readonly path: string;
}

/** Compile a parameter list at `path`, checking each entry for `mode`. */
export function compileParameterList(
  scope: DocumentScope,
  parameters: unknown,
  path: string,
  mode: ParameterMode,
  site: Site | undefined,
): CompiledParameter[] {
  const { reporter } = scope;
  const seen = new Map<string, number>();
  const headers = new Map<string, { readonly name: string; readonly index: number }>();
  const out: CompiledParameter[] = [];
  list(parameters).forEach((entry, index) => {
    if (!isObj(entry)) return;
    const entryPath = `${path}[${index}]`;
    const isRef = entry.reference !== undefined;
    let parameter: Record<string, unknown> | undefined;
    let value: CompiledValue | undefined;
    if (isRef) {
      const key = resolveReference(scope, entry, entryPath, 'parameters');
      const component = key === undefined ? undefined : scope.componentParameters.get(key);
      if (!component) return;
      parameter = component.parameter;
      value = entry.value !== undefined ? compileValueAt(scope, entry.value, `${entryPath}.value`, site) : component.value;
    } else {
      parameter = entry;
      value = compileValueAt(scope, entry.value, `${entryPath}.value`, site);
    }
    if (!isStr(parameter.name)) return;
    const where = parameter.in;
    const describe = isRef ? `parameter '${parameter.name}' (from ${String(entry.reference)})` : `parameter '${parameter.name}'`;
    if (where === 'channel') {
      if (!isRef) reporter.error('ASYNCAPI_UNSUPPORTED', `${entryPath}.in`, "Parameters 'in: channel' are AsyncAPI-only and not supported.");
    } else if (mode === 'operation-step' && where === undefined) {
      reporter.error('PARAMETER_IN_REQUIRED', entryPath, `${describe} of an operation step needs 'in' (path, query, header or cookie).`);
    } else if (mode === 'workflow-step' && where !== undefined) {
      reporter.warn(
        'PARAMETER_IN_IGNORED',
        isRef ? entryPath : `${entryPath}.in`,
        `${describe} maps to an input of the called workflow by name; 'in' is not used. Remove it.`,
      );
    } else if (mode === 'action' && where !== undefined) {
      reporter.error(
        'ACTION_PARAMETER_IN_NOT_ALLOWED',
        isRef ? entryPath : `${entryPath}.in`,
        `${describe} of an action becomes an input of the target workflow; it must not have 'in'.`,
      );
    }
    // Arazzo names are case-sensitive, so (X-Id, header) and (x-id, header) are two parameters;
    // HTTP sends them as one header, though, so that is worth a warning.
    const identity = `${String(where ?? '')}\u0000${parameter.name}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      const inText = where === undefined ? '' : ` in ${String(where)}`;
      reporter.error(
        'PARAMETER_DUPLICATE',
        entryPath,
        `${describe}${inText} is already set by entry ${first} of this list; a (name, in) pair may appear once.`,
      );
    } else {
      seen.set(identity, index);
      if (where === 'header') {
        const lower = `header\u0000${parameter.name.toLowerCase()}`;
        const other = headers.get(lower);
        if (other !== undefined) {
          reporter.warn(
            'PARAMETER_HEADER_CASE',
            entryPath,
            `${describe} in header and '${other.name}' (entry ${other.index}) differ only in case: they are two Arazzo parameters, but HTTP header names are case-insensitive, so one header is sent, with the value of this later entry. Keep one.`,
          );
        } else {
          headers.set(lower, { name: parameter.name, index });
        }
      }
    }
    // `in: channel` (AsyncAPI) is reported above; a plan never has it.
    out.push({ name: parameter.name, ...(isStr(where) && where !== 'channel' ? { in: where as ParameterLocation } : {}), value, path: entryPath });
  });
  return out;
}

/** P27: the workflow's parameters a step inherits (those with `in` reach operation steps, those without workflow steps), unless the step sets them. */
export function inheritedParameters(
  workflowParameters: readonly CompiledParameter[],
  own: readonly CompiledParameter[],
  kind: 'operation' | 'workflow',
): CompiledParameter[] {
  const key = (p: CompiledParameter): string => `${p.in === 'header' ? p.name.toLowerCase() : p.name}\u0000${p.in ?? ''}`;
  const ownKeys = new Set(own.map(key));
  return workflowParameters.filter((p) => (kind === 'operation' ? p.in !== undefined : p.in === undefined) && !ownKeys.has(key(p)));
}

/**
 * The parameter plans of a step: each matched against the operation's parameters and security
 * schemes. A parameter the operation does not define is reported once (`warned` holds those
 * already reported: a workflow parameter reaches every step).
 */
export function parameterPlans(
  scope: DocumentScope,
  parameters: readonly CompiledParameter[],
  op: OperationInfo | undefined,
  warned: Set<CompiledParameter>,
): ParameterPlan[] {
  return parameters.map((p) => {
    const spec = op?.parameters.find((s) => s.in === p.in && (p.in === 'header' ? s.name.toLowerCase() === p.name.toLowerCase() : s.name === p.name));
    const credential = op !== undefined && p.in !== undefined && suppliedBySecurity(op, p.in, p.name);
    if (op && p.in && !spec && !credential && !(p.in === 'header' && HEADERS_OPENAPI_IGNORES.has(p.name.toLowerCase())) && !warned.has(p)) {
      warned.add(p);
      scope.reporter.warn(
        'PARAMETER_NOT_IN_OPERATION',
        p.path,
        `Parameter "${p.name}" (in: ${p.in}) is not defined by operation ${op.operationId ?? op.pointer}; it is sent anyway. Check its name and location.`,
      );
    }
    return {
      name: p.name,
      ...(p.in ? { in: p.in } : {}),
      value: p.value,
      ...(spec ? { spec } : {}),
      required: p.in === 'path' || (spec?.required ?? false),
      ...(credential ? { credential: true as const } : {}),
      path: p.path,
    };
  });
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
