// An org as the admin API answers with it: the contact webhook as the role may see it, and a throttle in force
// as a state with its expiry (enforcement keeps throttles in org attributes, which say nothing to a reader).
import type { AdminRole } from '../model/admin.js';
import type { Org } from '../model/org.js';
import { THROTTLE_UNTIL_ATTRIBUTE, throttleFactor } from '../limits/throttle.js';
import { orgForRole } from './webhook-urls.js';

export function orgView(org: Org, role: AdminRole, now: number): Org & { throttle?: { factor: number; until: string } } {
  const shown = orgForRole(org, role);
  const factor = throttleFactor(org.attributes, now);
  return factor === undefined ? shown : { ...shown, throttle: { factor, until: String(org.attributes[THROTTLE_UNTIL_ATTRIBUTE]) } };
}
