import { Readable } from 'node:stream';
import { z } from 'zod';
import { verifyAuditChain, type AuditEntry } from '../../audit/audit-chain.js';
import { allAuditEntries, listAudit } from '../../audit/audit-log.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { AuditEntrySchema, AuditQuerySchema, AuditVerifySchema } from '../admin-schemas.js';

export const auditRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/audit', role: 'viewer', summary: 'Audit entries in order, paged with after_seq and limit, filtered by action, target or actor.',
    query: AuditQuerySchema, response: z.object({ entries: z.array(AuditEntrySchema) }),
    handler: async ({ deps, query }) => ({
      entries: await listAudit(deps.driver, { afterSeq: query.after_seq, limit: query.limit ?? 100, action: query.action, target: query.target, actor: query.actor }),
    }),
  }),
  adminRoute({
    method: 'GET', url: '/audit/export', role: 'viewer', summary: 'The whole audit log as JSONL (one entry per line), verifiable offline with `moat audit verify --file`.',
    produces: 'application/x-ndjson',
    handler: async ({ deps, reply }) => {
      reply.type('application/x-ndjson');
      return Readable.from(
        (async function* () {
          for await (const e of allAuditEntries(deps.driver)) yield JSON.stringify(e) + '\n';
        })(),
      );
    },
  }),
  adminRoute({
    method: 'GET', url: '/audit/verify', role: 'viewer', summary: 'Verify the hash chain of the stored audit log.', response: AuditVerifySchema,
    handler: async ({ deps }) => {
      const entries: AuditEntry[] = [];
      for await (const e of allAuditEntries(deps.driver)) entries.push(e);
      const v = verifyAuditChain(entries);
      if (v.ok) return v;
      const { entry: _entry, index: _index, ...rest } = v;
      return rest;
    },
  }),
];
