// Which limits apply to a request. Pure: (facts, tier, grant, features, specs) -> ResolvedLimit[].
//
// Every applicable counter is enforced. When several specs name the same counter (subject) and metric,
// the most specific scope wins: key > org > tier > the global grant/feature/model defaults.
// Example: tier `free` gives each key 60 rpm, `orgs.acme.key` gives acme's keys 600 rpm, `keys.k_1` gives
// that key 5 rpm -> k_1 gets 5, acme's other keys 600, other free keys 60. Built-in defaults rank below all. Different counters never
// override each other: a key at 5 rpm is still bound by its org's 1000 rpm.
import type { RequestFacts } from '../policy/request-facts.js';
import { counterMetricKey, metricKey, type LimitScope, type LimitSpec, type ResolvedLimit } from './limit-spec.js';
import { globMatch } from '../policy/glob.js';

const RANK: Record<LimitScope, number> = { key: 4, org: 3, tier: 2, grant: 1, feature: 1, model: 1, default: 0 };

export interface LimitSubjectContext {
  orgId: string;
  keyId: string;
  tier: string;
  /** Grants whose counters apply (one for a request; all of the key's org for a listing). */
  grantIds: readonly string[];
  modelMatches: (glob: string) => boolean;
  featureMatches: (feature: string) => boolean;
  /** A token-count request (only `token_counts` limits apply), a model request (all but those), or a listing (undefined: all). */
  tokenCount?: boolean;
}

/** The token-counting door: no model runs, so it has its own limits and counts against no others. */
export function isTokenCount(facts: { endpoint?: string }): boolean {
  return facts.endpoint === '/v1/messages/count_tokens';
}

const isTokenCountMetric = (s: LimitSpec): boolean => s.metric.kind === 'rate' && s.metric.unit === 'token_counts';

function applies(s: LimitSpec, c: LimitSubjectContext): boolean {
  if (c.tokenCount !== undefined && isTokenCountMetric(s) !== c.tokenCount) return false;
  switch (s.scope) {
    case 'default':
      break;
    case 'tier':
      if (s.match !== c.tier) return false;
      break;
    case 'org':
      if (s.match !== c.orgId) return false;
      break;
    case 'key':
      if (s.match !== c.keyId) return false;
      break;
    case 'grant':
      if (!c.grantIds.includes(s.match)) return false;
      break;
    case 'feature':
    case 'model':
      break; // checked through the subject's target below
  }
  if (s.subject === 'feature') return s.target !== undefined && c.featureMatches(s.target);
  if (s.subject === 'model') return s.target !== undefined && c.modelMatches(s.target);
  return true;
}

function subjectId(s: LimitSpec, c: LimitSubjectContext): string {
  switch (s.subject) {
    case 'key':
      return c.keyId;
    case 'org':
      return c.orgId;
    case 'grant':
      return s.match;
    case 'feature':
    case 'model':
      return `${c.orgId}/${s.target ?? ''}`;
  }
}

export function resolveLimitsFor(c: LimitSubjectContext, specs: readonly LimitSpec[]): ResolvedLimit[] {
  const winners = new Map<string, { spec: LimitSpec; id: string }>();
  for (const s of specs) {
    if (!applies(s, c)) continue;
    const id = subjectId(s, c);
    const slot = `${s.subject}:${id}:${metricKey(s.metric)}`;
    const prev = winners.get(slot);
    if (!prev || RANK[s.scope] >= RANK[prev.spec.scope]) winners.set(slot, { spec: s, id });
  }
  return [...winners.values()].map(({ spec, id }) => ({
    counter: `${spec.subject}:${id}:${counterMetricKey(spec.metric)}`,
    subject: spec.subject,
    subjectId: id,
    metric: spec.metric,
    limit: spec.limit,
    source: { scope: spec.scope, match: spec.match },
    orgId: c.orgId,
  }));
}

/** Limits that apply to one request. */
export function resolveLimits(
  facts: Pick<RequestFacts, 'orgId' | 'keyId' | 'model'> & { endpoint?: string },
  tier: string,
  grantId: string | undefined,
  features: readonly string[],
  specs: readonly LimitSpec[],
): ResolvedLimit[] {
  return resolveLimitsFor(
    {
      orgId: facts.orgId,
      keyId: facts.keyId,
      tier,
      grantIds: grantId === undefined ? [] : [grantId],
      modelMatches: (glob) => globMatch(glob, facts.model),
      featureMatches: (f) => features.includes(f),
      tokenCount: isTokenCount(facts),
    },
    specs,
  );
}

/** Every limit that can apply to a key's traffic (any model, any feature, any of the given grants): for listings. */
export function resolveKeyLimits(ctx: { orgId: string; keyId: string; tier: string; grantIds?: readonly string[] }, specs: readonly LimitSpec[]): ResolvedLimit[] {
  return resolveLimitsFor({ ...ctx, grantIds: ctx.grantIds ?? [], modelMatches: () => true, featureMatches: () => true }, specs);
}
