// How a throttle is stored: as org attributes (plain data already in the store, the view and policy
// snapshots), so the limits engine can read it from the snapshot it already has without a new table.
// The prefix is one policy plans know, so a throttle never shows as drift from a policy file.
import type { ThrottleOverride } from './enforcement-target.js';
import { MOAT_MANAGED_ATTRIBUTE_PREFIX as P } from '../policy/policy-state.js';

export const THROTTLE_FACTOR_ATTR = `${P}factor`;
export const THROTTLE_UNTIL_ATTR = `${P}until`;
export const THROTTLE_CASE_ATTR = `${P}case`;
export const THROTTLE_CLAUSE_ATTR = `${P}clause`;
const ATTRS = [THROTTLE_FACTOR_ATTR, THROTTLE_UNTIL_ATTR, THROTTLE_CASE_ATTR, THROTTLE_CLAUSE_ATTR];

type Attributes = Record<string, string | number | boolean>;

/** The org's attributes with the throttle set (or removed when null). */
export function withThrottle(attributes: Readonly<Attributes>, t: ThrottleOverride | null): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (!ATTRS.includes(k)) out[k] = v;
  if (t) {
    out[THROTTLE_FACTOR_ATTR] = t.factor;
    out[THROTTLE_UNTIL_ATTR] = t.until;
    out[THROTTLE_CASE_ATTR] = t.caseId;
    out[THROTTLE_CLAUSE_ATTR] = t.clause;
  }
  return out;
}

/** The limits engine's read side: the factor to multiply every limit by at `now`, or undefined (no throttle). */
export function activeThrottle(attributes: Readonly<Attributes>, now: number): { factor: number; until: string; caseId?: string; clause?: string } | undefined {
  const factor = attributes[THROTTLE_FACTOR_ATTR];
  const until = attributes[THROTTLE_UNTIL_ATTR];
  if (typeof factor !== 'number' || typeof until !== 'string' || !(factor > 0 && factor < 1)) return undefined;
  if (!(Date.parse(until) > now)) return undefined;
  const caseId = attributes[THROTTLE_CASE_ATTR];
  const clause = attributes[THROTTLE_CLAUSE_ATTR];
  return { factor, until, ...(typeof caseId === 'string' ? { caseId } : {}), ...(typeof clause === 'string' ? { clause } : {}) };
}
