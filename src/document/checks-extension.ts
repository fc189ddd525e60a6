/**
 * `x-arazzo-checks`, the extension that sets the level of the contract checks on the document
 * root, a workflow or a step: the names of the checks, their levels, and what makes a value of the
 * extension well-formed. The compile pass warns about a malformed one (`compile/compile.ts`);
 * `contract/levels.ts` applies the levels, and `--check name=level` is read with the same rules.
 */

/**
 * The checks, by the name `--check <name>=<level>` and `x-arazzo-checks` use.
 * - `status`: the response status is declared (explicitly, as a `2XX`-style range, or `default`);
 * - `content-type`: the response Content-Type is one the operation declares for that status;
 * - `schema`: the response body is valid against the declared schema;
 * - `headers`: the declared response headers that are required are present, and all present ones valid;
 * - `request`: the request about to be sent is valid against the operation's parameters and body.
 */
export const CHECK_NAMES = ['status', 'content-type', 'schema', 'headers', 'request'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** `error` fails the step (and the test); `warn` reports only; `off` does not check. */
export const CHECK_LEVELS = ['error', 'warn', 'off'] as const;
export type CheckLevel = (typeof CHECK_LEVELS)[number];

/** The extension's name, on the document root, a workflow or a step. */
export const CHECKS_EXTENSION = 'x-arazzo-checks';

/** Levels by check; `all` sets every check, and a named check given with it wins. */
export type LevelOverrides = Partial<Record<CheckName | 'all', CheckLevel>>;

export function isCheckName(name: string): name is CheckName {
  return (CHECK_NAMES as readonly string[]).includes(name);
}

export function isCheckLevel(level: string): level is CheckLevel {
  return (CHECK_LEVELS as readonly string[]).includes(level);
}

/** Why a `name=level` pair is not one; undefined when it is. */
export function levelPairProblem(name: string, level: unknown): string | undefined {
  if (name !== 'all' && !isCheckName(name)) return `"${name}" is not a check (checks: ${CHECK_NAMES.join(', ')}, or all)`;
  if (typeof level !== 'string' || !isCheckLevel(level))
    return `the level of "${name}" must be one of ${CHECK_LEVELS.join(', ')}, not ${JSON.stringify(level)}`;
  return undefined;
}

/**
 * What is wrong with an `x-arazzo-checks` value, each with the JSON path under the extension
 * (`''` for the value itself); none when it is well-formed. The compile pass reports these as
 * warnings (the document still runs without checks); setting the checks up refuses them.
 */
export function checksExtensionProblems(raw: unknown): Array<{ readonly at: string; readonly message: string }> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ at: '', message: `${CHECKS_EXTENSION} must be a mapping of check names to levels, not ${JSON.stringify(raw)}` }];
  }
  const out: Array<{ at: string; message: string }> = [];
  for (const [name, level] of Object.entries(raw)) {
    const problem = levelPairProblem(name, level);
    if (problem) out.push({ at: name, message: `${CHECKS_EXTENSION} ${problem}` });
  }
  return out;
}

/** How to write the extension, for messages. */
export const CHECKS_EXTENSION_FIX = 'Write it as a mapping such as {schema: warn, headers: off}.';
