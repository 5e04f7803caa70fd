// Which MAC key an audit append uses. Appends happen inside store transactions all over the control plane
// (mutations, policy applies, case events), so the key travels with the driver: the server wraps its driver once
// (withAuditKey), and every transaction that driver opens carries the key to appendAudit. The key itself never
// goes into the database.
import type { SqlDriver, SqlExecutor, SqlTransaction } from '../sql/sql-driver.js';
import type { AuditKey } from './audit-chain.js';

const keys = new WeakMap<SqlExecutor, AuditKey>();

/** The key audit entries written through ex are MACed with (undefined: written without a MAC). */
export function auditKeyOf(ex: SqlExecutor): AuditKey | undefined {
  return keys.get(ex);
}

/** The same driver, whose transactions (and direct queries) MAC the audit entries they append with key. */
export function withAuditKey(driver: SqlDriver, key: AuditKey): SqlDriver {
  // Everything but transaction() is the driver's own (inherited, so members added to drivers later come along).
  const keyed = Object.create(driver, {
    transaction: {
      value: <T>(fn: (tx: SqlTransaction) => Promise<T>) =>
        driver.transaction((tx) => {
          keys.set(tx, key);
          return fn(tx);
        }),
    },
  }) as SqlDriver;
  keys.set(keyed, key);
  return keyed;
}
