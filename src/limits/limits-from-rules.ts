// The limits document lives in the policy rules (section `limits:`), opaque to the policy module. This
// validates it once per rules object, so the limiter reads a typed LimitsConfig without per-request work.
// Given the view's orgs, it also adds the throttles enforcement recorded as org attributes
// (`throttles.<orgId>`), so they apply even when the caller does not pass AdmitInput.orgAttributes.
import { emptyLimitsConfig, LimitsConfigSchema, type LimitsConfig, type Throttle } from './limits-schema.js';
import { THROTTLE_FACTOR_ATTRIBUTE, THROTTLE_UNTIL_ATTRIBUTE } from './throttle.js';
import type { Org } from '../model/org.js';
import type { PolicyRules } from '../policy/policy-rules.js';

/** Throttles recorded on orgs (whether still active is decided per admission, against its clock). */
export function throttlesFromOrgs(orgs: Iterable<Org>): Record<string, Throttle> {
  const out: Record<string, Throttle> = {};
  for (const o of orgs) {
    const factor = o.attributes[THROTTLE_FACTOR_ATTRIBUTE];
    const until = o.attributes[THROTTLE_UNTIL_ATTRIBUTE];
    if (typeof factor === 'number' && factor > 0 && factor < 1 && typeof until === 'string' && !Number.isNaN(Date.parse(until))) out[o.id] = { factor, until };
  }
  return out;
}

/** The limits document with the orgs' throttles added (a document's own `throttles` entry wins for its org). */
export function withOrgThrottles(config: LimitsConfig, orgs: Iterable<Org>): LimitsConfig {
  const fromOrgs = throttlesFromOrgs(orgs);
  if (Object.keys(fromOrgs).length === 0) return config;
  return { ...config, throttles: { ...fromOrgs, ...config.throttles } };
}

export function limitsReader(rulesOf: () => PolicyRules, onInvalid: (message: string) => void, orgsOf?: () => ReadonlyMap<string, Org>): () => LimitsConfig {
  let lastRules: PolicyRules | undefined;
  let lastOrgs: ReadonlyMap<string, Org> | undefined;
  let parsed: LimitsConfig = emptyLimitsConfig();
  let last: LimitsConfig = parsed;
  return () => {
    const rules = rulesOf();
    const orgs = orgsOf?.();
    if (rules === lastRules && orgs === lastOrgs) return last;
    if (rules !== lastRules) {
      lastRules = rules;
      if (rules.limits === undefined) {
        parsed = emptyLimitsConfig();
      } else {
        const r = LimitsConfigSchema.safeParse(rules.limits);
        if (r.success) parsed = r.data;
        else onInvalid(`policy rules v${rules.version}: invalid limits section, keeping previous limits: ${r.error.issues[0]?.message}`);
      }
    }
    lastOrgs = orgs;
    // A new object only when some org is throttled: otherwise the document (and its cached plans) stays.
    last = orgs ? withOrgThrottles(parsed, orgs.values()) : parsed;
    return last;
  };
}
