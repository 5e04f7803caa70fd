// GET /admin/detection/glossary: what detection features mean, for the case page's evidence and scores.
import { z } from 'zod';
import { explainFeature, glossary } from '../feature-glossary.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';

const GlossaryQuery = z
  .object({ names: z.string().min(1).max(4000).optional().describe('Comma-separated feature names (e.g. w.bench_share,cluster.orgs); default: every window feature, score and org fact.') })
  .strict();

export const glossaryRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/detection/glossary', role: 'viewer', summary: 'What detection features mean, in words.',
    query: GlossaryQuery,
    response: ADMIN_RESPONSES['GET /detection/glossary'],
    handler: async ({ query }) => ({ features: query.names ? [...new Set(query.names.split(',').map((n) => n.trim()).filter(Boolean))].slice(0, 200).map(explainFeature) : glossary() }),
  }),
];
