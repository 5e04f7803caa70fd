// Builds a PolicySnapshot from a PolicyState, so a policy file can be evaluated without a store: tests,
// `moat replay --policy FILE`. Keys are not included (they have no secrets in files), so `keyByHash` is empty.
import type { Affiliation, Grant, Org } from '../model/org.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import type { PolicyState } from './policy-state.js';

export function snapshotFromState(state: PolicyState, opts: { version?: number; at?: string } = {}): PolicySnapshot {
  const at = opts.at ?? new Date(0).toISOString();
  const orgs = new Map<string, Org>();
  for (const o of state.orgs) {
    const org: Org = { id: o.id, name: o.name, status: o.status, attributes: o.attributes, labels: o.labels, tier: o.tier, createdAt: at, updatedAt: at };
    if (o.suspendedUntil !== undefined) org.suspendedUntil = o.suspendedUntil;
    if (o.contactWebhook !== undefined) org.contactWebhook = o.contactWebhook;
    if (o.statusReason !== undefined || o.statusClause !== undefined) {
      org.statusChange = { reason: o.statusReason ?? '', actor: 'policy-file', at };
      if (o.statusClause !== undefined) org.statusChange.clause = o.statusClause;
      if (o.statusCaseId !== undefined) org.statusChange.caseId = o.statusCaseId;
    }
    orgs.set(o.id, org);
  }
  const grantsByOrg = new Map<string, Grant[]>();
  for (const g of state.grants) {
    const grant: Grant = { id: g.id, orgId: g.orgId, purpose: g.purpose, models: g.models, createdAt: at };
    if (g.expiresAt !== undefined) grant.expiresAt = g.expiresAt;
    if (g.limits !== undefined) grant.limits = g.limits;
    grantsByOrg.set(g.orgId, [...(grantsByOrg.get(g.orgId) ?? []), grant]);
  }
  const affiliationsByOrg = new Map<string, Affiliation[]>();
  for (const a of state.affiliations) affiliationsByOrg.set(a.orgId, [...(affiliationsByOrg.get(a.orgId) ?? []), a]);
  const version = opts.version ?? 1;
  return { version, keyByHash: new Map(), orgs, grantsByOrg, affiliationsByOrg, rules: { version, ...state.rules } };
}
