/** Hostile YAML texts shared by the reader tests. */

/** A "billion laughs" document: 10 levels of 9 aliases each expand to 9^10 strings. */
export function aliasBomb(head = ''): string {
  let bomb = `${head}a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = `*${String.fromCharCode(96 + i)}`;
    bomb += `${name}: &${name} [${Array(9).fill(previous).join(', ')}]\n`;
  }
  return bomb;
}
