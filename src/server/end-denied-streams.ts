// When a view swap revokes or suspends an org, its requests already in flight must end too: streams stop at
// their next chunk with an error event naming the clause.
import type { ErrorCode } from '../errors/catalog.js';
import type { Org } from '../model/org.js';
import { clauseText } from '../policy/policy-rules.js';
import { effectiveStatus } from '../policy/decide.js';
import type { Clock } from '../ops/clock.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { PolicyView } from '../view/policy-view.js';

type Denial = { code: ErrorCode; message: string };

function denialOf(org: Org, now: number): Denial | undefined {
  const reason = org.statusChange?.reason ? `: ${org.statusChange.reason}` : '';
  // The decision function's own reading of the status (a suspension past its end counts as active).
  const status = effectiveStatus(org, now);
  if (status === 'revoked') return { code: 'org_revoked', message: `Access for organization ${org.name} has been revoked${reason}.` };
  if (status === 'suspended')
    return { code: 'org_suspended', message: `Access for organization ${org.name} is suspended${org.suspendedUntil ? ` until ${org.suspendedUntil}` : ''}${reason}.` };
  return undefined;
}

/** Calls `end` for each org that a swap newly denies. Returns the unsubscribe function. */
export function watchDeniedOrgs(
  view: Pick<PolicyView, 'current' | 'onSwap'>,
  clock: Clock,
  end: (orgId: string, code: ErrorCode, message: string, clause: string | undefined) => void,
): () => void {
  let previous: PolicySnapshot = view.current();
  return view.onSwap((next) => {
    const now = clock.now();
    for (const [id, org] of next.orgs) {
      const denial = denialOf(org, now);
      if (!denial) continue;
      const before = previous.orgs.get(id);
      if (before && denialOf(before, now)?.code === denial.code && before.statusChange?.at === org.statusChange?.at) continue;
      end(id, denial.code, denial.message, clauseText(next.rules, org.statusChange?.clause));
    }
    previous = next;
  });
}
