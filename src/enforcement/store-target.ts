// Production wiring of the executor's seams to the store: status and throttle changes go through the same
// audited repository mutations as an admin change, then `propagate` (the view + change bus) makes them
// effective on every gateway. Org facts come from the in-memory policy snapshot.
import { getOrg, setOrgStatus, updateOrg } from '../store/orgs-repo.js';
import type { MutationOutcome } from '../store/mutation.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { Change } from '../changes/change-bus.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { OrgFacts } from './detection-input.js';
import type { EnforcementTarget } from './enforcement-target.js';
import { withThrottle } from './throttle-attributes.js';

export function storeEnforcementTarget(driver: SqlDriver, propagate: (change: Change) => Promise<void>): EnforcementTarget {
  const commit = async <T>(o: MutationOutcome<T>) => {
    await propagate(o.change);
    return o.result;
  };
  return {
    async setOrgStatus(orgId, c, actor) {
      await commit(await setOrgStatus(driver, { actor }, orgId, { status: c.status, reason: c.reason, clause: c.clause, caseId: c.caseId, until: c.until }));
    },
    async setThrottle(orgId, t, actor) {
      const org = await getOrg(driver, orgId);
      const attributes = withThrottle(org.attributes, t);
      if (JSON.stringify(attributes) === JSON.stringify(org.attributes)) return;
      await commit(await updateOrg(driver, { actor }, orgId, { attributes }));
    },
  };
}

/** Org facts for the playbook engine from the policy snapshot the gateway already holds. */
export function orgFactsFromSnapshot(snap: () => PolicySnapshot): (orgId: string) => Promise<OrgFacts | undefined> {
  return async (orgId) => {
    const s = snap();
    const org = s.orgs.get(orgId);
    if (!org) return undefined;
    const now = Date.now();
    const grants = (s.grantsByOrg.get(orgId) ?? []).filter((g) => g.expiresAt === undefined || Date.parse(g.expiresAt) > now).map((g) => g.purpose);
    const affiliates = (s.affiliationsByOrg.get(orgId) ?? []).map((a) => {
      const other = a.orgId === orgId ? a.affiliateId : a.orgId;
      const o = s.orgs.get(other);
      return { org: other, relation: a.relation, ...(o ? { name: o.name, attributes: o.attributes } : {}) };
    });
    return { name: org.name, attributes: org.attributes, grants, affiliates, ...(org.contactWebhook ? { contactWebhook: org.contactWebhook } : {}) };
  };
}
