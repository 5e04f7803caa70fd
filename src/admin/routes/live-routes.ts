// GET /admin/events: server-sent events for the console (`change` when anything audited changes).
import { openLiveStream } from '../live-events.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';

export const liveRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/events', role: 'viewer', produces: 'text/event-stream',
    summary: 'Server-sent events: `ready` with the audit head, then `change` whenever an audited change (org, key, grant, policy, case) lands in the store.',
    handler: async ({ deps, reply }) => {
      const stream = await openLiveStream(deps.driver);
      reply.type('text/event-stream').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
      return stream;
    },
  }),
];
