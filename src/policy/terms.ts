// What a key may do right now, in the customer's own words: `GET /v1/moat/terms`. Its org's status and why,
// a restriction reaching it from an affiliate, its grants (purposes, models, the header to send), and the
// features denied to it with the clause each cites — the same rules `decide` applies, read rather than
// applied, so a customer can see where the line is before crossing it. Pure: (org, key, snapshot, now).
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Org, OrgStatus } from '../model/org.js';
import { affiliateIndex } from './affiliate-index.js';
import { compilePolicy } from './compile-policy.js';
import { effectiveStatus, propagatedRestriction } from './decide.js';
import type { FeatureMatcher, PolicyRules } from './policy-rules.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import { PURPOSE_HEADER } from './purpose-header.js';

export interface ClauseView {
  id: string;
  text: string;
  url?: string;
}

export interface Terms {
  object: 'moat.terms';
  org: {
    id: string;
    name: string;
    tier: string;
    status: OrgStatus;
    /** One sentence: what the status means for this key's requests. */
    access: string;
    reason: string | null;
    clause: ClauseView | null;
    case_id: string | null;
    suspended_until: string | null;
  };
  /** A restriction reaching the org from an affiliate (propagation rules), or null. */
  affiliate_restriction: { affiliate: string; relation: string; affiliate_status: OrgStatus; effect: 'restrict' | 'deny'; clause: ClauseView | null } | null;
  key: { id: string; name: string; expires_at: string | null };
  /** How a request claims a grant: send this header with the grant's purpose. */
  purpose_header: string;
  grants: Array<{ id: string; purpose: string; description: string | null; models: string[]; expires_at: string | null; active: boolean; header: string }>;
  denied_features: Array<{ feature: string; description: string | null; clause: ClauseView | null; except_purposes: string[]; matches: FeatureMatcher[] }>;
}

function clauseView(rules: PolicyRules, ref: string | undefined): ClauseView | null {
  if (ref === undefined) return null;
  const c = rules.clauses?.[ref];
  if (!c) return { id: ref, text: ref };
  return c.url === undefined ? { id: ref, text: c.text } : { id: ref, text: c.text, url: c.url };
}

function accessSentence(status: OrgStatus, restrictedBy: Terms['affiliate_restriction'], suspendedUntil: string | undefined): string {
  if (status === 'revoked') return 'Access is revoked: every request is refused.';
  if (status === 'suspended') return `Access is suspended${suspendedUntil ? ` until ${suspendedUntil}` : ''}: every request is refused until then.`;
  if (restrictedBy?.effect === 'deny') return `Access is cut because your ${restrictedBy.relation} ${restrictedBy.affiliate} is ${restrictedBy.affiliate_status}: every request is refused.`;
  if (status === 'restricted') return `Access is restricted to your grants: only requests sending \`${PURPOSE_HEADER}\` with a grant's purpose, for the grant's models, are served.`;
  if (restrictedBy) return `Access is restricted to your grants because your ${restrictedBy.relation} ${restrictedBy.affiliate} is ${restrictedBy.affiliate_status}.`;
  return 'Access is active: every model the gateway serves, except the denied features below, within the limits below.';
}

export function describeTerms(org: Org, key: ApiKeyRecord, snap: PolicySnapshot, now: number): Terms {
  const rules = snap.rules;
  const cp = compilePolicy(rules);
  const status = effectiveStatus(org, now);
  const idx = affiliateIndex(snap.affiliationsByOrg);
  const prop = status === 'active' || status === 'restricted' ? propagatedRestriction(org, snap, cp, idx, now) : undefined;
  const affiliate: Terms['affiliate_restriction'] = prop
    ? { affiliate: prop.source.name, relation: prop.relation, affiliate_status: prop.status, effect: prop.effect, clause: clauseView(rules, prop.clause) }
    : null;
  const sc = status === 'active' ? undefined : org.statusChange;
  const grants = (snap.grantsByOrg.get(org.id) ?? []).map((g) => ({
    id: g.id,
    purpose: g.purpose,
    description: rules.purposes?.[g.purpose]?.description ?? null,
    models: [...g.models],
    expires_at: g.expiresAt ?? null,
    active: g.expiresAt === undefined || Date.parse(g.expiresAt) > now,
    header: `${PURPOSE_HEADER}: ${g.purpose}`,
  }));
  const denied: Terms['denied_features'] = [];
  for (const [feature, denials] of cp.denialsByFeature) {
    for (const d of denials) {
      if (!d.applies(org, idx)) continue;
      const def = rules.features?.[feature];
      denied.push({ feature, description: def?.description ?? null, clause: clauseView(rules, d.denial.clause), except_purposes: [...d.exceptPurposes], matches: def?.match ?? [] });
    }
  }
  return {
    object: 'moat.terms',
    org: {
      id: org.id,
      name: org.name,
      tier: org.tier,
      status,
      access: accessSentence(status, affiliate, org.suspendedUntil),
      reason: sc?.reason ?? null,
      clause: clauseView(rules, sc?.clause),
      case_id: sc?.caseId ?? null,
      suspended_until: status === 'suspended' ? (org.suspendedUntil ?? null) : null,
    },
    affiliate_restriction: affiliate,
    key: { id: key.id, name: key.name, expires_at: key.expiresAt ?? null },
    purpose_header: PURPOSE_HEADER,
    grants,
    denied_features: denied,
  };
}
