// The store's whole policy as a PolicyState (the shape policy files declare), read in one transaction so the
// returned version matches exactly the data read. `moat policy diff|apply` plan against this.
import type { Org } from '../model/org.js';
import type { GrantState, KeyState, OrgState, PolicyState } from '../policy/policy-state.js';
import type { RulesBody } from '../policy/rules-schema.js';
import { listAdminTokens } from './admin-tokens-repo.js';
import { listAffiliations } from './affiliations-repo.js';
import { readChangeVersion } from './change-version.js';
import { listGrants } from './grants-repo.js';
import { listKeys } from './keys-repo.js';
import { listOrgs } from './orgs-repo.js';
import { loadPolicyRules } from './policy-rules-repo.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';

/**
 * Status details are part of the state only while the org is not active: a reinstated org keeps its last
 * status change as history in the store, but a file declaring it `active` must still plan to "no changes".
 */
export function orgToState(o: Org): OrgState {
  const s: OrgState = { id: o.id, name: o.name, tier: o.tier, attributes: o.attributes, labels: o.labels, status: o.status };
  if (o.status === 'suspended' && o.suspendedUntil !== undefined) s.suspendedUntil = o.suspendedUntil;
  if (o.status !== 'active' && o.statusChange) {
    s.statusReason = o.statusChange.reason;
    if (o.statusChange.clause !== undefined) s.statusClause = o.statusChange.clause;
    if (o.statusChange.caseId !== undefined) s.statusCaseId = o.statusChange.caseId;
  }
  if (o.contactWebhook !== undefined) s.contactWebhook = o.contactWebhook;
  return s;
}

/** Reads the state with `ex` (which should be a transaction for a consistent read). */
export async function readPolicyState(ex: SqlExecutor): Promise<PolicyState> {
  const [orgs, affiliations, grants, keys, admins, rules] = [
    await listOrgs(ex),
    await listAffiliations(ex),
    await listGrants(ex),
    await listKeys(ex),
    await listAdminTokens(ex),
    await loadPolicyRules(ex),
  ];
  const { version: _v, ...body } = rules;
  return {
    rules: body as RulesBody,
    orgs: orgs.map(orgToState),
    affiliations,
    grants: grants.map((g) => {
      const s: GrantState = { id: g.id, orgId: g.orgId, purpose: g.purpose, models: g.models };
      if (g.expiresAt !== undefined) s.expiresAt = g.expiresAt;
      if (g.limits !== undefined) s.limits = g.limits;
      return s;
    }),
    keys: keys.map((k) => {
      const s: KeyState = { orgId: k.orgId, name: k.name, status: k.status, prefix: k.prefix };
      if (k.expiresAt !== undefined) s.expiresAt = k.expiresAt;
      return s;
    }),
    admins: admins.map((a) => ({ name: a.name, role: a.role })),
  };
}

export async function loadPolicyState(driver: SqlDriver): Promise<{ version: number; state: PolicyState }> {
  return driver.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const version = await readChangeVersion(tx);
    return { version, state: await readPolicyState(tx) };
  });
}
