// GET /admin/requests: the request log, newest first, filtered by org, key, model, outcome, reason and time,
// paged with `before`. What the gateway keeps (sampling, retention, prompts) comes back with every page, and a
// prompt excerpt is served only while the operator allows prompt text.
import { z } from 'zod';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { OUTCOMES } from '../../admin-contract/usage-schemas.js';
import { MoatError } from '../../errors/moat-error.js';
import type { UsageOutcome } from '../../metering/usage-outcome.js';
import { queryRequestLog } from '../../request-log/request-log-repo.js';
import { findOrg } from '../../store/orgs-repo.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';

const datetime = () => z.iso.datetime({ offset: true });
const OUTCOME_LIST = new RegExp(`^(${OUTCOMES.join('|')})(,(${OUTCOMES.join('|')}))*$`);

const RequestLogQuery = z
  .object({
    org: z.string().min(1).max(200).optional().describe('Org id or name.'),
    key: z.string().min(1).max(200).optional().describe('Key id.'),
    model: z.string().min(1).max(200).optional(),
    outcome: z.string().regex(OUTCOME_LIST, `comma-separated outcomes: ${OUTCOMES.join(', ')}`).optional().describe(`Only these outcomes (comma-separated): ${OUTCOMES.join(', ')}.`),
    reason: z.string().min(1).max(100).optional().describe('Only this reason (the error code, e.g. org_restricted).'),
    from: datetime().optional().describe('Inclusive start.'),
    to: datetime().optional().describe('Exclusive end.'),
    before: z.string().regex(/^[^|]+\|[^|]+$/, '`<ts>|<id>` as nextBefore gave it').max(300).optional().describe('The `nextBefore` of the previous page.'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const OFF = { enabled: false, admittedSampleRate: 0, otherSampleRate: 0, retentionHours: 0, maxRows: 0, prompts: 'none' } as const;

export const requestLogRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/requests', role: 'viewer',
    summary: 'Recent requests as the request log keeps them (sampled; see `recording`), newest first, with filters; paged with `before`.',
    query: RequestLogQuery, response: ADMIN_RESPONSES['GET /requests'],
    handler: async ({ deps, query }) => {
      if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) throw new MoatError('invalid_request', '`from` must be before `to`.');
      const r = deps.requestLog;
      const recording = r ? { enabled: r.enabled, admittedSampleRate: r.admittedSampleRate, otherSampleRate: r.otherSampleRate, retentionHours: r.retentionHours, maxRows: r.maxRows, prompts: r.prompts } : OFF;
      let before: { ts: string; id: string } | undefined;
      if (query.before) {
        const [ts, id] = query.before.split('|') as [string, string];
        if (!Number.isFinite(Date.parse(ts))) throw new MoatError('invalid_request', 'query.before: not a cursor this API gave.');
        before = { ts, id };
      }
      const org = query.org ? ((await findOrg(deps.driver, query.org))?.id ?? query.org) : undefined;
      const outcomes = query.outcome?.split(',') as UsageOutcome[] | undefined;
      const rows = await queryRequestLog(deps.driver, { org, key: query.key, model: query.model, outcomes, reason: query.reason, from: query.from, to: query.to, before, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      // Prompt text stored while excerpts were allowed is not shown once the operator has turned them off.
      const entries = recording.prompts === 'excerpt' ? page : page.map(({ prompt: _p, ...e }) => e);
      return { entries, ...(rows.length > query.limit && last ? { nextBefore: `${last.ts}|${last.id}` } : {}), recording };
    },
  }),
];
