/**
 * Contract checks: what a step's request and response are checked against in the OpenAPI
 * description of its operation, and what a failed check reports.
 */

import type { CheckLevel, CheckName } from '../document/checks-extension.js';

// The checks' names and levels are those `x-arazzo-checks` is written with, and a finding is what
// the engine's check hook (`RunOptions.checks`) reports: both are defined below this module.
export { CHECK_LEVELS, CHECK_NAMES } from '../document/checks-extension.js';
export type { CheckLevel, CheckName } from '../document/checks-extension.js';
export type { CheckFinding } from '../engine/types.js';

/** A level for each check. */
export type CheckLevels = Readonly<Record<CheckName, CheckLevel>>;

/** Where a check runs: the step and its operation. */
export interface CheckTarget {
  readonly workflowId: string;
  readonly stepId: string;
}
