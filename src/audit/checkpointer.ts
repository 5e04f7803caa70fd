// Writes a signed checkpoint of the audit head every few minutes (and at shutdown) when the head moved. Before
// signing, it verifies that the entries since the previous checkpoint extend it (links and MACs), so a signed
// head is never one that was forged in the database meanwhile: a break is reported instead (and no checkpoint
// written until an operator looks), which is itself the alarm.
import type { KeyObject } from 'node:crypto';
import type { SqlExecutor } from '../sql/sql-driver.js';
import { GENESIS_HASH, verifyAuditChain, type AuditEntry, type AuditKey, type AuditVerification } from './audit-chain.js';
import { auditHead, listAudit } from './audit-log.js';
import { appendCheckpoint, latestCheckpoint, signCheckpoint, type AuditCheckpoint } from './checkpoint.js';

export interface CheckpointerOptions {
  store: SqlExecutor;
  key: AuditKey;
  signingKey: KeyObject;
  file: string;
  now: () => number;
  /** Also send each checkpoint here (an external sink); failures are reported, the file is still written. */
  publish?: (c: AuditCheckpoint) => Promise<void>;
  /** The log does not extend the last checkpoint, or a publish failed. */
  onProblem: (message: string, detail?: unknown) => void;
}

export class AuditCheckpointer {
  private last: AuditCheckpoint | undefined;
  private loaded = false;
  private running: Promise<AuditCheckpoint | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: CheckpointerOptions) {}

  /** The newest checkpoint written (from the file, then kept in memory). */
  latest(): AuditCheckpoint | undefined {
    if (!this.loaded) {
      this.last = latestCheckpoint(this.o.file);
      this.loaded = true;
    }
    return this.last;
  }

  /** Signs and writes a checkpoint if the head moved since the last one; serialised. */
  checkpoint(): Promise<AuditCheckpoint | undefined> {
    this.running ??= this.once().finally(() => (this.running = undefined));
    return this.running;
  }

  private async once(): Promise<AuditCheckpoint | undefined> {
    const last = this.latest();
    const head = await auditHead(this.o.store);
    if (last && head.seq === last.seq && head.hash === last.hash) return undefined;
    const since: AuditEntry[] = [];
    for (let after = last?.seq ?? 0; ; ) {
      const page = await listAudit(this.o.store, { afterSeq: after, limit: 5000 });
      since.push(...page);
      if (page.length < 5000) break;
      after = (page[page.length - 1] as AuditEntry).seq;
    }
    const macFrom = last?.macFrom ?? since.find((e) => e.mac)?.seq ?? head.seq + 1;
    const v: AuditVerification = verifyAuditChain(since, { from: last ?? { seq: 0, hash: GENESIS_HASH }, key: this.o.key, macFrom });
    if (!v.ok || v.lastSeq !== head.seq || v.headHash !== head.hash) {
      const why = !v.ok ? `${v.problem}: ${v.message}` : `the log's head (seq ${head.seq}) is not where its entries end (seq ${v.lastSeq})`;
      this.o.onProblem(`audit log does not extend the last checkpoint${last ? ` (seq ${last.seq})` : ''}; no checkpoint written: ${why}`);
      return undefined;
    }
    const c = signCheckpoint(this.o.signingKey, { seq: head.seq, hash: head.hash, ts: new Date(this.o.now()).toISOString(), macFrom });
    appendCheckpoint(this.o.file, c);
    this.last = c;
    if (this.o.publish) await this.o.publish(c).catch((err: unknown) => this.o.onProblem('publishing an audit checkpoint failed', err));
    return c;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.checkpoint().catch((err: unknown) => this.o.onProblem('writing an audit checkpoint failed', err)), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes a last checkpoint (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checkpoint().catch((err: unknown) => this.o.onProblem('writing an audit checkpoint failed', err));
  }
}
