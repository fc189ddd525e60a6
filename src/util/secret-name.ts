/**
 * The secret-name rule (P21): an input, parameter or output whose name looks like it holds a
 * credential is treated as secret. One rule for the whole project: masking (engine/mask.ts), the
 * inputs a workflow declares (document/inputs.ts) and the CLI's prompts all use it.
 */

const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|credential|authorization/i;

/** Whether an input or parameter name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
