// Broadcasts committed changes without making anyone wait for Redis. The writer hands its change over after
// commit and returns; one publish is tried at once in the background, and a change whose publish failed (or
// whose process died first) stays in the store's outbox, where every gateway's periodic drain claims it with
// backoff until it is published or has used its attempts. Other gateways' version checks heal anything that
// is never published, so a failure here delays, it never loses.
import { Counter, Gauge, Registry } from 'prom-client';
import { claimOwedChanges, owedChangeCount, retryOwedChangeSoon, settleOwedChange } from '../store/change-outbox.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { Change, ChangeBus } from '../changes/change-bus.js';

export interface BroadcastLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ChangeBroadcasterOptions {
  driver: SqlDriver;
  bus: ChangeBus;
  /** Claims of one owed change before it is given up. */
  attempts: number;
  registry?: Registry;
  logger?: BroadcastLogger;
  now?: () => number;
}

/** Owed changes claimed per drain. */
const DRAIN_BATCH = 100;

export class ChangeBroadcaster {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly published: Counter<'result'>;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;
  private failing = false;

  constructor(private readonly opts: ChangeBroadcasterOptions) {
    this.now = opts.now ?? Date.now;
    const registry = opts.registry ?? new Registry();
    this.published = new Counter({
      name: 'moat_change_broadcasts_total',
      help: 'Change broadcasts by result: published, failed (left in the outbox for a retry), abandoned (out of attempts; the version check still heals).',
      labelNames: ['result'],
      registers: [registry],
    });
    const driver = opts.driver;
    new Gauge({
      name: 'moat_change_outbox_pending',
      help: 'Committed changes whose broadcast is still owed (store outbox rows).',
      registers: [registry],
      async collect() {
        this.set(await owedChangeCount(driver).catch(() => NaN));
      },
    });
  }

  /** Hands a committed change over: published in the background, never awaited by the writer. */
  publish(change: Change): void {
    this.track(this.tryPublish(change, 1));
  }

  /** Publishes what is owed and due (claimed with backoff); resolves to how many were published. */
  drain(): Promise<number> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  start(periodMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.drain().catch(() => undefined), periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async drainOnce(): Promise<number> {
    const owed = await claimOwedChanges(this.opts.driver, new Date(this.now()), DRAIN_BATCH);
    let n = 0;
    for (const o of owed) if (await this.tryPublish(o.change, o.attempts)) n++;
    return n;
  }

  /** One attempt; on success the outbox row goes, on the last failed attempt it is given up. */
  private async tryPublish(change: Change, attempt: number): Promise<boolean> {
    try {
      await this.opts.bus.publish(change);
    } catch (err) {
      const abandoned = attempt >= this.opts.attempts;
      this.published.inc({ result: abandoned ? 'abandoned' : 'failed' });
      if (abandoned) {
        this.opts.logger?.error({ err: String((err as Error)?.message ?? err), version: change.version, attempts: attempt }, 'change broadcast abandoned after its last attempt; other gateways pick the change up by their version check');
        await settleOwedChange(this.opts.driver, change.version).catch(() => undefined);
      } else {
        if (attempt === 1) await retryOwedChangeSoon(this.opts.driver, change.version, new Date(this.now())).catch(() => undefined);
        if (!this.failing) {
          this.failing = true;
          this.opts.logger?.warn({ err: String((err as Error)?.message ?? err), version: change.version }, 'change broadcast failed; the change is in force and kept in the outbox for a retry');
        }
      }
      return false;
    }
    this.published.inc({ result: 'published' });
    if (this.failing) {
      this.failing = false;
      this.opts.logger?.info({ version: change.version }, 'change broadcasts are getting through again');
    }
    // The store may be the part that is down; the row is then published again by a later drain (harmless).
    await settleOwedChange(this.opts.driver, change.version).catch(() => undefined);
    return true;
  }
}

/**
 * After a store write: make it effective in this process, then hand it to the broadcaster. The caller does
 * not wait for the broadcast. A failed local reload does not fail the (committed) write: the change's carried
 * states were applied already, and the view's version check retries the rest.
 */
export async function propagateChange(
  deps: { view: { applyChange(change: Change): Promise<void> }; broadcaster?: Pick<ChangeBroadcaster, 'publish'> | undefined; onError?: (err: unknown) => void },
  change: Change,
): Promise<void> {
  try {
    await deps.view.applyChange(change);
  } catch (err) {
    deps.onError?.(err);
  }
  deps.broadcaster?.publish(change);
}
