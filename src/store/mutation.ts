// Every control-plane change goes through here: one transaction that bumps the change version first (taking
// the lock that serialises writers), makes the change, appends an audit entry, and returns the Change to
// propagate to the in-memory views.
import type { Change, ChangeKind } from '../view/change-bus.js';
import { appendAudit } from '../audit/audit-log.js';
import { bumpChangeVersion } from './change-version.js';
import type { SqlDriver, SqlTransaction } from './sql-driver.js';

export interface MutationMeta {
  /** Admin token name, or `automation:<rule>`. */
  actor: string;
  /** Injected clock for timestamps (tests); defaults to now. */
  now?: Date;
}

export interface MutationOutcome<T> {
  result: T;
  change: Change;
}

export interface MutationSpec<T> {
  kind: ChangeKind;
  action: string;
  run: (tx: SqlTransaction, now: Date) => Promise<{ result: T; target: string; orgId?: string | undefined; data?: Record<string, unknown> }>;
}

export async function runMutation<T>(driver: SqlDriver, meta: MutationMeta, spec: MutationSpec<T>): Promise<MutationOutcome<T>> {
  const now = meta.now ?? new Date();
  return driver.transaction(async (tx) => {
    const version = await bumpChangeVersion(tx);
    const out = await spec.run(tx, now);
    await appendAudit(tx, { actor: meta.actor, action: spec.action, target: out.target, data: out.data ?? {} }, now);
    const change: Change = { kind: spec.kind, version, ...(out.orgId ? { orgId: out.orgId } : {}) };
    return { result: out.result, change };
  });
}
