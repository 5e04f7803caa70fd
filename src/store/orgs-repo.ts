// Organizations. Orgs can be addressed by id or by their unique name (handy for the CLI).
import { DomainError } from '../errors/domain-error.js';
import type { Org, OrgStatus, StatusChange } from '../model/org.js';
import { newId } from './ids.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { jsonParam, toIso, toIsoOrUndefined } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { isUniqueViolation } from './sql-errors.js';

interface OrgRow {
  id: string;
  name: string;
  status: OrgStatus;
  suspended_until: unknown;
  status_change: StatusChange | null;
  attributes: Record<string, string | number | boolean>;
  labels: string[];
  tier: string;
  contact_webhook: string | null;
  created_at: unknown;
  updated_at: unknown;
}

function fromRow(r: OrgRow): Org {
  const org: Org = {
    id: r.id,
    name: r.name,
    status: r.status,
    attributes: r.attributes ?? {},
    labels: r.labels ?? [],
    tier: r.tier,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
  const until = toIsoOrUndefined(r.suspended_until);
  if (until) org.suspendedUntil = until;
  if (r.status_change) org.statusChange = r.status_change;
  if (r.contact_webhook) org.contactWebhook = r.contact_webhook;
  return org;
}

export async function listOrgs(ex: SqlExecutor): Promise<Org[]> {
  return (await ex.query<OrgRow>('SELECT * FROM orgs ORDER BY name')).map(fromRow);
}

/** By id or by name. */
export async function findOrg(ex: SqlExecutor, idOrName: string): Promise<Org | undefined> {
  const row = (await ex.query<OrgRow>('SELECT * FROM orgs WHERE id = $1 OR name = $1 LIMIT 1', [idOrName]))[0];
  return row ? fromRow(row) : undefined;
}

export async function getOrg(ex: SqlExecutor, idOrName: string): Promise<Org> {
  const org = await findOrg(ex, idOrName);
  if (!org) throw new DomainError('not_found', `no org "${idOrName}"`);
  return org;
}

export interface CreateOrgInput {
  name: string;
  tier?: string | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
  labels?: string[] | undefined;
  contactWebhook?: string | undefined;
}

export function createOrg(driver: SqlDriver, meta: MutationMeta, input: CreateOrgInput): Promise<MutationOutcome<Org>> {
  return runMutation(driver, meta, {
    kind: 'org',
    action: 'org.create',
    run: async (tx, now) => {
      const id = newId('org');
      let row: OrgRow | undefined;
      try {
        row = (
          await tx.query<OrgRow>(
            `INSERT INTO orgs (id, name, attributes, labels, tier, contact_webhook, created_at, updated_at)
             VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7, $7) RETURNING *`,
            [id, input.name, jsonParam(input.attributes ?? {}), jsonParam(input.labels ?? []), input.tier ?? 'default', input.contactWebhook ?? null, now.toISOString()],
          )
        )[0];
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('conflict', `an org named "${input.name}" already exists`);
        throw e;
      }
      const org = fromRow(row as OrgRow);
      return { result: org, target: org.id, orgId: org.id, data: { name: org.name, tier: org.tier, attributes: org.attributes, labels: org.labels } };
    },
  });
}

export interface UpdateOrgInput {
  name?: string | undefined;
  tier?: string | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
  labels?: string[] | undefined;
  /** null clears it. */
  contactWebhook?: string | null | undefined;
}

export function updateOrg(driver: SqlDriver, meta: MutationMeta, idOrName: string, patch: UpdateOrgInput): Promise<MutationOutcome<Org>> {
  return runMutation(driver, meta, {
    kind: 'org',
    action: 'org.update',
    run: async (tx, now) => {
      const before = await getOrg(tx, idOrName);
      let row: OrgRow | undefined;
      try {
        row = (
          await tx.query<OrgRow>(
            `UPDATE orgs SET name = $2, tier = $3, attributes = $4::jsonb, labels = $5::jsonb, contact_webhook = $6, updated_at = $7
             WHERE id = $1 RETURNING *`,
            [
              before.id,
              patch.name ?? before.name,
              patch.tier ?? before.tier,
              jsonParam(patch.attributes ?? before.attributes),
              jsonParam(patch.labels ?? before.labels),
              patch.contactWebhook === undefined ? (before.contactWebhook ?? null) : patch.contactWebhook,
              now.toISOString(),
            ],
          )
        )[0];
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('conflict', `an org named "${patch.name}" already exists`);
        throw e;
      }
      const org = fromRow(row as OrgRow);
      return { result: org, target: org.id, orgId: org.id, org, data: { ...patch } };
    },
  });
}

export interface SetOrgStatusInput {
  status: OrgStatus;
  reason: string;
  clause?: string | undefined;
  caseId?: string | undefined;
  /** Required for `suspended`: when access returns. */
  until?: string | undefined;
}

export async function setOrgStatus(driver: SqlDriver, meta: MutationMeta, idOrName: string, input: SetOrgStatusInput): Promise<MutationOutcome<Org>> {
  if (input.status === 'suspended' && !input.until) throw new DomainError('invalid_input', 'status "suspended" needs `until`');
  if (input.status !== 'suspended' && input.until) throw new DomainError('invalid_input', '`until` applies only to status "suspended"');
  return runMutation(driver, meta, {
    kind: 'org',
    action: 'org.status',
    run: async (tx, now) => {
      const before = await getOrg(tx, idOrName);
      const change: StatusChange = { reason: input.reason, actor: meta.actor, at: now.toISOString() };
      if (input.clause) change.clause = input.clause;
      if (input.caseId) change.caseId = input.caseId;
      const row = (
        await tx.query<OrgRow>(
          'UPDATE orgs SET status = $2, suspended_until = $3, status_change = $4::jsonb, updated_at = $5 WHERE id = $1 RETURNING *',
          [before.id, input.status, input.until ?? null, jsonParam(change), now.toISOString()],
        )
      )[0];
      const org = fromRow(row as OrgRow);
      return {
        result: org,
        target: org.id,
        orgId: org.id,
        org,
        data: { from: before.status, to: input.status, reason: input.reason, clause: input.clause, caseId: input.caseId, until: input.until },
      };
    },
  });
}
