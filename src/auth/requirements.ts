/**
 * Choosing which of an operation's Security Requirement Objects to satisfy (pure).
 *
 * OpenAPI: the `security` list holds alternatives, any one of which is enough; each requirement
 * object names schemes that are all needed together; `{}` makes authentication optional; the
 * operation's list replaces the document's. The rules, in order:
 *
 * 1. No requirement (none declared, or an empty list): nothing to do.
 * 2. A non-empty requirement whose schemes the step supplies itself (its own parameters or its
 *    `x-security` write the header, query parameter or cookie): nothing is added.
 * 3. Otherwise the first non-empty requirement, in document order, whose every scheme is either
 *    supplied by the step or has a usable credential: the credentials of its other schemes are
 *    applied.
 * 4. Otherwise, when `{}` is one of the alternatives: nothing is added (authentication is optional).
 * 5. Otherwise: unsatisfied. The request goes out as the workflow wrote it; the result names the
 *    schemes that had no credential, for messages.
 *
 * `{}` never wins over a requirement that can be satisfied: a caller who gave credentials for an
 * optional-auth operation gets them sent.
 */
import type { SecurityRequirement, SecuritySchemeInfo } from '../sources/types.js';

export interface ChosenScheme {
  readonly scheme: SecuritySchemeInfo;
  /** The scopes (or roles) the requirement lists for it. */
  readonly scopes: readonly string[];
}

export type Choice =
  /** No requirement, the step supplies one itself, or auth is optional and nothing else fits. */
  | { readonly kind: 'none' }
  /** Apply these schemes' credentials (those the step does not supply itself). */
  | { readonly kind: 'apply'; readonly schemes: readonly ChosenScheme[] }
  /** No requirement can be met; `missing` lists, per alternative, the schemes without a credential. */
  | { readonly kind: 'unsatisfied'; readonly missing: readonly (readonly string[])[] };

const NONE: Choice = { kind: 'none' };

export interface ChoiceInput {
  readonly requirements: readonly SecurityRequirement[] | undefined;
  readonly schemes: ReadonlyMap<string, SecuritySchemeInfo> | undefined;
  /** The step already writes this scheme's credential (its target is set in the request). */
  readonly suppliedByStep: (scheme: SecuritySchemeInfo) => boolean;
  /** A credential for this scheme is available (given by the caller, or a TLS client certificate for mutualTLS). */
  readonly hasCredential: (scheme: SecuritySchemeInfo) => boolean;
}

export function chooseRequirement(input: ChoiceInput): Choice {
  const { requirements, schemes } = input;
  if (requirements === undefined || requirements.length === 0) return NONE;
  let optional = false;
  // Rule 2 first: a requirement the step fully supplies by itself.
  for (const req of requirements) {
    const names = Object.keys(req);
    if (names.length === 0) {
      optional = true;
      continue;
    }
    if (
      names.every((n) => {
        const s = schemes?.get(n);
        return s !== undefined && input.suppliedByStep(s);
      })
    ) {
      return NONE;
    }
  }
  const missing: string[][] = [];
  for (const req of requirements) {
    const names = Object.keys(req);
    if (names.length === 0) continue;
    const chosen: ChosenScheme[] = [];
    const lacking: string[] = [];
    for (const name of names) {
      const scheme = schemes?.get(name);
      if (scheme === undefined) {
        lacking.push(name);
        continue;
      }
      if (input.suppliedByStep(scheme)) continue;
      if (input.hasCredential(scheme)) chosen.push({ scheme, scopes: req[name] ?? [] });
      else lacking.push(name);
    }
    if (lacking.length === 0) return { kind: 'apply', schemes: chosen };
    missing.push(lacking);
  }
  return optional ? NONE : { kind: 'unsatisfied', missing };
}
