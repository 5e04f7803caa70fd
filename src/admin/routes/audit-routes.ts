import { Readable } from 'node:stream';
import { z } from 'zod';
import { parseExpectedHead, verifyAuditChain, type AuditEntry, type ExpectedHead } from '../../audit/audit-chain.js';
import { checkpointProblem } from '../../audit/checkpoint.js';
import { MoatError } from '../../errors/moat-error.js';
import { allAuditEntries, listAudit } from '../../audit/audit-log.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { AuditEntrySchema, AuditQuerySchema, AuditVerifyQuerySchema } from '../admin-schemas.js';

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
    method: 'GET', url: '/audit/verify', role: 'viewer',
    summary: 'Verify the stored audit log: hash chain, every entry\'s MAC, and that it reaches the latest signed checkpoint (and `expect_head`, when given) unaltered.',
    query: AuditVerifyQuerySchema, response: ADMIN_RESPONSES['GET /audit/verify'],
    handler: async ({ deps, query }) => {
      const entries: AuditEntry[] = [];
      for await (const e of allAuditEntries(deps.driver)) entries.push(e);
      const cp = deps.audit?.latestCheckpoint();
      const cpProblem = cp && deps.audit ? checkpointProblem(cp, deps.audit.publicKey) : undefined;
      const checkpoint = cp ? { seq: cp.seq, hash: cp.hash, ts: cp.ts } : null;
      const macsChecked = deps.audit !== undefined;
      if (cpProblem) return { ok: false, count: entries.length, problem: 'edited' as const, message: cpProblem, macsChecked, checkpoint };
      const heads: ExpectedHead[] = [];
      if (cp) heads.push({ seq: cp.seq, hash: cp.hash, source: `checkpoint of ${cp.ts}` });
      if (query.expect_head) heads.push(parseExpected(query.expect_head));
      // Chain and MACs, against each expected head in turn; the first failure is reported.
      const base = deps.audit ? { key: deps.audit.key, macFrom: cp?.macFrom ?? 1 } : {};
      let v = verifyAuditChain(entries, base);
      for (const expect of heads) if (v.ok) v = verifyAuditChain(entries, { ...base, expect });
      if (v.ok) return { ...v, macsChecked, checkpoint };
      const { entry: _entry, index: _index, ...rest } = v;
      return { ...rest, macsChecked, checkpoint };
    },
  }),
];

function parseExpected(s: string): ExpectedHead {
  try {
    return parseExpectedHead(s, 'expect_head');
  } catch (e) {
    throw new MoatError('invalid_request', (e as Error).message);
  }
}
