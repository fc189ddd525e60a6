/** Violations in words, and as the fields of a finding. */
import type { CheckFinding } from './types.js';
import type { Violation } from './validator.js';

/** The finding fields of a violation. */
export function where(v: Violation): Pick<CheckFinding, 'path' | 'rule' | 'expected' | 'value'> {
  return { path: v.path, rule: v.rule, ...(v.expected !== undefined ? { expected: v.expected } : {}), ...(v.value !== undefined ? { value: v.value } : {}) };
}

/** `at $.id must be integer (type), got "abc"`; without `at $` for the value itself. */
export function describe(v: Violation): string {
  return v.path === '$' ? detail(v) : `at ${v.path} ${detail(v)}`;
}

/** `must be integer (type), got "abc"`, or `is missing (required)`. */
export function detail(v: Violation): string {
  if (v.rule === 'required') return 'is missing (required)';
  if (v.rule === 'enum' && v.expected !== undefined) return `must be ${v.expected} (enum)${v.value !== undefined ? `, got ${v.value}` : ''}`;
  return `${v.detail} (${v.rule})${v.value !== undefined ? `, got ${v.value}` : ''}`;
}
