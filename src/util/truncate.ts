import { stringifyJson } from './json.js';

/**
 * Bounding values quoted in messages. An input, URL or response can be megabytes long; quoting
 * it whole in an error message, a progress line or a failure report floods stderr and the `--json`
 * report. `truncateForMessage` keeps the head and says how much was left out.
 */

/** Where a truncated value was cut: `…[+N chars]`. The masker recognises it (see Masker.text). */
export const TRUNCATION_MARK = '…[+';

/** Matches the marker `…[+N chars]` that `truncateForMessage` leaves. */
export const TRUNCATION_MARK_PATTERN = /…\[\+\d+ chars\]/g;

/** How many characters of a value a message quotes by default. */
export const MESSAGE_VALUE_MAX = 200;

/**
 * `text` when it has at most `max` characters; otherwise its first `max` characters and
 * `…[+N chars]`, N being how many were left out. Never cuts a surrogate pair in two.
 *
 * Secrets: mask before truncating when you can. A value cut in the middle of a secret leaves a
 * prefix of it before the marker; the engine's Masker masks such a prefix too, so truncating
 * before the masker runs (as messages built in the engine do) is safe.
 */
export function truncateForMessage(text: string, max = MESSAGE_VALUE_MAX): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${TRUNCATION_MARK}${text.length - end} chars]`;
}

/**
 * A value as a message quotes it: its JSON text (a string in double quotes), cut at `max`
 * characters with the mark, which says how much of the text was left out. Never throws, whatever
 * the value's size or depth; `nothing` for undefined. (For errors only: it serialises the whole
 * value to count what it leaves out.)
 */
export function quoteForMessage(value: unknown, max = MESSAGE_VALUE_MAX): string {
  if (value === undefined) return 'nothing';
  let text: string | undefined;
  try {
    text = stringifyJson(value);
  } catch {
    text = undefined; // a cycle or a BigInt: say what it is instead
  }
  return truncateForMessage(text ?? String(value), max);
}

/** How many items of a list a message names before it says how many more there are. */
export const MESSAGE_LIST_MAX = 10;

/**
 * Items joined for a message: each cut at `itemMax` characters, at most `maxItems` of them, then
 * `…and N more`.
 */
export function listForMessage(items: readonly string[], separator = '; ', maxItems = MESSAGE_LIST_MAX, itemMax = MESSAGE_VALUE_MAX): string {
  const shown = items
    .slice(0, maxItems)
    .map((item) => truncateForMessage(item, itemMax))
    .join(separator);
  return items.length > maxItems ? `${shown}${separator}…and ${items.length - maxItems} more` : shown;
}

/** How much of a nested workflow's error message the message of the workflow around it quotes. */
export const NESTED_MESSAGE_MAX = 1_000;

/** How long any message the engine reports may get (a last bound for messages built elsewhere). */
export const MESSAGE_MAX = 4_000;
