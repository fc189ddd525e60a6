/**
 * Contract checks: what a step's request and response are checked against in the OpenAPI
 * description of its operation, and what a failed check reports.
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

/** A level for each check. */
export type CheckLevels = Readonly<Record<CheckName, CheckLevel>>;

/** One failed check. Values in it are bounded; the engine masks secrets in it like any event. */
export interface CheckFinding {
  readonly check: CheckName;
  /** The level the check ran at (`off` checks do not run). */
  readonly level: 'error' | 'warn';
  readonly workflowId: string;
  readonly stepId: string;
  /** The operation: its operationId, else `METHOD /path`. */
  readonly operation: string;
  /**
   * Where it broke: a JSON path in the body (`$.items[0].id`), or the part of the message for
   * parameters and headers (`header X-Rate-Limit`, `query limit`, `path petId`).
   */
  readonly path?: string;
  /** The rule broken: a JSON Schema keyword (`required`, `type`, `enum`, …) or the check's own (`undeclared-status`, …). */
  readonly rule: string;
  /** What the description allows, in words (`integer`, `200, 404, 5XX`, `application/json`). */
  readonly expected?: string;
  /** The offending value, as compact JSON, bounded. */
  readonly value?: string;
  /** The response status, for response checks. */
  readonly statusCode?: number;
  /** One sentence saying all of the above. */
  readonly message: string;
}

/** Where a check runs: the step and its operation. */
export interface CheckTarget {
  readonly workflowId: string;
  readonly stepId: string;
}
