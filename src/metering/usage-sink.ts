// Where per-minute usage aggregates go. The store implements the real sink (an upsert that adds to existing rows),
// tests use the in-memory one.
import type { UsageOutcome } from './usage-outcome.js';

export interface UsageRow {
  orgId: string;
  keyId: string;
  model: string;
  /** Absent: admitted. */
  outcome?: UsageOutcome;
  /** Error code of a non-admitted outcome; '' or absent for admitted. */
  reason?: string;
  /** ISO time of the start of the minute (UTC), e.g. "2025-01-01T12:34:00.000Z". */
  minute: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageSink {
  /** Adds these rows to the stored aggregates (rows for an existing (org,key,model,outcome,reason,minute) must be summed). */
  write(rows: UsageRow[]): Promise<void>;
}

/** Keeps every written row; used by tests and by the gateway when no store is wired. */
export class MemoryUsageSink implements UsageSink {
  readonly rows: UsageRow[] = [];
  async write(rows: UsageRow[]): Promise<void> {
    this.rows.push(...rows.map((r) => ({ ...r })));
  }
}
