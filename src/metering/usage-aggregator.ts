// In-memory per (org, key, model, outcome, reason, minute) usage counters. The hot path only adds to a map; a timer flushes the
// map to the store every metering.flushMs, so metering never puts a database write on a request.
// A row the store refuses while others in the same flush are written (a value it cannot hold) is dropped and
// reported instead of being retried forever: one poisoned row must not hold back every later flush.
import type { ConsumerHealth } from '../events/consumer-supervisor.js';
import type { Clock } from '../ops/clock.js';
import type { UsageOutcome } from './usage-outcome.js';
import type { UsageRow, UsageSink } from './usage-sink.js';

export interface UsageRecord {
  orgId: string;
  keyId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Absent: admitted (callers that meter only served requests). */
  outcome?: UsageOutcome;
  /** The error code behind a non-admitted outcome. */
  reason?: string;
}

const MINUTE_MS = 60_000;

export class UsageAggregator {
  private pending = new Map<string, UsageRow>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: UsageSink,
    private readonly clock: Clock,
    private readonly onFlushError: (err: unknown) => void = () => {},
    private readonly health?: ConsumerHealth,
  ) {}

  /** Counts one finished request in the minute of the injected clock's current time. */
  record(r: UsageRecord): void {
    const minuteMs = Math.floor(this.clock.now() / MINUTE_MS) * MINUTE_MS;
    const outcome = r.outcome ?? 'admitted';
    const reason = r.reason ?? '';
    const k = `${r.orgId}\u0000${r.keyId}\u0000${r.model}\u0000${outcome}\u0000${reason}\u0000${minuteMs}`;
    let row = this.pending.get(k);
    if (!row) {
      row = { orgId: r.orgId, keyId: r.keyId, model: r.model, outcome, reason, minute: new Date(minuteMs).toISOString(), requests: 0, inputTokens: 0, outputTokens: 0 };
      this.pending.set(k, row);
    }
    row.requests += 1;
    row.inputTokens += tokens(r.inputTokens);
    row.outputTokens += tokens(r.outputTokens);
  }

  /** Rows not yet written (for tests and `/admin/usage` freshness). */
  pendingRows(): UsageRow[] {
    return [...this.pending.values()].map((r) => ({ ...r }));
  }

  /**
   * Writes everything pending to the sink. Flushes never overlap; rows of a failed write are merged back so the
   * next flush retries them (counts are added, never lost or doubled by the aggregator).
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.sink.write([...batch.values()]);
      return;
    } catch (err) {
      if (batch.size === 1) return this.keep(batch, err);
    }
    // Row by row: if some rows go in, the ones that do not are poisoned; if none do, the store is down.
    const refused = new Map<string, UsageRow>();
    let lastErr: unknown;
    for (const [k, row] of batch) {
      try {
        await this.sink.write([row]);
      } catch (err) {
        refused.set(k, row);
        lastErr = err;
      }
    }
    if (refused.size === batch.size) return this.keep(refused, lastErr);
    for (const row of refused.values()) this.health?.eventFailed('metering', new Error(`usage row refused by the store: ${row.orgId} ${row.keyId} ${row.minute}: ${String((lastErr as Error)?.message ?? lastErr)}`));
  }

  /** Merges rows of a failed write back into pending, so the next flush retries them (added, never doubled). */
  private keep(rows: Map<string, UsageRow>, err: unknown): void {
    for (const [k, row] of rows) {
      const cur = this.pending.get(k);
      if (!cur) this.pending.set(k, row);
      else {
        cur.requests += row.requests;
        cur.inputTokens += row.inputTokens;
        cur.outputTokens += row.outputTokens;
      }
    }
    this.onFlushError(err);
  }

  start(flushMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** Token counts as the store can hold them: a finite, non-negative integer (an upstream may report anything). */
function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0;
}
