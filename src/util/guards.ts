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

/** A JSON object as JSON.parse makes it: a record whose prototype is Object.prototype or null (not a Date, Map or class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** An array whose every entry is a string. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

/**
 * `obj[key]` for any object, arrays included: for code that walks every key of a JSON tree, objects
 * and arrays alike. The one place such a read is typed.
 */
export function propertyOf(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

/**
 * `value[key]` when `value` is an object or array with `key` as an own property; `undefined`
 * otherwise, and never an inherited member such as `constructor` or `__proto__`.
 */
export function ownPropertyOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
