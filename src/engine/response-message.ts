/**
 * What a failed response said: the first message-like string of a JSON body (`error`,
 * `message`, `errorMessage`, `detail`, … at any depth up to 4, so Hugging Face's
 * `status.message` and Elasticsearch's `error.reason` are found), or, for a body that is not
 * JSON or was cut short, a message-like field found in the text itself.
 */

const MESSAGE_KEYS = /^(error_?message|errorMessage|message|error|error_description|detail|title|reason)$/i;
const MESSAGE_IN_TEXT = /"(errorMessage|error_message|message|error|detail|title|reason)"\s*:\s*"((?:[^"\\]|\\.){1,1000})"/;

export function responseMessage(body: string, max = 300): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch {
    const m = MESSAGE_IN_TEXT.exec(body);
    if (!m) return undefined;
    try {
      return cut(JSON.parse(`"${m[2]}"`) as string, max);
    } catch {
      return cut(m[2]!, max);
    }
  }
  const found = findMessage(parsed, 0);
  return found === undefined ? undefined : cut(found, max);
}

function findMessage(value: unknown, depth: number): string | undefined {
  if (depth > 4 || value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) if (MESSAGE_KEYS.test(k) && typeof v === 'string' && v.trim() !== '') return v;
  for (const [, v] of entries) {
    const inner = findMessage(v, depth + 1);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
