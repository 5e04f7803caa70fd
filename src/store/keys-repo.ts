// API keys. Creation returns the secret exactly once; only its sha256 hash and a visible prefix are stored.
import { DomainError } from '../errors/domain-error.js';
import { generateApiKey } from '../keys/api-key-format.js';
import type { ApiKeyRecord, KeyStatus } from '../model/api-key.js';
import type { StatusChange } from '../model/org.js';
import { newId } from './ids.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { getOrg } from './orgs-repo.js';
import { jsonParam, toIso, toIsoOrUndefined } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { inSlices } from '../sql/statement-slices.js';
import type { KeyAccess } from '../changes/change-bus.js';

/** The secret a rotation replaced, accepted until `validUntil`. */
export interface PreviousSecret {
  prefix: string;
  hash: string;
  validUntil: string;
}

/** A key as stored, with why it is in its status (not part of the hot-path record). */
export interface StoredApiKey extends ApiKeyRecord {
  statusChange?: StatusChange;
  previous?: PreviousSecret;
  rotatedAt?: string;
  /** Minute of the last request, written with the usage flush (never per request). */
  lastUsedAt?: string;
}

/** What listings show: never a hash. */
export type ApiKeyListing = Omit<StoredApiKey, 'hash' | 'previous'> & { previous?: Omit<PreviousSecret, 'hash'> };

interface KeyRow {
  id: string;
  org_id: string;
  name: string;
  prefix: string;
  hash: string;
  status: KeyStatus;
  status_change: StatusChange | null;
  expires_at: unknown;
  created_at: unknown;
  updated_at: unknown;
  previous_hash: string | null;
  previous_prefix: string | null;
  previous_valid_until: unknown;
  rotated_at: unknown;
  last_used_at: unknown;
}

function fromRow(r: KeyRow): StoredApiKey {
  const k: StoredApiKey = {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    prefix: r.prefix,
    hash: r.hash,
    status: r.status,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
  const exp = toIsoOrUndefined(r.expires_at);
  if (exp) k.expiresAt = exp;
  if (r.status_change) k.statusChange = r.status_change;
  const until = toIsoOrUndefined(r.previous_valid_until);
  if (r.previous_hash && r.previous_prefix && until) k.previous = { prefix: r.previous_prefix, hash: r.previous_hash, validUntil: until };
  const rotated = toIsoOrUndefined(r.rotated_at);
  if (rotated) k.rotatedAt = rotated;
  const used = toIsoOrUndefined(r.last_used_at);
  if (used) k.lastUsedAt = used;
  return k;
}

export function withoutHash(k: StoredApiKey): ApiKeyListing {
  const { hash: _hash, previous, ...rest } = k;
  return previous ? { ...rest, previous: { prefix: previous.prefix, validUntil: previous.validUntil } } : rest;
}

/**
 * The hot-path records of a key: its current secret and, during a rotation's grace period, the previous one
 * (same id and org, its own prefix, accepted until `rotatedUntil`). No status reason, no activity.
 */
export function keyRecords(k: StoredApiKey): ApiKeyRecord[] {
  const { statusChange: _s, previous, rotatedAt: _r, lastUsedAt: _u, ...current } = k;
  if (!previous) return [current];
  return [current, { ...current, prefix: previous.prefix, hash: previous.hash, rotatedUntil: previous.validUntil }];
}

export async function listKeys(ex: SqlExecutor, orgId?: string): Promise<StoredApiKey[]> {
  const rows = orgId
    ? await ex.query<KeyRow>('SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at, id', [orgId])
    : await ex.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  return rows.map(fromRow);
}

export async function getKey(ex: SqlExecutor, id: string): Promise<StoredApiKey> {
  const row = (await ex.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]))[0];
  if (!row) throw new DomainError('not_found', `no key "${id}"`);
  return fromRow(row);
}

export async function findKeyByHash(ex: SqlExecutor, hash: string): Promise<StoredApiKey | undefined> {
  const row = (await ex.query<KeyRow>('SELECT * FROM api_keys WHERE hash = $1 OR previous_hash = $1', [hash]))[0];
  return row ? fromRow(row) : undefined;
}

/** What a change broadcast says about a key: its access now, or that it is gone. */
export function keyAccess(k: Pick<ApiKeyRecord, 'id' | 'orgId' | 'status' | 'expiresAt'>): KeyAccess {
  return { id: k.id, orgId: k.orgId, status: k.status, ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}) };
}

export async function keyAccessOf(ex: SqlExecutor, id: string): Promise<KeyAccess> {
  const row = (await ex.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]))[0];
  return row ? keyAccess(fromRow(row)) : { id, orgId: '', status: 'deleted' };
}

export interface CreateKeyInput {
  /** Org id or name. */
  org: string;
  name: string;
  /** Key env segment: `moat_<env>_...` (default "live"). */
  env?: string | undefined;
  expiresAt?: string | undefined;
}

export interface CreatedKey {
  key: ApiKeyListing;
  /** The full secret: returned here once and never again. */
  secret: string;
}

export function createKey(driver: SqlDriver, meta: MutationMeta, input: CreateKeyInput): Promise<MutationOutcome<CreatedKey>> {
  return runMutation(driver, meta, {
    kind: 'key',
    action: 'key.create',
    run: async (tx, now) => {
      const org = await getOrg(tx, input.org);
      const gen = generateApiKey(input.env ?? 'live');
      const row = (
        await tx.query<KeyRow>(
          `INSERT INTO api_keys (id, org_id, name, prefix, hash, expires_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
          [newId('key'), org.id, input.name, gen.prefix, gen.hash, input.expiresAt ?? null, now.toISOString()],
        )
      )[0];
      const key = withoutHash(fromRow(row as KeyRow));
      return {
        result: { key, secret: gen.secret },
        target: key.id,
        orgId: org.id,
        data: { orgId: org.id, name: key.name, prefix: key.prefix, expiresAt: key.expiresAt },
      };
    },
  });
}

export function setKeyStatus(
  driver: SqlDriver,
  meta: MutationMeta,
  id: string,
  input: { status: KeyStatus; reason?: string | undefined; clause?: string | undefined; caseId?: string | undefined },
): Promise<MutationOutcome<ApiKeyListing>> {
  return runMutation(driver, meta, {
    kind: 'key',
    action: input.status === 'disabled' ? 'key.disable' : 'key.enable',
    run: async (tx, now) => {
      const before = await getKey(tx, id);
      const change: StatusChange = { reason: input.reason ?? (input.status === 'disabled' ? 'disabled' : 'enabled'), actor: meta.actor, at: now.toISOString() };
      if (input.clause) change.clause = input.clause;
      if (input.caseId) change.caseId = input.caseId;
      const row = (
        await tx.query<KeyRow>('UPDATE api_keys SET status = $2, status_change = $3::jsonb, updated_at = $4 WHERE id = $1 RETURNING *', [
          id, input.status, jsonParam(change), now.toISOString(),
        ])
      )[0];
      const key = withoutHash(fromRow(row as KeyRow));
      return { result: key, target: id, orgId: before.orgId, key: keyAccess(key), data: { from: before.status, to: input.status, reason: change.reason, clause: input.clause, caseId: input.caseId } };
    },
  });
}

/** expiresAt null clears the expiry. */
export function setKeyExpiry(driver: SqlDriver, meta: MutationMeta, id: string, expiresAt: string | null): Promise<MutationOutcome<ApiKeyListing>> {
  return runMutation(driver, meta, {
    kind: 'key',
    action: 'key.expiry',
    run: async (tx, now) => {
      const before = await getKey(tx, id);
      const row = (await tx.query<KeyRow>('UPDATE api_keys SET expires_at = $2, updated_at = $3 WHERE id = $1 RETURNING *', [id, expiresAt, now.toISOString()]))[0];
      const key = withoutHash(fromRow(row as KeyRow));
      return { result: key, target: id, orgId: before.orgId, key: keyAccess(key), data: { from: before.expiresAt ?? null, to: key.expiresAt ?? null } };
    },
  });
}

export function deleteKey(driver: SqlDriver, meta: MutationMeta, id: string): Promise<MutationOutcome<{ id: string }>> {
  return runMutation(driver, meta, {
    kind: 'key',
    action: 'key.delete',
    run: async (tx) => {
      const before = await getKey(tx, id);
      await tx.query('DELETE FROM api_keys WHERE id = $1', [id]);
      return { result: { id }, target: id, orgId: before.orgId, key: { id, orgId: before.orgId, status: 'deleted' as const }, data: { orgId: before.orgId, name: before.name, prefix: before.prefix } };
    },
  });
}

/** Longest grace a rotation may give the previous secret. */
export const MAX_ROTATION_GRACE_MS = 30 * 86_400_000;

export interface RotatedKey extends CreatedKey {
  /** Until when the previous secret is still accepted (absent when the grace was 0). */
  previousValidUntil?: string;
}

/**
 * Issues a new secret for a key (same id, org, name, status and expiry). The secret it replaces keeps working
 * for `graceMs` (0: stops now); a secret replaced by an earlier rotation stops now. Audited as `key.rotate`
 * with both prefixes and the end of the grace.
 */
export function rotateKey(driver: SqlDriver, meta: MutationMeta, id: string, input: { graceMs: number; reason?: string | undefined }): Promise<MutationOutcome<RotatedKey>> {
  if (!(Number.isInteger(input.graceMs) && input.graceMs >= 0 && input.graceMs <= MAX_ROTATION_GRACE_MS))
    throw new DomainError('invalid_input', `grace must be between 0 and ${MAX_ROTATION_GRACE_MS / 86_400_000} days`);
  return runMutation(driver, meta, {
    kind: 'key',
    action: 'key.rotate',
    run: async (tx, now) => {
      const before = await getKey(tx, id);
      const env = /^moat_([a-z]{2,8})_/.exec(before.prefix)?.[1] ?? 'live';
      const gen = generateApiKey(env);
      const until = input.graceMs > 0 ? new Date(now.getTime() + input.graceMs).toISOString() : null;
      const row = (
        await tx.query<KeyRow>(
          `UPDATE api_keys SET prefix = $2, hash = $3, previous_hash = $4, previous_prefix = $5, previous_valid_until = $6, rotated_at = $7, updated_at = $7
           WHERE id = $1 RETURNING *`,
          [id, gen.prefix, gen.hash, until ? before.hash : null, until ? before.prefix : null, until, now.toISOString()],
        )
      )[0];
      const key = withoutHash(fromRow(row as KeyRow));
      return {
        result: { key, secret: gen.secret, ...(until ? { previousValidUntil: until } : {}) },
        target: id,
        orgId: before.orgId,
        data: { orgId: before.orgId, name: before.name, prefix: gen.prefix, previousPrefix: before.prefix, previousValidUntil: until, replacedEarlierPrevious: before.previous?.prefix ?? null, ...(input.reason ? { reason: input.reason } : {}) },
      };
    },
  });
}

/** Stops the previous secret of a rotation now (e.g. it leaked). Audited as `key.rotation.end`. */
export function endKeyRotation(driver: SqlDriver, meta: MutationMeta, id: string): Promise<MutationOutcome<ApiKeyListing>> {
  return runMutation(driver, meta, {
    kind: 'key',
    action: 'key.rotation.end',
    run: async (tx, now) => {
      const before = await getKey(tx, id);
      if (!before.previous) throw new DomainError('conflict', `key "${id}" has no previous secret in a grace period`);
      const row = (
        await tx.query<KeyRow>('UPDATE api_keys SET previous_hash = NULL, previous_prefix = NULL, previous_valid_until = NULL, updated_at = $2 WHERE id = $1 RETURNING *', [id, now.toISOString()])
      )[0];
      const key = withoutHash(fromRow(row as KeyRow));
      return { result: key, target: id, orgId: before.orgId, data: { previousPrefix: before.previous.prefix, wasValidUntil: before.previous.validUntil } };
    },
  });
}

/**
 * Records when keys were last used, from one usage flush (minute precision): one statement per flush, and a
 * time never moves backwards (several gateways flush the same keys).
 */
export async function recordKeysLastUsed(ex: SqlExecutor, lastUsed: ReadonlyMap<string, string>): Promise<void> {
  // A slice of keys per statement: see src/sql/statement-slices.ts.
  // Sorted by key id: writers on PostgreSQL lock the keys in one order (see writeUsage).
  await inSlices([...lastUsed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), 200, async (slice) => {
    const params: unknown[] = [];
    const values = slice.map(([keyId, at]) => {
      params.push(keyId, at);
      return `($${params.length - 1}, $${params.length}::timestamptz)`;
    });
    await ex.query(
      `UPDATE api_keys AS k SET last_used_at = v.at FROM (VALUES ${values.join(', ')}) AS v(id, at)
       WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`,
      params,
    );
  });
}
