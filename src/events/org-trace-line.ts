// Control-plane objects as `org` trace lines (trace format v1), shared by the gateway's trace writer and
// the live detection driver, so live traffic and a replayed trace describe orgs identically.
import type { TraceOrgLine } from './trace-format.js';
import type { Affiliation, Grant, Org } from '../model/org.js';

export function orgToTraceLine(org: Org, grants: readonly Grant[], affiliations: readonly Affiliation[] = []): TraceOrgLine {
  return {
    type: 'org',
    id: org.id,
    name: org.name,
    attributes: { ...org.attributes },
    affiliates: affiliations.filter((a) => a.orgId === org.id).map((a) => ({ org: a.affiliateId, relation: a.relation })),
    grants: grants
      .filter((g) => g.orgId === org.id)
      .map((g) => ({ purpose: g.purpose, models: [...g.models], ...(g.expiresAt ? { expires_at: g.expiresAt } : {}) })),
    created_at: org.createdAt,
  };
}
