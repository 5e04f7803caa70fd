// Every control-plane change goes through here: one transaction that bumps the change version first (taking
// the lock that serialises writers), makes the change, appends an audit entry, records the broadcast it owes
// in the change outbox (and, for a create call with an Idempotency-Key, its sealed answer), and returns the
// Change to propagate to the in-memory views.
import type { Change, ChangeKind, KeyAccess } from '../changes/change-bus.js';
import type { Org } from '../model/org.js';
import { appendAudit } from '../audit/audit-log.js';
import { bumpChangeVersion } from './change-version.js';
import { enqueueChange } from './change-outbox.js';
import { storeIdempotent, type IdempotencyClaim } from './idempotency-repo.js';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';

export interface MutationMeta {
  /** Admin token name, or `automation:<rule>`. */
  actor: string;
  /** Injected clock for timestamps (tests); defaults to now. */
  now?: Date;
  /** A create call's Idempotency-Key: its sealed answer commits with the change. */
  idempotency?: IdempotencyClaim;
}

export interface MutationOutcome<T> {
  result: T;
  change: Change;
}

export interface MutationSpec<T> {
  kind: ChangeKind;
  action: string;
  run: (
    tx: SqlTransaction,
    now: Date,
  ) => Promise<{ result: T; target: string; orgId?: string | undefined; data?: Record<string, unknown>; org?: Org | undefined; key?: KeyAccess | undefined }>;
}

export async function runMutation<T>(driver: SqlDriver, meta: MutationMeta, spec: MutationSpec<T>): Promise<MutationOutcome<T>> {
  const now = meta.now ?? new Date();
  return driver.transaction(async (tx) => {
    const version = await bumpChangeVersion(tx);
    const out = await spec.run(tx, now);
    await appendAudit(tx, { actor: meta.actor, action: spec.action, target: out.target, data: out.data ?? {} }, now);
    const change: Change = { kind: spec.kind, version, ...(out.orgId ? { orgId: out.orgId } : {}), ...(out.org ? { orgs: [out.org] } : {}), ...(out.key ? { keys: [out.key] } : {}) };
    await enqueueChange(tx, change, now);
    if (meta.idempotency) await storeIdempotent(tx, meta.idempotency, out.result, now);
    return { result: out.result, change };
  });
}
