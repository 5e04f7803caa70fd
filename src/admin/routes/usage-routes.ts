import { findOrg } from '../../store/orgs-repo.js';
import { queryUsage, type UsageGroupBy } from '../../store/usage-repo.js';
import type { UsageOutcome } from '../../metering/usage-outcome.js';
import { MoatError } from '../../errors/moat-error.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { UsageQuerySchema } from '../admin-schemas.js';

export const usageRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/usage', role: 'viewer', summary: 'Requests and tokens aggregated per org, key, model, outcome (admitted, refused, rate_limited, upstream_error, error), reason and minute/hour/day, with filters.',
    query: UsageQuerySchema, response: ADMIN_RESPONSES['GET /usage'],
    handler: async ({ deps, query }) => {
      const groupBy = (query.group_by?.split(',') ?? []) as UsageGroupBy[];
      if (groupBy.filter((g) => g === 'minute' || g === 'hour' || g === 'day').length > 1) throw new MoatError('invalid_request', 'group_by: at most one of minute, hour, day');
      // Usage rows keep the org id; accept a name too, as everywhere else.
      const org = query.org ? ((await findOrg(deps.driver, query.org))?.id ?? query.org) : undefined;
      const outcomes = query.outcome?.split(',') as UsageOutcome[] | undefined;
      return { usage: await queryUsage(deps.driver, { org, key: query.key, model: query.model, outcomes, reason: query.reason, from: query.from, to: query.to, groupBy }) };
    },
  }),
];
