// GET /admin/enforcement/activity: enforcement actions by kind (and hour or day), for the overview's chart of
// what was done: automatic and approved actions, status changes by hand, key disables and deletes.
import { z } from 'zod';
import { countEnforcementActivity } from '../../audit/enforcement-activity.js';
import { MoatError } from '../../errors/moat-error.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';

const ActivityQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('Inclusive start.'),
    to: z.iso.datetime({ offset: true }).optional().describe('Exclusive end.'),
    bucket: z.enum(['hour', 'day']).optional().describe('Count per hour or day; default: totals.'),
  })
  .strict();

export const enforcementActivityRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/enforcement/activity', role: 'viewer', summary: 'Enforcement actions counted by kind (optionally per hour or day), from the audit log.',
    query: ActivityQuery, response: ADMIN_RESPONSES['GET /enforcement/activity'],
    handler: async ({ deps, query }) => {
      if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) throw new MoatError('invalid_request', '`from` must be before `to`.');
      return { activity: await countEnforcementActivity(deps.driver, query) };
    },
  }),
];
