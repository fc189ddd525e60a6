/**
 * The secret-name rule (P21): an input, parameter or output whose name looks like it holds a
 * credential is treated as secret. One rule for the whole project: masking (engine/mask.ts), the
 * inputs a workflow declares (document/inputs.ts) and the CLI's prompts all use it.
 */

const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|credential|authorization/i;

/**
 * Words after "token" that make it a description of a token rather than the token itself:
 * `tokenType`, `tokenUrl`, `tokenEndpoint`, `tokenExpiresIn`, `tokenTtl`, and counts such as
 * `tokenCount`, `token_limit`, `tokenUsage`. The plural is always a count (`maxTokens`,
 * `completionTokens`, `prompt_tokens`).
 */
const DESCRIBES_A_TOKEN = new Set(['count', 'limit', 'usage', 'type', 'url', 'uri', 'endpoint', 'expires', 'expiry', 'expiration', 'ttl']);

/** Whether an input or parameter name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  if (!SECRET_NAME.test(name)) return false;
  // Split camelCase, snake_case and kebab-case into words, drop the words that name no credential.
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const kept = words.filter((w, i) => w !== 'tokens' && !(w === 'token' && DESCRIBES_A_TOKEN.has(words[i + 1] ?? '')));
  return SECRET_NAME.test(kept.join('_'));
}
