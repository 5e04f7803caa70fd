// Which secrets sign a webhook target's deliveries. Operations notices use the provider's secret; each
// customer's is derived from it per roll generation. Rolling a customer's secret starts a new generation and
// keeps the previous one signing too (a second signature) until its grace ends, so the customer can switch
// its receiver without dropping a notice. Rolls are stored (every process signs alike) and audited.
import { appendAudit } from '../audit/audit-log.js';
import { toIso, toIsoOrUndefined, toNum } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { customerWebhookSecret } from './webhook-signature.js';

export const CUSTOMER_TARGET_PREFIX = 'customer:';
export const customerTarget = (orgId: string): string => `${CUSTOMER_TARGET_PREFIX}${orgId}`;

export interface SecretRoll {
  generation: number;
  previousGeneration?: number;
  previousUntil?: string;
  rolledAt?: string;
}

interface RollRow {
  generation: unknown;
  previous_generation: unknown;
  previous_until: unknown;
  rolled_at: unknown;
}

export async function readSecretRoll(ex: SqlExecutor, target: string): Promise<SecretRoll> {
  const r = (await ex.query<RollRow>('SELECT * FROM webhook_secret_rolls WHERE target = $1', [target]))[0];
  if (!r) return { generation: 0 };
  const until = toIsoOrUndefined(r.previous_until);
  return {
    generation: toNum(r.generation),
    ...(r.previous_generation !== null && until ? { previousGeneration: toNum(r.previous_generation), previousUntil: until } : {}),
    rolledAt: toIso(r.rolled_at),
  };
}

/** The secrets that sign `target`'s deliveries at `nowMs`: the current one first. */
export function signingSecrets(providerSecret: string, target: string, roll: SecretRoll, nowMs: number): string[] {
  if (!target.startsWith(CUSTOMER_TARGET_PREFIX)) return [providerSecret];
  const orgId = target.slice(CUSTOMER_TARGET_PREFIX.length);
  const out = [customerWebhookSecret(providerSecret, orgId, roll.generation)];
  if (roll.previousGeneration !== undefined && roll.previousUntil && Date.parse(roll.previousUntil) > nowMs) out.push(customerWebhookSecret(providerSecret, orgId, roll.previousGeneration));
  return out;
}

/** Longest time a rolled secret keeps signing next to its successor. */
export const MAX_SECRET_GRACE_MS = 7 * 86_400_000;

/**
 * Rolls a customer's secret: a new generation; the current one keeps signing for `graceMs` (0: stops now).
 * Audited as `webhook.secret.roll` (generations and grace end; never a secret).
 */
export async function rollCustomerSecret(driver: SqlDriver, actor: string, orgId: string, graceMs: number, now: Date): Promise<SecretRoll> {
  const target = customerTarget(orgId);
  return driver.transaction(async (tx) => {
    const cur = await readSecretRoll(tx, target);
    const until = graceMs > 0 ? new Date(now.getTime() + graceMs).toISOString() : null;
    const next = cur.generation + 1;
    await tx.query(
      `INSERT INTO webhook_secret_rolls (target, generation, previous_generation, previous_until, rolled_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (target) DO UPDATE SET generation = EXCLUDED.generation, previous_generation = EXCLUDED.previous_generation,
         previous_until = EXCLUDED.previous_until, rolled_at = EXCLUDED.rolled_at`,
      [target, next, until ? cur.generation : null, until, now.toISOString()],
    );
    await appendAudit(tx, { actor, action: 'webhook.secret.roll', target, data: { orgId, generation: next, previousGeneration: cur.generation, previousValidUntil: until } }, now);
    return { generation: next, ...(until ? { previousGeneration: cur.generation, previousUntil: until } : {}), rolledAt: now.toISOString() };
  });
}
