// The request log in the store: batched inserts from the writer, newest-first pages with filters for the admin
// API, and pruning by age and by count.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toIso, toNum } from '../sql/row-values.js';
import type { TrafficFilter, UsageOutcome } from '../metering/usage-outcome.js';
import type { RequestLogRow } from './request-log-row.js';

const COLUMNS = ['id', 'ts', 'org_id', 'key_id', 'model', 'api', 'endpoint', 'stream', 'status', 'outcome', 'reason', 'latency_ms', 'input_tokens', 'output_tokens', 'purpose', 'prompt'] as const;
const TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'text', ts: 'timestamptz', org_id: 'text', key_id: 'text', model: 'text', api: 'text', endpoint: 'text', stream: 'boolean', status: 'integer',
  outcome: 'text', reason: 'text', latency_ms: 'double precision', input_tokens: 'bigint', output_tokens: 'bigint', purpose: 'text', prompt: 'text',
};
// One statement text whatever the number of rows: a column per array parameter.
const INSERT = `INSERT INTO request_log (${COLUMNS.join(', ')}) SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${TYPES[c]}[]`).join(', ')}) ON CONFLICT (id) DO NOTHING`;
/**
 * Rows per statement. The embedded store runs each statement on the gateway's event loop, ~0.4 ms plus ~30 µs a
 * row: a second's log at 1,000 requests/s written at once stalled it 6–11 ms (most of the gateway's stalls over
 * 5 ms at that rate), so writes go in slices with a turn of the loop between them.
 */
const SLICE = 25;

/** Adds rows; a request id already logged (a replayed batch) is kept once. */
export async function insertRequestLog(ex: SqlExecutor, rows: readonly RequestLogRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += SLICE) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    const part = rows.slice(i, i + SLICE);
    await ex.query(INSERT, [
      part.map((r) => r.id), part.map((r) => r.ts), part.map((r) => r.orgId), part.map((r) => r.keyId), part.map((r) => r.model), part.map((r) => r.api),
      part.map((r) => r.endpoint), part.map((r) => r.stream), part.map((r) => r.status), part.map((r) => r.outcome), part.map((r) => r.reason),
      part.map((r) => r.latencyMs), part.map((r) => r.inputTokens), part.map((r) => r.outputTokens), part.map((r) => r.purpose ?? null), part.map((r) => r.prompt ?? null),
    ]);
  }
}

export interface RequestLogQuery extends TrafficFilter {
  /** Only entries older than this cursor (`<ts>|<id>` of the last entry of the previous page). */
  before?: { ts: string; id: string } | undefined;
  limit: number;
}

/** Newest first. */
export async function queryRequestLog(ex: SqlExecutor, q: RequestLogQuery): Promise<RequestLogRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  if (q.org !== undefined) where.push(`org_id = ${p(q.org)}`);
  if (q.key !== undefined) where.push(`key_id = ${p(q.key)}`);
  if (q.model !== undefined) where.push(`model = ${p(q.model)}`);
  if (q.reason !== undefined) where.push(`reason = ${p(q.reason)}`);
  if (q.outcomes?.length) where.push(`outcome IN (${q.outcomes.map(p).join(', ')})`);
  if (q.from !== undefined) where.push(`ts >= ${p(q.from)}::timestamptz`);
  if (q.to !== undefined) where.push(`ts < ${p(q.to)}::timestamptz`);
  if (q.before) where.push(`(ts, id) < (${p(q.before.ts)}::timestamptz, ${p(q.before.id)})`);
  const rows = await ex.query<Record<string, unknown>>(
    `SELECT ${COLUMNS.join(', ')} FROM request_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ts DESC, id DESC LIMIT ${p(q.limit)}`,
    params,
  );
  return rows.map(fromRow);
}

function fromRow(r: Record<string, unknown>): RequestLogRow {
  const row: RequestLogRow = {
    id: String(r.id),
    ts: toIso(r.ts),
    orgId: String(r.org_id),
    keyId: String(r.key_id),
    model: String(r.model),
    api: r.api === 'anthropic' ? 'anthropic' : 'openai',
    endpoint: String(r.endpoint),
    stream: r.stream === true,
    status: toNum(r.status),
    outcome: String(r.outcome) as UsageOutcome,
    reason: String(r.reason),
    latencyMs: toNum(r.latency_ms),
    inputTokens: toNum(r.input_tokens),
    outputTokens: toNum(r.output_tokens),
  };
  if (r.purpose !== null && r.purpose !== undefined) row.purpose = String(r.purpose);
  if (r.prompt !== null && r.prompt !== undefined) row.prompt = String(r.prompt);
  return row;
}

/** Deletes entries older than `before` (ISO) and all but the newest `maxRows`; returns how many went. */
export async function pruneRequestLog(ex: SqlExecutor, before: string, maxRows: number): Promise<number> {
  const old = await ex.query<{ n: unknown }>(`WITH gone AS (DELETE FROM request_log WHERE ts < $1::timestamptz RETURNING 1) SELECT count(*) AS n FROM gone`, [before]);
  const over = await ex.query<{ n: unknown }>(
    `WITH keep AS (SELECT ts, id FROM request_log ORDER BY ts DESC, id DESC OFFSET $1 LIMIT 1),
          gone AS (DELETE FROM request_log r USING keep WHERE (r.ts, r.id) <= (keep.ts, keep.id) RETURNING 1)
     SELECT count(*) AS n FROM gone`,
    [maxRows],
  );
  return toNum(old[0]?.n ?? 0) + toNum(over[0]?.n ?? 0);
}
