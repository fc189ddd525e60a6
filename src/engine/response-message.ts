/**
 * What a failed response said: the first message-like string of a JSON body (`error`,
 * `message`, `errorMessage`, `detail`, … at any depth up to 4, so Elasticsearch's `error.reason`
 * is found), or, for a body that is not JSON or was cut short, a message-like field found in the
 * text itself.
 *
 * A successful response (2xx, 1xx, 3xx) whose criteria failed carries data, not an error: a todo's
 * `title` or a chat's `message` says nothing about why the step failed. Such a body only gives
 * error-shaped fields: `error`, `errorMessage`, `error_description`, the message inside an
 * `error` object or an `errors` list, or a message beside a state that says it failed (Hugging
 * Face's `status: {state: "failed", message}`).
 */

const MESSAGE_KEYS = /^(error_?message|errorMessage|message|error|error_description|detail|title|reason)$/i;
const MESSAGE_IN_TEXT = /"(errorMessage|error_message|message|error|detail|title|reason)"\s*:\s*"((?:[^"\\]|\\.){1,1000})"/;

/** Keys whose string value is an error message, whatever the status. */
const ERROR_KEYS = /^(error|error_?message|errorMessage|error_description|fault|failure)$/i;
/** Keys whose value holds errors: the messages inside them are error messages. */
const ERROR_CONTAINERS = /^(error|errors|fault|failure|exception)$/i;
/** Keys that carry a message in an error object, or beside a failed state. */
const DETAIL_KEYS = /^(message|detail|reason|description|title)$/i;
/** Keys that say in what state something is, and values that say it failed. */
const STATE_KEYS = /^(state|status|phase|result|outcome)$/i;
const FAILED_STATE = /fail|error|crash|abort|reject|denied|invalid/i;
const ERROR_IN_TEXT = /"(errorMessage|error_message|error_description|error)"\s*:\s*"((?:[^"\\]|\\.){1,1000})"/;
const FAILED_STATE_IN_TEXT = /"(state|status|phase)"\s*:\s*"[^"]*(fail|error|crash|abort|reject|denied|invalid)[^"]*"/i;
const DETAIL_IN_TEXT = /"(message|detail|reason)"\s*:\s*"((?:[^"\\]|\\.){1,1000})"/;

/** How deep in a body a message is looked for. */
const MAX_DEPTH = 4;

/**
 * The message of a failed response's body, at most `max` characters. Give the status code: for a
 * successful status only error-shaped fields count. Without it, any message-like field does.
 */
export function responseMessage(body: string, max = 300, statusCode?: number): string | undefined {
  const strict = statusCode !== undefined && statusCode < 400;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch {
    const m = strict ? (ERROR_IN_TEXT.exec(body) ?? (FAILED_STATE_IN_TEXT.test(body) ? DETAIL_IN_TEXT.exec(body) : null)) : MESSAGE_IN_TEXT.exec(body);
    if (!m) return undefined;
    try {
      return cut(JSON.parse(`"${m[2]}"`) as string, max);
    } catch {
      return cut(m[2]!, max);
    }
  }
  const found = findMessage(parsed, strict);
  return found === undefined ? undefined : cut(found, max);
}

interface Visit {
  readonly value: unknown;
  readonly depth: number;
  /** The value sits inside an `error`, `errors`, `fault`… member. */
  readonly inError: boolean;
}

/** Depth-first, an object's own members before its children's, without recursion. */
function findMessage(root: unknown, strict: boolean): string | undefined {
  const stack: Visit[] = [{ value: root, depth: 0, inError: false }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value, depth, inError } = visit;
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') continue;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const failedState = strict && entries.some(([k, v]) => STATE_KEYS.test(k) && typeof v === 'string' && FAILED_STATE.test(v));
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || v.trim() === '') continue;
      if (!strict ? MESSAGE_KEYS.test(k) : ERROR_KEYS.test(k) || ((inError || failedState) && DETAIL_KEYS.test(k))) return v;
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i]!;
      if (v !== null && typeof v === 'object') stack.push({ value: v, depth: depth + 1, inError: inError || ERROR_CONTAINERS.test(k) });
    }
  }
  return undefined;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
