/**
 * "Did you mean …?" for unknown flags, commands, workflow ids, input names and source names.
 */

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prevPrev: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prevPrev[j - 2]! + 1);
      }
      cur.push(d);
    }
    prevPrev = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `word`, or undefined when nothing is close enough to be a plausible
 * typo. Case differences count as half an edit so `--Json` still finds `--json`.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of list) {
    const exactCase = editDistance(word, c);
    const folded = editDistance(word.toLowerCase(), c.toLowerCase());
    const score = Math.min(exactCase, folded + 0.5);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  if (bestScore > limit) {
    // A prefix of a candidate ("--verb" for "--verbose") is still a useful hint.
    const prefixed = list.find((c) => word.length >= 3 && c.startsWith(word));
    return prefixed;
  }
  return best;
}

/** ` Did you mean "x"?` or '' — ready to append to an error message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` Did you mean "${s}"?`;
}
