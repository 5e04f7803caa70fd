// A throttle in force shown as a state with its expiry ("throttled to 50% until … (in 3 h)"), not as the
// moat.throttle.* attributes enforcement keeps it in; those are hidden from attribute lists.
import type { Org } from '../api/types.js';
import { fmtPct, fmtTime, fmtUntil } from './format.js';

const THROTTLE_ATTRIBUTE = /^moat\.throttle\./;

/** The org's attributes without the ones that only encode a throttle. */
export const shownAttributes = (org: Org): [string, Org['attributes'][string]][] => Object.entries(org.attributes).filter(([k]) => !THROTTLE_ATTRIBUTE.test(k));

export function ThrottleBadge({ org, long = false }: { org: Org; long?: boolean }) {
  const t = org.throttle;
  if (!t) return null;
  return (
    <span className="badge badge-throttled" title={`Every limit multiplied by ${t.factor} until ${fmtTime(t.until)}`}>
      throttled {fmtPct(t.factor)}
      {long ? ` until ${fmtTime(t.until)} (${fmtUntil(t.until)})` : ` · ends ${fmtUntil(t.until)}`}
    </span>
  );
}
