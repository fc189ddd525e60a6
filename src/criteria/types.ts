import type { Criterion } from '../document/types.js';
import type { EvalContext, RuntimeExpression } from '../expressions/types.js';

export interface CriterionResult {
  readonly passed: boolean;
  /** Set when the criterion could not be evaluated (it then fails, P8); says why. */
  readonly error?: string;
}

/** A criterion compiled at load. `evaluate` does no parsing. */
export interface CompiledCriterion {
  readonly criterion: Criterion;
  /** 'simple' | 'regex' | 'jsonpath' | 'xpath' */
  readonly kind: string;
  /** The runtime expressions the criterion reads (its context and condition operands), for load-time checks. */
  readonly expressions?: readonly RuntimeExpression[];
  evaluate(ctx: EvalContext): CriterionResult;
}
