// The webhook outbox: every notice is written here before delivery is tried, so delivery is at least once
// across restarts; deliveries that exhaust their attempts move to the dead-letter list until re-driven.
import { randomBytes } from 'node:crypto';
import { toIso, toNum } from '../sql/row-values.js';
import type { SqlDriver } from '../sql/sql-driver.js';

export type WebhookStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDelivery {
  id: string;
  /** `ops` or `customer:<orgId>`: also picks the signing secret. */
  target: string;
  url: string;
  event: string;
  caseId?: string;
  /** Exact bytes sent and signed. */
  body: string;
  status: WebhookStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

export type NewDelivery = Pick<WebhookDelivery, 'target' | 'url' | 'event' | 'body'> & { caseId?: string };

export interface WebhookQueue {
  enqueue(d: NewDelivery, now: Date): Promise<WebhookDelivery>;
  /** Pending deliveries due at `now`, oldest first. */
  due(now: Date, limit: number): Promise<WebhookDelivery[]>;
  markDelivered(id: string, attempts: number, now: Date): Promise<void>;
  markRetry(id: string, attempts: number, nextAttemptAt: Date, error: string, now: Date): Promise<void>;
  markDead(id: string, attempts: number, error: string, now: Date): Promise<void>;
  list(status: WebhookStatus, limit?: number): Promise<WebhookDelivery[]>;
  /** The delivery log: newest first, optionally of one target and/or status. */
  deliveries(q: DeliveryQuery): Promise<WebhookDelivery[]>;
  get(id: string): Promise<WebhookDelivery | undefined>;
  /** Moves dead deliveries (all, the given ids, or one target's) back to pending, due now, with attempts reset. Returns the ids moved. */
  redrive(now: Date, ids?: readonly string[], target?: string): Promise<number>;
  redriveIds(now: Date, filter: { ids?: readonly string[]; target?: string }): Promise<string[]>;
  /** Dead letters per target, for gauges and listings. */
  countsByTarget(): Promise<Array<{ target: string; status: WebhookStatus; count: number }>>;
}

export interface DeliveryQuery {
  target?: string | undefined;
  status?: WebhookStatus | undefined;
  limit: number;
}

export function newDeliveryId(): string {
  return `whk_${randomBytes(10).toString('hex')}`;
}

export class MemoryWebhookQueue implements WebhookQueue {
  private readonly rows = new Map<string, WebhookDelivery>();

  async enqueue(d: NewDelivery, now: Date): Promise<WebhookDelivery> {
    const at = now.toISOString();
    const row: WebhookDelivery = { id: newDeliveryId(), ...d, status: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at, updatedAt: at };
    this.rows.set(row.id, row);
    return { ...row };
  }
  async due(now: Date, limit: number): Promise<WebhookDelivery[]> {
    return [...this.rows.values()]
      .filter((r) => r.status === 'pending' && Date.parse(r.nextAttemptAt) <= now.getTime())
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  private patch(id: string, p: Partial<WebhookDelivery>): void {
    const r = this.rows.get(id);
    if (r) this.rows.set(id, { ...r, ...p });
  }
  async markDelivered(id: string, attempts: number, now: Date) {
    this.patch(id, { status: 'delivered', attempts, updatedAt: now.toISOString() });
  }
  async markRetry(id: string, attempts: number, next: Date, error: string, now: Date) {
    this.patch(id, { attempts, nextAttemptAt: next.toISOString(), lastError: error, updatedAt: now.toISOString() });
  }
  async markDead(id: string, attempts: number, error: string, now: Date) {
    this.patch(id, { status: 'dead', attempts, lastError: error, updatedAt: now.toISOString() });
  }
  async list(status: WebhookStatus, limit = 500) {
    return [...this.rows.values()].filter((r) => r.status === status).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, limit).map((r) => ({ ...r }));
  }
  async deliveries(q: DeliveryQuery) {
    return [...this.rows.values()]
      .filter((r) => (q.target === undefined || r.target === q.target) && (q.status === undefined || r.status === q.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, q.limit)
      .map((r) => ({ ...r }));
  }
  async get(id: string) {
    const r = this.rows.get(id);
    return r ? { ...r } : undefined;
  }
  async redrive(now: Date, ids?: readonly string[], target?: string) {
    return (await this.redriveIds(now, { ...(ids ? { ids } : {}), ...(target !== undefined ? { target } : {}) })).length;
  }
  async redriveIds(now: Date, filter: { ids?: readonly string[]; target?: string }) {
    const out: string[] = [];
    for (const r of this.rows.values()) {
      if (r.status !== 'dead' || (filter.ids && !filter.ids.includes(r.id)) || (filter.target !== undefined && r.target !== filter.target)) continue;
      this.rows.set(r.id, { ...r, status: 'pending', attempts: 0, nextAttemptAt: now.toISOString(), updatedAt: now.toISOString() });
      out.push(r.id);
    }
    return out;
  }
  async countsByTarget() {
    const m = new Map<string, { target: string; status: WebhookStatus; count: number }>();
    for (const r of this.rows.values()) {
      const k = `${r.target}\u0000${r.status}`;
      const c = m.get(k) ?? { target: r.target, status: r.status, count: 0 };
      c.count++;
      m.set(k, c);
    }
    return [...m.values()];
  }
}

interface Row {
  id: string;
  target: string;
  url: string;
  event: string;
  case_id: string | null;
  body: string;
  status: WebhookStatus;
  attempts: unknown;
  next_attempt_at: unknown;
  last_error: string | null;
  created_at: unknown;
  updated_at: unknown;
}

function fromRow(r: Row): WebhookDelivery {
  return {
    id: r.id, target: r.target, url: r.url, event: r.event, body: r.body, status: r.status, attempts: toNum(r.attempts),
    nextAttemptAt: toIso(r.next_attempt_at), createdAt: toIso(r.created_at), updatedAt: toIso(r.updated_at),
    ...(r.case_id ? { caseId: r.case_id } : {}), ...(r.last_error ? { lastError: r.last_error } : {}),
  };
}

export class SqlWebhookQueue implements WebhookQueue {
  constructor(private readonly driver: SqlDriver) {}

  async enqueue(d: NewDelivery, now: Date): Promise<WebhookDelivery> {
    const rows = await this.driver.query<Row>(
      `INSERT INTO enforcement_webhooks (id, target, url, event, case_id, body, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $7) RETURNING *`,
      [newDeliveryId(), d.target, d.url, d.event, d.caseId ?? null, d.body, now.toISOString()],
    );
    return fromRow(rows[0] as Row);
  }
  async due(now: Date, limit: number) {
    return (
      await this.driver.query<Row>(
        `SELECT * FROM enforcement_webhooks WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, created_at LIMIT $2`,
        [now.toISOString(), limit],
      )
    ).map(fromRow);
  }
  async markDelivered(id: string, attempts: number, now: Date) {
    await this.driver.query(`UPDATE enforcement_webhooks SET status = 'delivered', attempts = $2, updated_at = $3 WHERE id = $1`, [id, attempts, now.toISOString()]);
  }
  async markRetry(id: string, attempts: number, next: Date, error: string, now: Date) {
    await this.driver.query(`UPDATE enforcement_webhooks SET attempts = $2, next_attempt_at = $3, last_error = $4, updated_at = $5 WHERE id = $1`, [
      id, attempts, next.toISOString(), error.slice(0, 500), now.toISOString(),
    ]);
  }
  async markDead(id: string, attempts: number, error: string, now: Date) {
    await this.driver.query(`UPDATE enforcement_webhooks SET status = 'dead', attempts = $2, last_error = $3, updated_at = $4 WHERE id = $1`, [id, attempts, error.slice(0, 500), now.toISOString()]);
  }
  async list(status: WebhookStatus, limit = 500) {
    return (await this.driver.query<Row>(`SELECT * FROM enforcement_webhooks WHERE status = $1 ORDER BY created_at, id LIMIT $2`, [status, limit])).map(fromRow);
  }
  async deliveries(q: DeliveryQuery) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.target !== undefined) where.push(`target = $${params.push(q.target)}`);
    if (q.status !== undefined) where.push(`status = $${params.push(q.status)}`);
    const limit = `$${params.push(q.limit)}`;
    return (await this.driver.query<Row>(`SELECT * FROM enforcement_webhooks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`, params)).map(fromRow);
  }
  async get(id: string) {
    const r = (await this.driver.query<Row>('SELECT * FROM enforcement_webhooks WHERE id = $1', [id]))[0];
    return r ? fromRow(r) : undefined;
  }
  async redrive(now: Date, ids?: readonly string[], target?: string) {
    return (await this.redriveIds(now, { ...(ids ? { ids } : {}), ...(target !== undefined ? { target } : {}) })).length;
  }
  async redriveIds(now: Date, filter: { ids?: readonly string[]; target?: string }) {
    const params: unknown[] = [now.toISOString()];
    const where = ["status = 'dead'"];
    if (filter.ids) where.push(`id = ANY($${params.push([...filter.ids])}::text[])`);
    if (filter.target !== undefined) where.push(`target = $${params.push(filter.target)}`);
    const rows = await this.driver.query<{ id: string }>(
      `UPDATE enforcement_webhooks SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE ${where.join(' AND ')} RETURNING id`,
      params,
    );
    return rows.map((r) => r.id);
  }
  async countsByTarget() {
    const rows = await this.driver.query<{ target: string; status: WebhookStatus; n: unknown }>('SELECT target, status, count(*) AS n FROM enforcement_webhooks GROUP BY target, status ORDER BY target, status');
    return rows.map((r) => ({ target: r.target, status: r.status, count: toNum(r.n) }));
  }
}
