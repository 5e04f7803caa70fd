// Both directions of every affiliation, derived once per snapshot: an affiliation {orgId: A, affiliateId: B,
// relation: R} reads "B is A's R", so A sees B as its R and B sees A as R's inverse (a parent sees its
// subsidiary). The store may index an affiliation under one or both orgs; duplicates are folded here.
import type { Affiliation, AffiliationRelation } from '../model/org.js';

export interface AffiliateLink {
  /** The other org. */
  orgId: string;
  /** What the other org is to this one, e.g. "acquirer". */
  relation: AffiliationRelation;
}

const INVERSE: Partial<Record<AffiliationRelation, AffiliationRelation>> = {
  parent: 'subsidiary',
  subsidiary: 'parent',
  acquirer: 'acquired',
  acquired: 'acquirer',
  partner: 'partner',
  affiliate: 'affiliate',
  // reseller has no inverse in the model: the link is only seen from the org that has the reseller.
};

export type AffiliateIndex = ReadonlyMap<string, readonly AffiliateLink[]>;

const cache = new WeakMap<object, AffiliateIndex>();

export function affiliateIndex(byOrg: ReadonlyMap<string, readonly Affiliation[]>): AffiliateIndex {
  const hit = cache.get(byOrg);
  if (hit) return hit;
  const seen = new Set<string>();
  const out = new Map<string, AffiliateLink[]>();
  const add = (org: string, link: AffiliateLink) => {
    let list = out.get(org);
    if (!list) out.set(org, (list = []));
    list.push(link);
  };
  for (const list of byOrg.values()) {
    for (const a of list) {
      const key = `${a.orgId}\u0000${a.affiliateId}\u0000${a.relation}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(a.orgId, { orgId: a.affiliateId, relation: a.relation });
      const inv = INVERSE[a.relation];
      if (inv) add(a.affiliateId, { orgId: a.orgId, relation: inv });
    }
  }
  cache.set(byOrg, out);
  return out;
}
