// Bounded staleness: a gateway that has not confirmed its view against the store for longer than the bound
// cannot know whether an org was revoked meanwhile (a revocation it did not hear about). Past the bound it
// refuses every org (`closed`), or only the orgs where enforcement was recently active
// (`recent-enforcement`), where a revocation it missed is most likely.
import { MoatError } from '../errors/moat-error.js';
import { throttleFactor } from '../limits/throttle.js';
import type { Org } from '../model/org.js';
import type { ViewFreshness } from '../policy/policy-snapshot.js';

export interface StalenessPolicy {
  maxStalenessMs: number;
  whenStale: 'closed' | 'recent-enforcement';
  recentEnforcementMs: number;
}

/** The view's age in ms, and whether it is past the bound. */
export function viewAge(policy: Pick<StalenessPolicy, 'maxStalenessMs'>, fresh: ViewFreshness): { ageMs: number; stale: boolean } {
  const ageMs = Math.max(0, fresh.ageMs());
  return { ageMs, stale: ageMs > policy.maxStalenessMs };
}

/** Enforcement touched the org recently, or a change to it was announced that this view could not load. */
export function recentlyEnforced(org: Org, fresh: ViewFreshness, windowMs: number, now: number): boolean {
  if (fresh.unconfirmedAll || fresh.unconfirmedOrgs.has(org.id)) return true;
  if (org.status !== 'active') return true;
  if (org.statusChange && now - Date.parse(org.statusChange.at) <= windowMs) return true;
  return throttleFactor(org.attributes, now) !== undefined;
}

/** The refusal for this org (`now`: the request's time), or undefined when the view is fresh enough or the org not at risk. */
export function staleViewDenial(policy: StalenessPolicy, fresh: ViewFreshness, org: Org, now: number): MoatError | undefined {
  const { ageMs, stale } = viewAge(policy, fresh);
  if (!stale) return undefined;
  if (policy.whenStale === 'recent-enforcement' && !recentlyEnforced(org, fresh, policy.recentEnforcementMs, now)) return undefined;
  return new MoatError(
    'access_unconfirmed',
    `This gateway could not confirm the organization's access with its store for ${(ageMs / 1000).toFixed(1)} s (bound ${(policy.maxStalenessMs / 1000).toFixed(1)} s).`,
    { headers: { 'retry-after': '1' } },
  );
}
