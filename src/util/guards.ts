/**
 * Narrow type guards for values from outside (parsed YAML/JSON, request bodies, schemas). Use
 * them instead of `as Record<string, unknown>`: a guard checks what a cast only asserts.
 */

/** A JSON object: not `null`, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a JSON object, else `undefined` (for optional nested objects: `asRecord(x) ?? {}`). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** An array whose every entry is a string. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}
