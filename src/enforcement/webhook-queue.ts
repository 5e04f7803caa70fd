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
  /** Moves dead deliveries (all, or the given ids) back to pending, due now, with attempts reset. Returns how many. */
  redrive(now: Date, ids?: readonly string[]): Promise<number>;
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
  async redrive(now: Date, ids?: readonly string[]) {
    let n = 0;
    for (const r of this.rows.values()) {
      if (r.status !== 'dead' || (ids && !ids.includes(r.id))) continue;
      this.rows.set(r.id, { ...r, status: 'pending', attempts: 0, nextAttemptAt: now.toISOString(), updatedAt: now.toISOString() });
      n++;
    }
    return n;
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
  async redrive(now: Date, ids?: readonly string[]) {
    const rows = await this.driver.query(
      `UPDATE enforcement_webhooks SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1
       WHERE status = 'dead' ${ids ? 'AND id = ANY($2::text[])' : ''} RETURNING id`,
      ids ? [now.toISOString(), [...ids]] : [now.toISOString()],
    );
    return rows.length;
  }
}
