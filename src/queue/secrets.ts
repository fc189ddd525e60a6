/**
 * Secret references. A run's secret inputs are submitted as references (`env:HF_TOKEN`), never as
 * values, and each worker resolves them itself: from its own environment, or through the provider
 * it was given (a vault, a cloud secret manager). The values live only in the worker's memory.
 */
import { ArazzoError } from '../errors.js';
import type { SecretValue } from './seal.js';
import { SEALED_SCHEME } from './seal-key.js';

/** What a worker is asked to resolve. */
export interface SecretRequest {
  /** The reference as submitted, e.g. `env:HF_TOKEN` or `vault:kv/hf#token`. */
  readonly reference: string;
  /** The part before the first `:` (`env`, `vault`, …). */
  readonly scheme: string;
  /** The part after it (`HF_TOKEN`). */
  readonly name: string;
  readonly runId: string;
  readonly workflowId: string;
  /** The input the secret is for. */
  readonly input: string;
}

/**
 * Resolves a secret reference to its value; undefined when it cannot. A worker without a provider,
 * or whose provider returns undefined for an `env:` reference, reads the worker's environment.
 */
export type SecretProvider = (request: SecretRequest) => string | undefined | Promise<string | undefined>;

const REFERENCE = /^([a-z][a-z0-9+.-]*):(.+)$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `scheme:name`, or undefined when `reference` is not one. `env:` names must be variable names; `sealed:` is reserved. */
export function parseReference(reference: string): { readonly scheme: string; readonly name: string } | undefined {
  const m = REFERENCE.exec(reference);
  if (!m) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  const name = m[2] as string;
  if (scheme === 'env' && !ENV_NAME.test(name)) return undefined;
  // `sealed:` names a value the worker encrypted into a checkpoint (seal-key.ts), never a submitted one.
  if (scheme === SEALED_SCHEME) return undefined;
  return { scheme, name };
}

/** Throws QUEUE_SECRET_REFERENCE_INVALID unless `reference` is `scheme:name`. */
export function checkReference(input: string, reference: unknown): string {
  if (typeof reference !== 'string' || parseReference(reference) === undefined) {
    throw new ArazzoError(
      'QUEUE_SECRET_REFERENCE_INVALID',
      `The secret reference for input "${input}" must be "scheme:name", e.g. "env:HF_TOKEN" (a variable in each worker's environment; the scheme "${SEALED_SCHEME}:" is reserved for values workers seal); got ${typeof reference === 'string' ? `"${reference.slice(0, 80)}"` : typeof reference}.`,
      { input },
    );
  }
  return reference;
}

export interface ResolvedSecrets {
  /** Input name → value. */
  readonly inputs: Record<string, string>;
  /** Every reference with its value, for sealing and masking. */
  readonly values: SecretValue[];
}

/**
 * Resolve every reference of a run (input name → reference). Throws QUEUE_SECRET_UNRESOLVED naming
 * the first reference that resolves to nothing.
 */
export async function resolveSecrets(
  references: Readonly<Record<string, string>>,
  context: { readonly runId: string; readonly workflowId: string },
  provider: SecretProvider | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ResolvedSecrets> {
  const inputs: Record<string, string> = {};
  const values: SecretValue[] = [];
  const known = new Map<string, string>();
  for (const [input, reference] of Object.entries(references)) {
    let value = known.get(reference);
    if (value === undefined) {
      const parsed = parseReference(reference);
      if (!parsed) checkReference(input, reference);
      const { scheme, name } = parsed as { scheme: string; name: string };
      value = (await provider?.({ reference, scheme, name, runId: context.runId, workflowId: context.workflowId, input })) ?? undefined;
      if (value === undefined && scheme === 'env') value = env[name];
      if (typeof value !== 'string' || value === '') {
        const fix =
          scheme === 'env'
            ? `set ${name} in the environment of every worker (or resolve it with the worker's secrets provider)`
            : `give the worker a secrets provider that resolves "${scheme}:" references`;
        throw new ArazzoError(
          'QUEUE_SECRET_UNRESOLVED',
          `Run ${context.runId} needs the secret ${reference} for input "${input}", which this worker cannot resolve: ${fix}.`,
          { reference, input },
        );
      }
      known.set(reference, value);
      values.push({ ref: reference, value });
    }
    inputs[input] = value;
  }
  return { inputs, values };
}
