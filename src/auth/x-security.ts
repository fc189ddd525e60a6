/**
 * Redocly Respect's `x-security` extension, so documents written for Respect run as they are.
 *
 * On a step or a workflow, `x-security` is a list of entries, each either
 *   `{ schemeName, values }`: a scheme of the step's OpenAPI description, by name (or
 *   `$sourceDescriptions.<source>.<scheme>`), or
 *   `{ scheme, values }`: a Security Scheme Object written inline.
 * `values` holds the credential, by scheme kind (runtime expressions allowed, e.g. `$inputs.KEY`):
 *   apiKey: `apiKey` (older Respect: `value`); http basic: `username`, `password`; http bearer
 *   (and other http token schemes): `token`; oauth2 and openIdConnect: `accessToken`, or, an
 *   addition of ours, `clientId` and `clientSecret` for the client credentials grant.
 * Workflow entries apply to each operation step of the workflow; a step entry replaces a workflow
 * entry for the same scheme (same name, or the same inline type and target), as in Respect. Every
 * entry is applied, whatever the operation's `security` says; a step's own parameters still win.
 */
import type { LoadedSource } from '../sources/types.js';
import { ArazzoError } from '../errors.js';
import type { CompiledValue, EvalContext } from '../expressions/types.js';
import { toSecuritySchemeInfo } from '../sources/operation-index.js';
import type { OperationInfo, SecuritySchemeInfo } from '../sources/types.js';
import { acceptedKinds, describeScheme, unsupportedReason } from './schemes.js';
import type { Credential } from './types.js';
import { isRecord } from '../util/guards.js';

/** One compiled `x-security` entry. */
export interface XSecurityPlan {
  readonly scheme: SecuritySchemeInfo;
  /** The OpenAPI source the named scheme belongs to; undefined for an inline scheme. */
  readonly source?: string;
  /** The values, compiled (runtime expressions evaluated per request). */
  readonly values: Readonly<Record<string, CompiledValue>>;
  /** JSON path of the entry, for messages. */
  readonly path: string;
}

export interface CompileXSecurityInput {
  /** The workflow's `x-security`, if any. */
  readonly workflow: unknown;
  readonly workflowPath: string;
  /** The step's `x-security`, if any. */
  readonly step: unknown;
  readonly stepPath: string;
  readonly operation: OperationInfo | undefined;
  /** The loaded sources; undefined when a document is validated alone (named schemes are then not looked up). */
  readonly sources: ReadonlyMap<string, LoadedSource> | undefined;
  compile(value: unknown, path: string): CompiledValue;
  /** Report an X_SECURITY_INVALID problem (error). */
  problem(message: string, path: string): void;
}

/** The values each kind of scheme needs, in Respect's names; the first set found is used. */
function valueSets(scheme: SecuritySchemeInfo): readonly (readonly string[])[] {
  const kinds = acceptedKinds(scheme);
  if (scheme.type === 'apiKey') return [['apiKey'], ['value']];
  if (kinds.includes('basic')) return [['username', 'password']];
  if (kinds.includes('client')) return [['accessToken'], ['clientId', 'clientSecret']];
  return [['token']];
}

/** The effective entries of an operation step (workflow entries, replaced by the step's for the same scheme); undefined when none. */
export function compileXSecurity(input: CompileXSecurityInput): XSecurityPlan[] | undefined {
  if (input.workflow === undefined && input.step === undefined) return undefined;
  const merged = new Map<string, XSecurityPlan>();
  for (const [raw, path] of [
    [input.workflow, `${input.workflowPath}.x-security`],
    [input.step, `${input.stepPath}.x-security`],
  ] as const) {
    if (raw === undefined) continue;
    if (!Array.isArray(raw)) {
      input.problem('x-security must be a list of { schemeName, values } or { scheme, values } entries.', path);
      continue;
    }
    raw.forEach((entry, i) => {
      const plan = compileEntry(entry, `${path}[${i}]`, input);
      if (!plan) return;
      const key = keyOf(plan);
      merged.delete(key); // a later entry (the step's) replaces an earlier one, and takes its place at the end
      merged.set(key, plan);
    });
  }
  return merged.size > 0 ? [...merged.values()] : undefined;
}

function compileEntry(entry: unknown, path: string, input: CompileXSecurityInput): XSecurityPlan | undefined {
  if (!isRecord(entry)) {
    input.problem('An x-security entry must be an object with schemeName or scheme, and values.', path);
    return undefined;
  }
  const e = entry;
  if (e.schemeName !== undefined && e.scheme !== undefined) {
    input.problem('An x-security entry has both schemeName and scheme; keep one (schemeName to use the OpenAPI scheme, scheme to define one inline).', path);
    return undefined;
  }
  let scheme: SecuritySchemeInfo | undefined;
  let source: string | undefined;
  if (typeof e.schemeName === 'string') {
    if (input.sources === undefined) return undefined;
    const found = findScheme(e.schemeName, input, input.sources);
    if (typeof found === 'string') {
      input.problem(found, `${path}.schemeName`);
      return undefined;
    }
    scheme = found.scheme;
    source = found.source;
  } else if (e.scheme !== undefined) {
    scheme = toSecuritySchemeInfo(inlineName(e.scheme), e.scheme);
    if (!scheme) {
      input.problem('x-security scheme must be a Security Scheme Object with a type (apiKey, http, oauth2, openIdConnect).', `${path}.scheme`);
      return undefined;
    }
  } else {
    input.problem('An x-security entry needs schemeName (a scheme of the OpenAPI description) or scheme (one written inline).', path);
    return undefined;
  }
  const unsupported =
    scheme.type === 'mutualTLS' ? 'mutualTLS is configured with a TLS client certificate (--cert, --key), not x-security' : unsupportedReason(scheme);
  if (unsupported) {
    input.problem(`x-security scheme ${describeScheme(scheme)} cannot be applied: ${unsupported}.`, path);
    return undefined;
  }
  const given = e.values;
  if (!isRecord(given)) {
    input.problem(`x-security for ${describeScheme(scheme)} needs values: ${needs(scheme)}.`, `${path}.values`);
    return undefined;
  }
  const set = valueSets(scheme).find((names) => names.every((n) => given[n] !== undefined && given[n] !== null && given[n] !== ''));
  if (!set) {
    input.problem(
      `x-security for ${describeScheme(scheme)} needs values ${needs(scheme)}; it has ${Object.keys(given).join(', ') || 'none'}.`,
      `${path}.values`,
    );
    return undefined;
  }
  const values: Record<string, CompiledValue> = {};
  for (const name of set) values[name] = input.compile(given[name], `${path}.values.${name}`);
  return { scheme, ...(source !== undefined ? { source } : {}), values, path };
}

function needs(scheme: SecuritySchemeInfo): string {
  return valueSets(scheme)
    .map((names) => names.join(' and '))
    .join(', or ');
}

/** An inline scheme's name for messages: its type. */
function inlineName(raw: unknown): string {
  const r = raw as { type?: unknown; scheme?: unknown };
  return typeof r?.type === 'string' ? `inline ${r.type}${typeof r.scheme === 'string' ? ` ${r.scheme}` : ''}` : 'inline scheme';
}

function findScheme(
  name: string,
  input: CompileXSecurityInput,
  sources: ReadonlyMap<string, LoadedSource>,
): { scheme: SecuritySchemeInfo; source: string } | string {
  const qualified = /^\$sourceDescriptions\.([^.]+)\.(.+)$/.exec(name);
  const sourceName = qualified ? (qualified[1] as string) : input.operation?.sourceName;
  const schemeName = qualified ? (qualified[2] as string) : name;
  if (sourceName === undefined) {
    return `x-security schemeName "${name}" needs an OpenAPI operation to look it up in; this step has none. Write the scheme inline (scheme:), or name its source ($sourceDescriptions.<source>.${name}).`;
  }
  const source = sources.get(sourceName);
  if (source?.kind !== 'openapi') {
    return `x-security schemeName "${name}": there is no OpenAPI source description named "${sourceName}".`;
  }
  const scheme = source.securitySchemes?.get(schemeName);
  if (!scheme) {
    const known = [...(source.securitySchemes?.keys() ?? [])];
    return `x-security schemeName "${name}" names no security scheme of source "${sourceName}" (its schemes: ${known.join(', ') || 'none'}).`;
  }
  return { scheme, source: sourceName };
}

/** Respect's rule for "the same scheme": the name, or for an inline scheme its type and where it writes. */
function keyOf(plan: XSecurityPlan): string {
  const s = plan.scheme;
  if (plan.source !== undefined) return `named\u0000${plan.source}\u0000${s.name}`;
  switch (s.type) {
    case 'apiKey':
      return `apiKey\u0000${s.paramName}\u0000${s.in}`;
    case 'oauth2':
      return `oauth2\u0000${s.flows?.[0] ?? ''}`;
    case 'openIdConnect':
      return `openIdConnect\u0000${s.openIdConnectUrl ?? ''}`;
    default:
      return `${s.type}\u0000${s.scheme ?? ''}`;
  }
}

/** The workflow inputs the entries read (`$inputs.NAME`): they hold credentials, so they are secret inputs. */
export function xSecurityInputs(plans: readonly XSecurityPlan[] | undefined): string[] {
  const names: string[] = [];
  for (const plan of plans ?? []) {
    for (const value of Object.values(plan.values)) {
      for (const e of value.expressions) if (e.root === 'inputs' && e.segments?.[1] !== undefined) names.push(e.segments[1]);
    }
  }
  return names;
}

/** The credential an entry gives for this request; AUTH_CREDENTIAL_INVALID when a value resolves to nothing. */
export function evaluateXSecurity(plan: XSecurityPlan, ctx: EvalContext, stepId: string): Credential {
  const v: Record<string, string> = {};
  for (const [name, compiled] of Object.entries(plan.values)) {
    const value = compiled.evaluate(ctx);
    if (value === undefined || value === null || value === '' || typeof value === 'object') {
      throw new ArazzoError(
        'AUTH_CREDENTIAL_INVALID',
        `Step "${stepId}": x-security value "${name}" for ${describeScheme(plan.scheme)} resolved to ${value === undefined || value === null || value === '' ? 'nothing' : 'an object or list'} (${plan.path}.values.${name}); check the inputs it reads.`,
        { stepId },
      );
    }
    v[name] = String(value);
  }
  if (v.apiKey !== undefined || v.value !== undefined) return { apiKey: (v.apiKey ?? v.value) as string };
  if (v.username !== undefined) return { username: v.username, password: v.password as string };
  if (v.clientId !== undefined) return { clientId: v.clientId, clientSecret: v.clientSecret as string };
  return { token: (v.token ?? v.accessToken) as string };
}
