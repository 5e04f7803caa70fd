// Applies the steps of a policy plan (`moat policy apply`, POST /admin/policy/apply) in ONE transaction:
// either every step is written, each with its own audit entry, or none is. The change version is bumped once
// per apply (first, which takes the writers' lock), so the whole apply is one change for the views.
// Before writing, the steps are applied to the store's current state with the reference semantics
// (applyPlanToState) and the guards are recomputed on the result: a plan made against an old state cannot
// slip past them. Secrets of created keys and admin tokens are returned once and never stored or audited.
import { appendAudit } from '../audit/audit-log.js';
import { DomainError } from '../errors/domain-error.js';
import { generateApiKey, hashSecret } from '../keys/api-key-format.js';
import type { Org, StatusChange } from '../model/org.js';
import { applyPlanToState } from '../policy/apply-plan-to-state.js';
import { planGuards, type PlanStep } from '../policy/plan-policy.js';
import { affiliationIdentity, keyIdentity, type OrgState, type PolicyState } from '../policy/policy-state.js';
import type { Change, KeyAccess } from '../changes/change-bus.js';
import { enqueueChange } from './change-outbox.js';
import { keyAccessOf } from './keys-repo.js';
import { findOrg } from './orgs-repo.js';
import { generateAdminTokenSecret } from './admin-tokens-repo.js';
import { ownershipCycle } from './affiliation-graph.js';
import { bumpChangeVersion, readChangeVersion } from './change-version.js';
import { newId } from './ids.js';
import { readPolicyState } from './load-policy-state.js';
import type { MutationMeta } from './mutation.js';
import { loadPolicyRules } from './policy-rules-repo.js';
import { jsonParam } from '../sql/row-values.js';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js';

export interface PolicySecret {
  kind: 'key' | 'admin';
  /** `orgId/name` for keys, the name for admin tokens. */
  id: string;
  secret: string;
}

export interface ApplyPolicyResult {
  /** Store change version after the apply (unchanged when there was nothing to apply). */
  version: number;
  applied: number;
  secrets: PolicySecret[];
  /** What to propagate to the views; absent when nothing was written. */
  change?: Change;
}

export interface ApplyPolicyOptions {
  force?: boolean;
  /** Refuse (409) unless the store is still at this version. */
  expectedVersion?: number | undefined;
}

const identityOf: Record<PlanStep['kind'], (v: never) => string> = {
  rules: () => 'rules',
  org: (o: OrgState) => o.id,
  affiliation: affiliationIdentity,
  grant: (g: { id: string }) => g.id,
  key: keyIdentity,
  admin: (a: { name: string }) => a.name,
};

function checkStepShape(steps: readonly PlanStep[]): void {
  steps.forEach((s, i) => {
    if (s.action !== 'delete' && !s.after) throw new DomainError('invalid_input', `steps[${i}]: a ${s.action} step needs "after"`);
    if (s.kind === 'rules' && s.action !== 'update') throw new DomainError('invalid_input', `steps[${i}]: the rules document can only be updated`);
    if (s.after && (identityOf[s.kind] as (v: unknown) => string)(s.after) !== s.id)
      throw new DomainError('invalid_input', `steps[${i}]: id "${s.id}" does not match the ${s.kind} in "after"`);
  });
}

function statusFieldsChanged(before: OrgState | undefined, after: OrgState): boolean {
  if (!before) return true;
  return (
    before.status !== after.status ||
    before.suspendedUntil !== after.suspendedUntil ||
    before.statusReason !== after.statusReason ||
    before.statusClause !== after.statusClause ||
    before.statusCaseId !== after.statusCaseId
  );
}

function statusChangeOf(o: OrgState, actor: string, now: Date): StatusChange {
  const c: StatusChange = { reason: o.statusReason ?? (o.status === 'active' ? 'active (policy apply)' : 'policy apply'), actor, at: now.toISOString() };
  if (o.statusClause !== undefined) c.clause = o.statusClause;
  if (o.statusCaseId !== undefined) c.caseId = o.statusCaseId;
  return c;
}

/** Writes one step; returns the audit data (never secrets) and, for created keys/tokens, the secret. */
async function writeStep(tx: SqlTransaction, step: PlanStep, current: PolicyState, actor: string, now: Date): Promise<{ data: Record<string, unknown>; secret?: PolicySecret }> {
  const at = now.toISOString();
  switch (step.kind) {
    case 'rules': {
      const prev = await loadPolicyRules(tx);
      const doc = { ...(step.after ?? {}), version: prev.version + 1 };
      await tx.query(
        `INSERT INTO policy_rules (id, version, document, updated_at) VALUES (1, $1, $2::jsonb, $3)
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, document = EXCLUDED.document, updated_at = EXCLUDED.updated_at`,
        [doc.version, jsonParam(doc), at],
      );
      return { data: { fields: step.fields ?? [], rulesVersion: doc.version } };
    }
    case 'org': {
      if (step.action === 'delete') {
        await tx.query('DELETE FROM orgs WHERE id = $1', [step.id]);
        return { data: { name: step.before?.name } };
      }
      const o = step.after as OrgState;
      const before = current.orgs.find((x) => x.id === o.id);
      const params = [o.id, o.name, o.status, o.status === 'suspended' ? (o.suspendedUntil ?? null) : null, jsonParam(o.attributes), jsonParam(o.labels), o.tier, o.contactWebhook ?? null, at];
      if (step.action === 'create') {
        await tx.query(
          `INSERT INTO orgs (id, name, status, suspended_until, attributes, labels, tier, contact_webhook, created_at, updated_at, status_change)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $9, $10::jsonb)`,
          [...params, o.status === 'active' && o.statusReason === undefined ? null : jsonParam(statusChangeOf(o, actor, now))],
        );
      } else {
        await tx.query(
          `UPDATE orgs SET name = $2, status = $3, suspended_until = $4, attributes = $5::jsonb, labels = $6::jsonb, tier = $7,
             contact_webhook = $8, updated_at = $9 WHERE id = $1`,
          params,
        );
        // The status change (who, when, why) is rewritten only when the status itself changed.
        if (statusFieldsChanged(before, o)) await tx.query('UPDATE orgs SET status_change = $2::jsonb WHERE id = $1', [o.id, jsonParam(statusChangeOf(o, actor, now))]);
      }
      return { data: { ...(step.fields ? { fields: step.fields } : {}), after: o } };
    }
    case 'affiliation': {
      const a = (step.after ?? step.before)!;
      if (step.action === 'delete') await tx.query('DELETE FROM affiliations WHERE org_id = $1 AND affiliate_id = $2 AND relation = $3', [a.orgId, a.affiliateId, a.relation]);
      else await tx.query('INSERT INTO affiliations (org_id, affiliate_id, relation, created_at) VALUES ($1, $2, $3, $4)', [a.orgId, a.affiliateId, a.relation, at]);
      return { data: { ...a } };
    }
    case 'grant': {
      if (step.action === 'delete') {
        await tx.query('DELETE FROM grants WHERE id = $1', [step.id]);
        return { data: { orgId: step.before?.orgId, purpose: step.before?.purpose } };
      }
      const g = step.after!;
      const params = [g.id, g.orgId, g.purpose, jsonParam(g.models), g.expiresAt ?? null, jsonParam(g.limits)];
      if (step.action === 'create')
        await tx.query('INSERT INTO grants (id, org_id, purpose, models, expires_at, limits, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7)', [...params, at]);
      else await tx.query('UPDATE grants SET org_id = $2, purpose = $3, models = $4::jsonb, expires_at = $5, limits = $6::jsonb WHERE id = $1', params);
      return { data: { ...(step.fields ? { fields: step.fields } : {}), after: g } };
    }
    case 'key': {
      const ref = (step.after ?? step.before)!;
      if (step.action === 'delete') {
        await tx.query('DELETE FROM api_keys WHERE org_id = $1 AND name = $2', [ref.orgId, ref.name]);
        return { data: { orgId: ref.orgId, name: ref.name } };
      }
      const k = step.after!;
      const change = jsonParam({ reason: k.status === 'disabled' ? 'disabled (policy apply)' : 'enabled (policy apply)', actor, at });
      if (step.action === 'create') {
        const gen = generateApiKey('live');
        await tx.query(
          `INSERT INTO api_keys (id, org_id, name, prefix, hash, status, status_change, expires_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $9)`,
          [newId('key'), k.orgId, k.name, gen.prefix, gen.hash, k.status, k.status === 'active' ? null : change, k.expiresAt ?? null, at],
        );
        return { data: { orgId: k.orgId, name: k.name, status: k.status, prefix: gen.prefix, expiresAt: k.expiresAt }, secret: { kind: 'key', id: step.id, secret: gen.secret } };
      }
      const statusChanged = step.before?.status !== k.status;
      await tx.query(
        `UPDATE api_keys SET status = $3, expires_at = $4, updated_at = $5${statusChanged ? ', status_change = $6::jsonb' : ''} WHERE org_id = $1 AND name = $2`,
        [k.orgId, k.name, k.status, k.expiresAt ?? null, at, ...(statusChanged ? [change] : [])],
      );
      return { data: { orgId: k.orgId, name: k.name, fields: step.fields ?? [], status: k.status, expiresAt: k.expiresAt } };
    }
    case 'admin': {
      if (step.action === 'delete') {
        await tx.query('DELETE FROM admin_tokens WHERE name = $1', [step.id]);
        return { data: { name: step.id, role: step.before?.role } };
      }
      const a = step.after!;
      if (step.action === 'create') {
        const secret = generateAdminTokenSecret();
        await tx.query('INSERT INTO admin_tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)', [newId('tok'), a.name, a.role, hashSecret(secret), at]);
        return { data: { name: a.name, role: a.role }, secret: { kind: 'admin', id: a.name, secret } };
      }
      await tx.query('UPDATE admin_tokens SET role = $2 WHERE name = $1', [a.name, a.role]);
      return { data: { name: a.name, role: a.role, from: step.before?.role } };
    }
  }
}

function checkOwnership(next: PolicyState, steps: readonly PlanStep[]): void {
  for (const s of steps) {
    if (s.kind !== 'affiliation' || s.action !== 'create' || !s.after) continue;
    const candidate = s.after;
    const others = next.affiliations.filter((a) => affiliationIdentity(a) !== s.id);
    const cycle = ownershipCycle(others, candidate);
    if (cycle) throw new DomainError('conflict', `affiliation ${s.id} would create an ownership cycle: ${cycle.join(' -> ')}`);
  }
}

export async function applyPolicyPlan(driver: SqlDriver, meta: MutationMeta, steps: readonly PlanStep[], opts: ApplyPolicyOptions = {}): Promise<ApplyPolicyResult> {
  checkStepShape(steps);
  const now = meta.now ?? new Date();
  const stale = (planned: number, at: number) =>
    new DomainError('conflict', `the store changed since the plan was made (planned against version ${planned}, store is at ${at}); run diff again`);
  if (steps.length === 0) {
    // Nothing to write, so no version bump and no audit entry.
    const at = await readChangeVersion(driver);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== at) throw stale(opts.expectedVersion, at);
    return { version: at, applied: 0, secrets: [] };
  }
  return driver.transaction(async (tx) => {
    // Bumping first takes the row lock that serialises every control-plane writer for the rest of this apply.
    const version = await bumpChangeVersion(tx);
    const before = version - 1;
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== before) throw stale(opts.expectedVersion, before);
    const current = await readPolicyState(tx);
    let next: PolicyState;
    try {
      next = applyPlanToState(current, steps);
    } catch (e) {
      throw new DomainError('conflict', `the plan does not match the store: ${(e as Error).message}; run diff again`);
    }
    const guards = planGuards(current, next);
    if (guards.length && !opts.force) throw new DomainError('conflict', `refused: ${guards.join('; ')}. Repeat with force if this is intended.`);
    checkOwnership(next, steps);

    const touched = await touchedKeyIds(tx, steps);
    const secrets: PolicySecret[] = [];
    for (const [i, step] of steps.entries()) {
      let out: Awaited<ReturnType<typeof writeStep>>;
      try {
        out = await writeStep(tx, step, current, meta.actor, now);
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('conflict', `steps[${i}] (${step.action} ${step.kind} ${step.id}) conflicts with an existing ${step.kind} (duplicate name or id)`);
        if (isForeignKeyViolation(e)) throw new DomainError('conflict', `steps[${i}] (${step.action} ${step.kind} ${step.id}) refers to an org that does not exist`);
        throw e;
      }
      if (out.secret) secrets.push(out.secret);
      await appendAudit(tx, { actor: meta.actor, action: `policy.${step.kind}.${step.action}`, target: step.id, data: { ...out.data, applyVersion: version, step: i + 1, of: steps.length } }, now);
    }
    const change: Change = { kind: 'all', version, ...(await changedAccess(tx, steps, touched)) };
    await enqueueChange(tx, change, now);
    return { version, applied: steps.length, secrets, change };
  });
}

/** Past this many orgs or keys an apply's change carries no states: gateways reload it from the store. */
const MAX_CARRIED = 100;

/** Ids of the existing keys the steps update or delete (read before the writes: a deleted key has no row after). */
async function touchedKeyIds(tx: SqlTransaction, steps: readonly PlanStep[]): Promise<string[]> {
  const ids: string[] = [];
  for (const s of steps) {
    if (s.kind !== 'key' || s.action === 'create' || ids.length > MAX_CARRIED) continue;
    const ref = (s.before ?? s.after)!;
    const row = (await tx.query<{ id: string }>('SELECT id FROM api_keys WHERE org_id = $1 AND name = $2', [ref.orgId, ref.name]))[0];
    if (row) ids.push(row.id);
  }
  return ids;
}

/** The orgs and keys the apply changed, as they are now, so a gateway cut off from the store still applies them. */
async function changedAccess(tx: SqlTransaction, steps: readonly PlanStep[], keyIds: readonly string[]): Promise<Pick<Change, 'orgs' | 'keys'>> {
  const orgIds = steps.filter((s) => s.kind === 'org' && s.action !== 'delete').map((s) => s.id);
  if (orgIds.length > MAX_CARRIED || keyIds.length > MAX_CARRIED) return {};
  const orgs: Org[] = [];
  for (const id of orgIds) {
    const o = await findOrg(tx, id);
    if (o) orgs.push(o);
  }
  const keys: KeyAccess[] = [];
  for (const id of keyIds) keys.push(await keyAccessOf(tx, id));
  return { ...(orgs.length ? { orgs } : {}), ...(keys.length ? { keys } : {}) };
}
