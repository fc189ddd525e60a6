/** Media types as OpenAPI `content` keys use them: essence, wildcards, and which kinds of body we can read. */

/** `application/json; charset=utf-8` → `application/json` (lower case). */
export function essence(mediaType: string): string {
  let e = essences.get(mediaType);
  if (e === undefined) {
    const semi = mediaType.indexOf(';');
    e = (semi < 0 ? mediaType : mediaType.slice(0, semi)).trim().toLowerCase();
    // A server sends few distinct Content-Type values; a hostile one cannot grow this past its cap.
    if (essences.size < 256) essences.set(mediaType, e);
  }
  return e;
}
const essences = new Map<string, string>();

/**
 * The declared media type that covers `actual` (an essence), the most specific first: an exact
 * match, then `type/*`, then `*\/*`. Undefined when none does.
 */
export function matchMediaType<T extends { readonly essence: string }>(declared: readonly T[], actual: string): T | undefined {
  let best: T | undefined;
  let rank = 0;
  const slash = actual.indexOf('/');
  const range = slash > 0 ? `${actual.slice(0, slash)}/*` : undefined;
  for (const d of declared) {
    const r = d.essence === actual ? 3 : d.essence === range ? 2 : d.essence === '*/*' ? 1 : 0;
    if (r > rank) {
      rank = r;
      best = d;
    }
  }
  return best;
}

export function isJsonEssence(e: string): boolean {
  return e === 'application/json' || e.endsWith('+json');
}

export function isFormEssence(e: string): boolean {
  return e === 'application/x-www-form-urlencoded';
}

export function isTextEssence(e: string): boolean {
  return e.startsWith('text/');
}
