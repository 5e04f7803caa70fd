// GET /admin/orgs/:org/keys/activity: per key, when it was last used and what it carried in the last 24 hours
// and the last 5 minutes (all outcomes), so an admin sees what disabling or deleting a key would cut.
import { getOrg } from '../../store/orgs-repo.js';
import { keyActivity } from '../../store/key-activity-repo.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { OrgRef } from '../admin-schemas.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';

const DAY_MS = 86_400_000;
const RECENT_MS = 5 * 60_000;

export const keyActivityRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/orgs/:org/keys/activity', role: 'viewer', summary: "When each of an org's keys was last used, and its requests in the last 24 hours and 5 minutes.",
    params: OrgRef,
    response: ADMIN_RESPONSES['GET /orgs/:org/keys/activity'],
    handler: async ({ deps, params }) => {
      const org = await getOrg(deps.driver, params.org);
      const now = Date.now();
      const rows = await keyActivity(deps.driver, org.id, new Date(now - DAY_MS).toISOString(), new Date(now - RECENT_MS).toISOString());
      return { keys: rows.map((r) => ({ keyId: r.keyId, lastUsedAt: r.lastUsedAt, requests24h: r.requests, requestsLast5m: r.recentRequests })) };
    },
  }),
];
