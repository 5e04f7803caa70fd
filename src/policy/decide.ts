// The policy decision: a pure function of (request facts, policy snapshot), run per request from memory.
// Order of checks (first denial wins): org status (revoked, suspended), restrictions propagated from
// affiliates, the declared purpose and its grant, restriction to grants, feature denials.
import type { ErrorCode } from '../errors/catalog.js';
import type { Grant, Org, OrgStatus } from '../model/org.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import { affiliateIndex, type AffiliateIndex } from './affiliate-index.js';
import { attributesMatch, compilePolicy, type CompiledPolicy } from './compile-policy.js';
import type { Decision } from './decision.js';
import { anyGlobMatches } from './glob.js';
import { clauseText } from './policy-rules.js';
import { checkPurposeHeader } from './purpose-header.js';
import type { RequestFacts } from './request-facts.js';

export type Denial = Extract<Decision, { allow: false }>;

function deny(code: ErrorCode, message: string, clause?: string): Denial {
  return clause === undefined ? { allow: false, code, message, retryable: false } : { allow: false, code, message, clause, retryable: false };
}

/** Status in force at `now`: a suspension past its end is active again without any store write. */
export function effectiveStatus(org: Org, now: number): OrgStatus {
  if (org.status === 'suspended' && org.suspendedUntil !== undefined && Date.parse(org.suspendedUntil) <= now) return 'active';
  return org.status;
}

function because(org: Org): string {
  const sc = org.statusChange;
  if (!sc) return '';
  return `${sc.reason ? `: ${sc.reason}` : ''}${sc.caseId ? ` (case ${sc.caseId})` : ''}`;
}

export interface Propagated {
  effect: 'restrict' | 'deny';
  source: Org;
  relation: string;
  status: OrgStatus;
  clause?: string;
}

/** The strongest restriction that reaches `org` from its affiliates under the propagation rules. */
export function propagatedRestriction(org: Org, snap: PolicySnapshot, cp: CompiledPolicy, idx: AffiliateIndex, now: number): Propagated | undefined {
  if (cp.propagation.length === 0) return undefined;
  let best: Propagated | undefined;
  for (const link of idx.get(org.id) ?? []) {
    const source = snap.orgs.get(link.orgId);
    if (!source) continue;
    const status = effectiveStatus(source, now);
    if (status === 'active') continue;
    for (const rule of cp.propagation) {
      if (!rule.statuses.includes(status) || !rule.relations.includes(link.relation)) continue;
      if (rule.sourceAttributes && !attributesMatch(source, rule.sourceAttributes)) continue;
      if (best && (best.effect === 'deny' || rule.effect === 'restrict')) continue;
      const clause = rule.clause ?? source.statusChange?.clause;
      best = { effect: rule.effect, source, relation: link.relation, status, ...(clause !== undefined ? { clause } : {}) };
    }
  }
  return best;
}

type GrantPick = { ok: true; grant: Grant } | { ok: false; message: string };

function pickGrant(grants: readonly Grant[], purpose: string, model: string, now: number): GrantPick {
  const forPurpose = grants.filter((g) => g.purpose === purpose);
  if (forPurpose.length === 0) return { ok: false, message: `Your organization holds no grant for purpose "${purpose}".` };
  const current = forPurpose.filter((g) => g.expiresAt === undefined || Date.parse(g.expiresAt) > now);
  if (current.length === 0) {
    const last = forPurpose.map((g) => g.expiresAt as string).sort().at(-1);
    return { ok: false, message: `Your grant for purpose "${purpose}" expired at ${last}.` };
  }
  const fit = current.find((g) => anyGlobMatches(g.models, model));
  if (!fit) {
    const allowed = [...new Set(current.flatMap((g) => g.models))].join(', ');
    return { ok: false, message: `Model "${model}" is outside your grant for purpose "${purpose}" (models: ${allowed}).` };
  }
  return { ok: true, grant: fit };
}

// Feature names are the policy's own (a few dozen): each tag string is made once, not per request.
const featureTags = new Map<string, string>();
function featureTag(name: string): string {
  let t = featureTags.get(name);
  if (t === undefined) {
    t = `feature:${name}`;
    if (featureTags.size < 10_000) featureTags.set(name, t);
  }
  return t;
}

export function decide(facts: RequestFacts, snap: PolicySnapshot): Decision {
  const cp = compilePolicy(snap.rules);
  const rules = snap.rules;
  const now = facts.now;
  const org = snap.orgs.get(facts.orgId);
  if (!org) return deny('invalid_api_key', "The API key's organization no longer exists.");

  const status = effectiveStatus(org, now);
  const ownClause = clauseText(rules, org.statusChange?.clause);
  if (status === 'revoked') return deny('org_revoked', `Your organization's access has been revoked${because(org)}.`, ownClause);
  if (status === 'suspended') {
    const until = org.suspendedUntil ? ` until ${org.suspendedUntil}` : '';
    return deny('org_suspended', `Your organization's access is suspended${until}${because(org)}.`, ownClause);
  }

  const idx = affiliateIndex(snap.affiliationsByOrg);
  const prop = propagatedRestriction(org, snap, cp, idx, now);
  const propClause = prop ? clauseText(rules, prop.clause) : undefined;
  const propWhy = prop ? `because your ${prop.relation} ${prop.source.name} is ${prop.status}` : '';
  if (prop?.effect === 'deny') return deny('affiliate_restricted', `Access is cut ${propWhy}.`, propClause);

  let grant: Grant | undefined;
  if (facts.purpose !== undefined) {
    const p = checkPurposeHeader(facts.purpose, cp.purposes);
    if (!p.ok) return deny('invalid_purpose', p.message);
    const pick = pickGrant(snap.grantsByOrg.get(org.id) ?? [], p.purpose, facts.model, now);
    if (!pick.ok) return deny('grant_out_of_scope', pick.message);
    grant = pick.grant;
  }

  if (!grant) {
    if (status === 'restricted') {
      const purposes = [...new Set((snap.grantsByOrg.get(org.id) ?? []).map((g) => g.purpose))];
      const hint = purposes.length ? ` Requests under a grant send \`moat-purpose: ${purposes.join('|')}\`.` : '';
      return deny('org_restricted', `Your organization is restricted to what its grants allow${because(org)}.${hint}`, ownClause);
    }
    if (prop) return deny('affiliate_restricted', `Access is restricted to your grants ${propWhy}.`, propClause);
  }

  const features: string[] = [];
  for (const f of cp.features) if (f.matches(facts)) features.push(f.name);
  for (const name of features) {
    for (const d of cp.denialsByFeature.get(name) ?? []) {
      if (grant && d.exceptPurposes.has(grant.purpose)) continue;
      if (d.applies(org, idx)) {
        return deny('feature_denied', `The feature "${name}" is not available to your organization.`, clauseText(rules, d.denial.clause));
      }
    }
  }

  const tags = features.map(featureTag);
  if (grant) tags.unshift(`grant:${grant.purpose}`);
  return grant ? { allow: true, tags, grantId: grant.id, features } : { allow: true, tags, features };
}
