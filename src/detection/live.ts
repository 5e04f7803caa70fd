// Glue for the live driver (the gateway's event consumer): control-plane objects become `org` trace lines, so
// the live path feeds the detector exactly what a replayed trace would (detector.ingestOrg / ingestRequest).
import type { TraceOrgLine } from '../events/trace-format.js';
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
  };
}
