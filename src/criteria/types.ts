import type { Criterion } from '../document/types.js';
import type { ProblemCode } from '../error-codes.js';
import type { EvalContext, RuntimeExpression } from '../expressions/types.js';

export interface CriterionResult {
  readonly passed: boolean;
  /** Set when the criterion could not be evaluated (it then fails, P8); says why. */
  readonly error?: string;
}

/** A dialect form the criterion uses, accepted with a warning that names the standard spelling. */
export interface CriterionWarning {
  /** `DIALECT_…` */
  readonly code: ProblemCode;
  readonly message: string;
}

/** A criterion compiled at load. `evaluate` does no parsing. */
export interface CompiledCriterion {
  readonly criterion: Criterion;
  /** 'simple' | 'regex' | 'jsonpath' | 'xpath' */
  readonly kind: string;
  /** The runtime expressions the criterion reads (its context and condition operands), for load-time checks. */
  readonly expressions?: readonly RuntimeExpression[];
  /** Dialect forms accepted at compile time; the loader reports each as a warning (a `--strict` load, an error). */
  readonly warnings?: readonly CriterionWarning[];
  evaluate(ctx: EvalContext): CriterionResult;
  /**
   * For a failure message, after `evaluate` returned `passed: false` without an error: what the
   * criterion saw (a JSONPath criterion: what its query selected), bounded to a few hundred
   * characters. Called only when a failure is reported, so it costs nothing on the hot path.
   */
  explain?(ctx: EvalContext): string | undefined;
}
