/**
 * "Did you mean …?" — the one suggestion helper of the project, used by the command line (unknown
 * flags, commands, workflow ids, input and source names) and by the loader (unknown operationIds,
 * source names, paths, workflow ids).
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

/** Score of `candidate` as a typo of `word`: lower is closer. */
function score(word: string, candidate: string): number {
  const exactCase = editDistance(word, candidate);
  if (exactCase <= 1) return exactCase;
  const lw = word.toLowerCase();
  const lc = candidate.toLowerCase();
  // Case differences count as half an edit, so `--Json` finds `--json` and `getpet` finds `getPet`.
  let s = Math.min(exactCase, editDistance(lw, lc) + 0.5);
  // A prefix of a longer name (`--verb` for `--verbose`, `refresh` for `refreshToken`) is a likely slip too.
  if (s > 1.5 && lw.length >= 3 && lc.length >= 3 && (lc.startsWith(lw) || lw.startsWith(lc))) s = 1.5;
  return s;
}

/**
 * The closest candidate to `word`, or undefined when nothing is close enough to be a plausible
 * typo (more than a third of the longer name differs, and at least two edits).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const s = score(word, c);
    if (s < bestScore) {
      best = c;
      bestScore = s;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * ` Did you mean "x"?` or '' — ready to append to an error message. A candidate that differs only
 * in case says so: names are case-sensitive, and such a slip is hard to see.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  if (s === undefined) return '';
  return s.toLowerCase() === word.toLowerCase()
    ? ` Did you mean "${s}"? Names are case-sensitive: "${word}" differs from it only in case.`
    : ` Did you mean "${s}"?`;
}
