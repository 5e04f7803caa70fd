// Per-minute usage aggregates (org, key, model, outcome, reason, minute). Writers add to existing rows, so several processes
// can flush their own partial counts for the same minute.
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { storableText, toIso, toNum } from '../sql/row-values.js';
import { inSlices } from '../sql/statement-slices.js';

/** Rows are the metering module's UsageRow: this repository is the store's UsageSink. */
export type { UsageRow } from '../metering/usage-sink.js';
import type { UsageRow, UsageSink } from '../metering/usage-sink.js';
import type { TrafficFilter, UsageOutcome } from '../metering/usage-outcome.js';

import { recordKeysLastUsed } from './keys-repo.js';

/**
 * Rows per statement: on the embedded store a flush of 2,000 rows in slices of 500 stalled the gateway's event loop
 * 90-260 ms (worst statement 13-75 ms); 50 a statement, with turns between, bounds each stall to a few ms.
 */
export const USAGE_ROWS_PER_STATEMENT = 50;

function truncateToMinute(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`invalid usage minute "${iso}"`);
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000)).toISOString();
}

/**
 * Batched upsert that adds. Rows for the same (org, key, model, outcome, reason, minute) are merged first.
 * The same flush records each key's last use, so a request never writes the store.
 */
export async function writeUsage(ex: SqlExecutor, rows: readonly UsageRow[]): Promise<void> {
  const merged = new Map<string, UsageRow & { outcome: UsageOutcome; reason: string }>();
  for (const r of rows) {
    const minute = truncateToMinute(r.minute);
    const outcome = r.outcome ?? 'admitted';
    const reason = r.reason ?? '';
    const model = storableText(r.model);
    const k = JSON.stringify([r.orgId, r.keyId, model, outcome, reason, minute]);
    const cur = merged.get(k);
    if (cur) {
      cur.requests += r.requests;
      cur.inputTokens += r.inputTokens;
      cur.outputTokens += r.outputTokens;
    } else merged.set(k, { ...r, model, outcome, reason, minute });
  }
  // One order for every writer: gateways flushing the same rows (on PostgreSQL) take their row locks in the same
  // order, held until the flush commits, so they wait for one another instead of deadlocking.
  const all = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  const lastUsed = new Map<string, string>();
  for (const r of all) if (r.keyId && (lastUsed.get(r.keyId) ?? '') < r.minute) lastUsed.set(r.keyId, r.minute);
  await inSlices(all, USAGE_ROWS_PER_STATEMENT, async (chunk) => {
    const params: unknown[] = [];
    const values = chunk.map((r) => {
      params.push(r.orgId, r.keyId, r.model, r.outcome, r.reason, r.minute, r.requests, r.inputTokens, r.outputTokens);
      const b = params.length - 9;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}::timestamptz, $${b + 7}::bigint, $${b + 8}::bigint, $${b + 9}::bigint)`;
    });
    await ex.query(
      `INSERT INTO usage_minute (org_id, key_id, model, outcome, reason, minute, requests, input_tokens, output_tokens) VALUES ${values.join(', ')}
       ON CONFLICT (org_id, key_id, model, minute, outcome, reason) DO UPDATE SET
         requests = usage_minute.requests + EXCLUDED.requests,
         input_tokens = usage_minute.input_tokens + EXCLUDED.input_tokens,
         output_tokens = usage_minute.output_tokens + EXCLUDED.output_tokens`,
      params,
    );
  });
  await recordKeysLastUsed(ex, lastUsed);
}

/**
 * The store as the metering aggregator's sink: each flush in one transaction, so a flush that fails part-way
 * (its slices are separate statements) writes nothing, and the aggregator's retry cannot add a row twice.
 */
export function storeUsageSink(driver: SqlDriver): UsageSink {
  return { write: (rows) => driver.transaction((tx) => writeUsage(tx, rows)) };
}

export type UsageGroupBy = 'org' | 'key' | 'model' | 'outcome' | 'reason' | 'minute' | 'hour' | 'day';

export interface UsageQuery extends TrafficFilter {
  /** Dimensions to group by; at most one of minute/hour/day. Empty: one total row. */
  groupBy?: readonly UsageGroupBy[] | undefined;
}

export interface UsageAggregate {
  orgId?: string;
  keyId?: string;
  model?: string;
  outcome?: UsageOutcome;
  reason?: string;
  /** Start of the minute/hour/day bucket. */
  bucket?: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

type Dimension = 'org' | 'key' | 'model' | 'outcome' | 'reason';
const DIM_SQL: Record<Dimension, string> = { org: 'org_id', key: 'key_id', model: 'model', outcome: 'outcome', reason: 'reason' };
const isDimension = (g: UsageGroupBy): g is Dimension => g in DIM_SQL;

export async function queryUsage(ex: SqlExecutor, q: UsageQuery): Promise<UsageAggregate[]> {
  const groupBy = [...new Set(q.groupBy ?? [])];
  const buckets = groupBy.filter((g) => g === 'minute' || g === 'hour' || g === 'day');
  if (buckets.length > 1) throw new Error('group by at most one of minute, hour, day');
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (col: string, op: string, v: string | undefined) => {
    if (v === undefined) return;
    params.push(v);
    where.push(`${col} ${op} $${params.length}`);
  };
  add('org_id', '=', q.org);
  add('key_id', '=', q.key);
  add('model', '=', q.model);
  add('reason', '=', q.reason);
  if (q.outcomes?.length) {
    const slots = q.outcomes.map((o) => (params.push(o), `$${params.length}`));
    where.push(`outcome IN (${slots.join(', ')})`);
  }
  add('minute', '>=', q.from);
  add('minute', '<', q.to);
  const cols: string[] = [];
  for (const g of groupBy) {
    if (isDimension(g)) cols.push(`${DIM_SQL[g]} AS ${g}`);
  }
  const bucket = buckets[0];
  if (bucket) cols.push(bucket === 'minute' ? 'minute AS bucket' : `date_trunc('${bucket}', minute AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket`);
  const groupCols = cols.map((c) => c.slice(0, c.lastIndexOf(' AS ')));
  const sql = `SELECT ${[...cols, 'sum(requests) AS requests', 'sum(input_tokens) AS input_tokens', 'sum(output_tokens) AS output_tokens'].join(', ')}
    FROM usage_minute ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ${groupCols.length ? `GROUP BY ${groupCols.join(', ')} ORDER BY ${groupCols.join(', ')}` : ''}`;
  const rows = await ex.query<Record<string, unknown>>(sql, params);
  return rows
    .filter((r) => r.requests !== null)
    .map((r) => {
      const a: UsageAggregate = { requests: toNum(r.requests), inputTokens: toNum(r.input_tokens), outputTokens: toNum(r.output_tokens) };
      if ('org' in r) a.orgId = String(r.org);
      if ('key' in r) a.keyId = String(r.key);
      if ('model' in r) a.model = String(r.model);
      if ('outcome' in r) a.outcome = String(r.outcome) as UsageOutcome;
      if ('reason' in r) a.reason = String(r.reason);
      if ('bucket' in r) a.bucket = toIso(r.bucket);
      return a;
    });
}
