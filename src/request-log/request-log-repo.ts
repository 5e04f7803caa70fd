// The request log in the store: batched inserts from the writer, newest-first pages with filters for the admin
// API, and pruning by age and by count.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { inSlices, nextTurn } from '../sql/statement-slices.js';
import { toIso, toNum } from '../sql/row-values.js';
import type { TrafficFilter, UsageOutcome } from '../metering/usage-outcome.js';
import type { RequestLogRow } from './request-log-row.js';

const COLUMNS = ['id', 'ts', 'org_id', 'key_id', 'model', 'api', 'endpoint', 'stream', 'status', 'outcome', 'reason', 'latency_ms', 'input_tokens', 'output_tokens', 'purpose', 'prompt'] as const;
const TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'text', ts: 'timestamptz', org_id: 'text', key_id: 'text', model: 'text', api: 'text', endpoint: 'text', stream: 'boolean', status: 'integer',
  outcome: 'text', reason: 'text', latency_ms: 'double precision', input_tokens: 'bigint', output_tokens: 'bigint', purpose: 'text', prompt: 'text',
};
// One statement text whatever the number of rows: a column per array parameter.
const INSERT = `WITH added AS (
  INSERT INTO request_log (${COLUMNS.join(', ')}) SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${TYPES[c]}[]`).join(', ')}) ON CONFLICT (id) DO NOTHING RETURNING 1)
UPDATE request_log_size SET n = n + (SELECT count(*) FROM added)`;
/**
 * Rows per statement. The embedded store runs each statement on the gateway's event loop, ~0.4 ms plus ~30 µs a
 * row: a second's log at 1,000 requests/s written at once stalled it 6–11 ms (most of the gateway's stalls over
 * 5 ms at that rate), so writes go in slices with a turn of the loop between them.
 */
const SLICE = 25;
/** Rows deleted per statement when pruning (~60 µs a row on the embedded store, three indexes). */
const DELETE_SLICE = 50;

/** Adds rows; a request id already logged (a replayed batch) is kept once. */
export async function insertRequestLog(ex: SqlExecutor, rows: readonly RequestLogRow[]): Promise<void> {
  await inSlices(rows, SLICE, async (part) => {
    await ex.query(INSERT, [
      part.map((r) => r.id), part.map((r) => r.ts), part.map((r) => r.orgId), part.map((r) => r.keyId), part.map((r) => r.model), part.map((r) => r.api),
      part.map((r) => r.endpoint), part.map((r) => r.stream), part.map((r) => r.status), part.map((r) => r.outcome), part.map((r) => r.reason),
      part.map((r) => r.latencyMs), part.map((r) => r.inputTokens), part.map((r) => r.outputTokens), part.map((r) => r.purpose ?? null), part.map((r) => r.prompt ?? null),
    ]);
  });
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

/** What one pruning pass did: rows deleted, and whether it stopped at its budget with more to delete. */
export interface PruneOutcome {
  gone: number;
  more: boolean;
}

/**
 * Deletes rows older than `before`, then the oldest beyond `maxRows`, oldest first, a slice per statement with a
 * turn of the event loop between them, for at most `budget` statements (the writer waits for a pass before its
 * next insert, so a long backlog, e.g. after `maxRows` was lowered, is worked off over several passes).
 */
export async function pruneRequestLog(ex: SqlExecutor, before: string, maxRows: number, budget = Infinity): Promise<PruneOutcome> {
  let gone = 0;
  let statements = 0;
  for (;;) {
    if (statements++ >= budget) return { gone, more: true };
    const n = await deleteOldest(ex, DELETE_SLICE, before);
    gone += n;
    if (n < DELETE_SLICE) break;
    await nextTurn();
  }
  for (;;) {
    const over = toNum((await ex.query<{ n: unknown }>('SELECT n FROM request_log_size'))[0]?.n ?? 0) - maxRows;
    if (over <= 0) break;
    if (statements++ >= budget) return { gone, more: true };
    const n = await deleteOldest(ex, Math.min(over, DELETE_SLICE));
    gone += n;
    if (n === 0) break;
    await nextTurn();
  }
  return { gone, more: false };
}

/**
 * Counts the log's rows again into request_log_size. The count is kept by every insert and delete of this release;
 * rows written or deleted by a gateway that does not keep it (the previous release, during a rolling upgrade) make
 * it drift, which this corrects. One scan of the table.
 */
export async function recountRequestLog(ex: SqlExecutor): Promise<void> {
  await ex.query('UPDATE request_log_size SET n = (SELECT count(*) FROM request_log)');
}

/** The oldest `limit` rows (of those older than `before`, when given) deleted, and the size kept with them. */
async function deleteOldest(ex: SqlExecutor, limit: number, before?: string): Promise<number> {
  const rows = await ex.query<{ gone: unknown }>(
    `WITH gone AS (
       DELETE FROM request_log WHERE id IN (
         SELECT id FROM request_log ${before === undefined ? '' : 'WHERE ts < $2::timestamptz'} ORDER BY ts, id LIMIT $1)
       RETURNING 1),
     counted AS (SELECT count(*) AS gone FROM gone)
     UPDATE request_log_size SET n = n - counted.gone FROM counted RETURNING counted.gone`,
    before === undefined ? [limit] : [limit, before],
  );
  return toNum(rows[0]?.gone ?? 0);
}
