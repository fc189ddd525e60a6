/** Request-level fault injection: which configured rule, if any, applies to a request. */
import type { FaultRule } from './options.js';
import type { SimContext } from './context.js';

function pathMatches(rule: FaultRule, pathname: string): boolean {
  const p = rule.path;
  if (p === undefined) return true;
  if (p instanceof RegExp) return p.test(pathname);
  if (p.endsWith('*')) return pathname.startsWith(p.slice(0, -1));
  return pathname === p;
}

/**
 * Returns the first rule that applies to this request and counts the hit. A rule applies to the
 * matching requests numbered skip+1 .. skip+times.
 */
export function matchFault(ctx: SimContext, method: string, pathname: string): FaultRule | undefined {
  const rules = ctx.faults.requests ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as FaultRule;
    if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
    if (!pathMatches(rule, pathname)) continue;
    const seen = ctx.faultHits[i] ?? 0;
    ctx.faultHits[i] = seen + 1;
    const skip = rule.skip ?? 0;
    if (seen < skip) continue;
    if (rule.times !== undefined && seen >= skip + rule.times) continue;
    return rule;
  }
  return undefined;
}
