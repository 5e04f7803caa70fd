// Purpose-scoped grants (e.g. `safety_evaluation` for listed models, until an expiry).
import { DomainError } from '../errors/domain-error.js';
import type { Grant } from '../model/org.js';
import { newId } from './ids.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { getOrg } from './orgs-repo.js';
import { jsonParam, toIso, toIsoOrUndefined } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';

interface GrantRow {
  id: string;
  org_id: string;
  purpose: string;
  models: string[];
  expires_at: unknown;
  limits: Record<string, number> | null;
  created_at: unknown;
}

function fromRow(r: GrantRow): Grant {
  const g: Grant = { id: r.id, orgId: r.org_id, purpose: r.purpose, models: r.models, createdAt: toIso(r.created_at) };
  const exp = toIsoOrUndefined(r.expires_at);
  if (exp) g.expiresAt = exp;
  if (r.limits) g.limits = r.limits;
  return g;
}

export async function listGrants(ex: SqlExecutor, orgId?: string): Promise<Grant[]> {
  const rows = orgId
    ? await ex.query<GrantRow>('SELECT * FROM grants WHERE org_id = $1 ORDER BY created_at, id', [orgId])
    : await ex.query<GrantRow>('SELECT * FROM grants ORDER BY org_id, created_at, id');
  return rows.map(fromRow);
}

export interface CreateGrantInput {
  org: string;
  purpose: string;
  models: string[];
  expiresAt?: string | undefined;
  limits?: Record<string, number> | undefined;
}

export function createGrant(driver: SqlDriver, meta: MutationMeta, input: CreateGrantInput): Promise<MutationOutcome<Grant>> {
  return runMutation(driver, meta, {
    kind: 'grant',
    action: 'grant.create',
    run: async (tx, now) => {
      const org = await getOrg(tx, input.org);
      const row = (
        await tx.query<GrantRow>(
          'INSERT INTO grants (id, org_id, purpose, models, expires_at, limits, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7) RETURNING *',
          [newId('grt'), org.id, input.purpose, jsonParam(input.models), input.expiresAt ?? null, jsonParam(input.limits), now.toISOString()],
        )
      )[0];
      const grant = fromRow(row as GrantRow);
      return { result: grant, target: grant.id, orgId: org.id, data: { orgId: org.id, purpose: grant.purpose, models: grant.models, expiresAt: grant.expiresAt, limits: grant.limits } };
    },
  });
}

export function deleteGrant(driver: SqlDriver, meta: MutationMeta, id: string): Promise<MutationOutcome<{ id: string }>> {
  return runMutation(driver, meta, {
    kind: 'grant',
    action: 'grant.delete',
    run: async (tx) => {
      const row = (await tx.query<GrantRow>('DELETE FROM grants WHERE id = $1 RETURNING *', [id]))[0];
      if (!row) throw new DomainError('not_found', `no grant "${id}"`);
      return { result: { id }, target: id, orgId: row.org_id, data: { orgId: row.org_id, purpose: row.purpose } };
    },
  });
}
