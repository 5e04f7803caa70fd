// The policy rules document (features, denials, tiers, clauses, playbooks), stored as one opaque JSON value.
// The store never interprets it; the policy module owns its shape.
import { emptyPolicyRules, type PolicyRules } from '../policy/policy-rules.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { jsonParam } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';

export async function loadPolicyRules(ex: SqlExecutor): Promise<PolicyRules> {
  const row = (await ex.query<{ document: PolicyRules }>('SELECT document FROM policy_rules WHERE id = 1'))[0];
  return row ? row.document : emptyPolicyRules();
}

/**
 * Replaces the document; its `version` becomes previous + 1 whatever the caller sent. `summary` goes into the
 * audit entry (e.g. the plan of what changed), since the document itself may be large.
 */
export function savePolicyRules(
  driver: SqlDriver,
  meta: MutationMeta,
  rules: PolicyRules,
  summary: Record<string, unknown> = {},
): Promise<MutationOutcome<PolicyRules>> {
  return runMutation(driver, meta, {
    kind: 'policy',
    action: 'policy.apply',
    run: async (tx, now) => {
      const prev = await loadPolicyRules(tx);
      const doc: PolicyRules = { ...rules, version: prev.version + 1 };
      await tx.query(
        `INSERT INTO policy_rules (id, version, document, updated_at) VALUES (1, $1, $2::jsonb, $3)
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, document = EXCLUDED.document, updated_at = EXCLUDED.updated_at`,
        [doc.version, jsonParam(doc), now.toISOString()],
      );
      return { result: doc, target: 'policy', data: { version: doc.version, ...summary } };
    },
  });
}
