// `GET /admin/orgs/:org/limits`: an org's effective limits per key (after precedence and any throttle) and,
// when the gateway hands its limiter to the admin API (`limitInspector` in the deps), current usage read
// without consuming anything. Without it, the limits come from the stored policy and usage is reported as
// unavailable rather than guessed.
import { z } from 'zod';
import { MoatError } from '../../errors/moat-error.js';
import { describeLimits, type LimitDescription } from '../../limits/describe-limits.js';
import type { LimitInspector, LimitSubject } from '../../limits/limiter.js';
import { LimitsConfigSchema } from '../../limits/limits-schema.js';
import { checkCounter } from '../../limits/admission.js';
import type { LimitStatus } from '../../limits/limiter.js';
import { specsOf } from '../../limits/compile-limit-specs.js';
import { resolveKeyLimits } from '../../limits/resolve-limits.js';
import { effectiveThrottle, throttleResolved } from '../../limits/throttle.js';
import { listGrants } from '../../store/grants-repo.js';
import { listKeys } from '../../store/keys-repo.js';
import { findOrg } from '../../store/orgs-repo.js';
import { loadPolicyRules } from '../../store/policy-rules-repo.js';
import { adminRoute, type AdminDeps, type AdminRoute } from '../admin-route.js';
import { OrgRef } from '../admin-schemas.js';
import { OrgLimitsSchema } from '../../admin-contract/policy-schemas.js';

/** What the limits routes need beyond AdminDeps: the gateway's limiter, for usage. Optional. */
export interface LimitsAdminDeps {
  limitInspector?: LimitInspector;
  /** Clock for usage reads (the gateway's injected clock); default Date.now. */
  now?: () => number;
}

export type OrgLimits = z.infer<typeof OrgLimitsSchema>;

type AnyLimit = Omit<LimitDescription, 'used' | 'remaining'> & { used: number | null; remaining: number | null };

export const limitsRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/orgs/:org/limits', role: 'viewer',
    summary: "The org's effective limits per API key (precedence and throttle applied) and current usage.",
    params: OrgRef,
    query: z.object({ key: z.string().min(1).optional().describe('Only this key (id or name).') }),
    response: OrgLimitsSchema,
    handler: async ({ deps, params, query }) => {
      const extra = deps as AdminDeps & LimitsAdminDeps;
      const now = extra.now?.() ?? Date.now();
      const org = await findOrg(deps.driver, params.org);
      if (!org) throw new MoatError('not_found', `No org ${params.org}.`);
      const rules = await loadPolicyRules(deps.driver);
      const parsed = LimitsConfigSchema.safeParse(rules.limits ?? {});
      if (!parsed.success) throw new MoatError('invalid_request', `The stored limits section is invalid: ${parsed.error.issues[0]?.message}`);
      const cfg = parsed.data;
      let keys = await listKeys(deps.driver, org.id);
      if (query.key) {
        keys = keys.filter((k) => k.id === query.key || k.name === query.key);
        if (keys.length === 0) throw new MoatError('not_found', `No key ${query.key} in org ${org.name}.`);
      }
      const grantIds = (await listGrants(deps.driver, org.id)).map((gr) => gr.id);
      const factor = effectiveThrottle(cfg, org.id, org.attributes, now);
      const inspector = extra.limitInspector;
      const out: OrgLimits['keys'] = [];
      for (const k of keys) {
        const subject: LimitSubject = { orgId: org.id, keyId: k.id, tier: org.tier, grantIds, orgAttributes: org.attributes, now };
        const statuses: LimitStatus[] = inspector
          ? await inspector.peek(subject)
          : resolveKeyLimits(subject, specsOf(cfg)).map((base) => {
              const l = throttleResolved(base, factor);
              return { ...checkCounter(l, undefined, now, 0), limit: l, cost: 0, ref: 0 };
            });
        const limits: AnyLimit[] = describeLimits({ keyId: k.id, orgId: org.id, tier: org.tier }, statuses, now).limits;
        if (!inspector) for (const l of limits) Object.assign(l, { used: null, remaining: null, resets_at: null });
        out.push({ key_id: k.id, key_name: k.name, limits: limits as OrgLimits['keys'][number]['limits'] });
      }
      return { object: 'moat.org_limits', org_id: org.id, org_name: org.name, tier: org.tier, throttle: factor === undefined ? null : { factor }, usage_available: inspector !== undefined, keys: out } satisfies OrgLimits;
    },
  }),
];
