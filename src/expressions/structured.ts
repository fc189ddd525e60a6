/**
 * A context given as JSON text (a raw body, an output holding JSON) is queried as the data it
 * encodes: text that starts like a JSON object or array and parses is returned parsed; anything
 * else is returned unchanged.
 */
export function structuredContext(value: unknown): unknown {
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return value;
      }
    }
  }
  return value;
}
