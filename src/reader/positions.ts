/** Positions of a parsed text as plain data, usable without loading the YAML parser. */

export interface Position {
  line: number;
  column: number;
}

/** The line and column of every key and list item, by path (segments joined by NUL; the root is ''). */
export type PositionTable = Record<string, readonly [number, number]>;

/** The position of `segments` in `table`, or of its deepest ancestor there. */
export function locate(table: PositionTable, segments: ReadonlyArray<string | number>): Position | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const found = table[segments.slice(0, n).join('\u0000')];
    if (found) return { line: found[0], column: found[1] };
  }
  return undefined;
}
