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
