// Ownership cycles among affiliations. `parent`/`acquirer` mean "the affiliate owns the org";
// `subsidiary`/`acquired` mean "the org owns the affiliate". A chain of ownership may not loop back.
import type { Affiliation } from '../model/org.js';

function ownershipEdge(a: Affiliation): { owner: string; owned: string } | undefined {
  switch (a.relation) {
    case 'parent':
    case 'acquirer':
      return { owner: a.affiliateId, owned: a.orgId };
    case 'subsidiary':
    case 'acquired':
      return { owner: a.orgId, owned: a.affiliateId };
    default:
      return undefined;
  }
}

/** The org ids on the ownership cycle that adding `candidate` would close, or undefined when there is none. */
export function ownershipCycle(existing: readonly Affiliation[], candidate: Affiliation): string[] | undefined {
  if (candidate.orgId === candidate.affiliateId) return [candidate.orgId, candidate.orgId];
  const edge = ownershipEdge(candidate);
  if (!edge) return undefined;
  const owns = new Map<string, string[]>();
  for (const a of existing) {
    const e = ownershipEdge(a);
    if (!e) continue;
    owns.set(e.owner, [...(owns.get(e.owner) ?? []), e.owned]);
  }
  // The new edge owner -> owned closes a cycle when owned already (transitively) owns owner.
  const path: string[] = [];
  const seen = new Set<string>();
  const dfs = (node: string): boolean => {
    path.push(node);
    if (node === edge.owner) return true;
    seen.add(node);
    for (const next of owns.get(node) ?? []) if (!seen.has(next) && dfs(next)) return true;
    path.pop();
    return false;
  };
  return dfs(edge.owned) ? [edge.owner, ...path] : undefined;
}
