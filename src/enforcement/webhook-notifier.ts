// Delivers queued webhooks: signed, at least once, with exponential backoff and jitter, then dead-lettered.
// Only to addresses the policy allows (webhook-address.ts), checked on the address actually connected to.
// Time, randomness, timers, DNS and HTTP are injected so tests run without sleeping.
import type { lookup as dnsLookup } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Clock } from '../ops/clock.js';
import type { OperationsMetrics } from '../ops/metrics.js';
import { WebhookAddressPolicy } from './webhook-address.js';
import { webhookHeaders } from './webhook-signature.js';
import type { NewDelivery, WebhookDelivery, WebhookQueue } from './webhook-queue.js';

export interface WebhookNotifierOptions {
  queue: WebhookQueue;
  /** Secret(s) for a delivery's target (`ops`, `customer:<orgId>`); several during a secret roll's grace. */
  secretFor(target: string): string | readonly string[] | Promise<string | readonly string[]>;
  clock: Clock;
  /** [0, 1); default Math.random. */
  random?: () => number;
  fetch?: typeof undiciFetch;
  /** Where deliveries may go; default: public addresses only. */
  addresses?: WebhookAddressPolicy;
  /** DNS resolution checked and connected to (tests inject a rebinding resolver). */
  resolve?: typeof dnsLookup;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void };
  onError?: (e: unknown) => void;
  /** Attempts by target kind and result, counted for /metrics. */
  metrics?: Pick<OperationsMetrics, 'webhookDeliveries'>;
}

export interface PumpResult {
  delivered: number;
  retried: number;
  dead: number;
}

/** Delay before attempt n+1 after n failures: base * 2^(n-1), capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export class WebhookNotifier {
  private readonly o: Required<Omit<WebhookNotifierOptions, 'timers' | 'onError' | 'addresses' | 'resolve' | 'metrics'>> & Pick<WebhookNotifierOptions, 'timers' | 'onError' | 'metrics'>;
  private readonly addresses: WebhookAddressPolicy;
  private readonly dispatcher: Agent;
  private timer: unknown;
  private running: Promise<PumpResult> | undefined;
  private stopped = false;

  constructor(opts: WebhookNotifierOptions) {
    this.o = { random: Math.random, fetch: undiciFetch, maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000, timeoutMs: 10_000, ...opts };
    this.addresses = opts.addresses ?? new WebhookAddressPolicy();
    this.dispatcher = new Agent({ connect: { lookup: this.addresses.lookup(opts.resolve) } });
  }

  /** Writes the notice to the outbox (durable) and returns; delivery happens in deliverDue(). */
  async enqueue(d: NewDelivery): Promise<WebhookDelivery> {
    return this.o.queue.enqueue(d, new Date(this.o.clock.now()));
  }

  /** One try: undefined when delivered, else why not; `permanent` when retrying cannot help (a refused URL). */
  private async attempt(d: WebhookDelivery): Promise<{ error: string; permanent: boolean } | undefined> {
    const refused = this.addresses.urlProblem(d.url);
    if (refused) return { error: `refused: ${refused}`, permanent: true };
    const now = this.o.clock.now();
    const secrets = await this.o.secretFor(d.target);
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), this.o.timeoutMs);
    try {
      const res = await this.o.fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...webhookHeaders(secrets, d.id, d.body, now), 'moat-event': d.event },
        body: d.body,
        signal: ctrl.signal,
        redirect: 'manual',
        dispatcher: this.dispatcher,
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? undefined : { error: `HTTP ${res.status}`, permanent: false };
    } catch (e) {
      const err = e as Error & { cause?: { message?: string } };
      return { error: err.name === 'AbortError' ? `timeout after ${this.o.timeoutMs} ms` : (err.cause?.message ?? err.message), permanent: false };
    } finally {
      clearTimeout(t);
    }
  }

  /** One pass over due deliveries (serialised: concurrent calls share the pass in progress). */
  deliverDue(limit = 100): Promise<PumpResult> {
    this.running ??= this.pass(limit).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(limit: number): Promise<PumpResult> {
    const out: PumpResult = { delivered: 0, retried: 0, dead: 0 };
    const due = await this.o.queue.due(new Date(this.o.clock.now()), limit);
    for (const d of due) {
      const failure = await this.attempt(d);
      const attempts = d.attempts + 1;
      const now = new Date(this.o.clock.now());
      const target = d.target === 'ops' ? 'ops' : 'customer';
      this.o.metrics?.webhookDeliveries.inc({ target, result: failure === undefined ? 'delivered' : failure.permanent || attempts >= this.o.maxAttempts ? 'dead' : 'failed' });
      if (failure === undefined) {
        await this.o.queue.markDelivered(d.id, attempts, now);
        out.delivered++;
      } else if (failure.permanent || attempts >= this.o.maxAttempts) {
        await this.o.queue.markDead(d.id, attempts, failure.error, now);
        out.dead++;
      } else {
        const next = new Date(now.getTime() + backoffDelay(attempts, this.o.baseDelayMs, this.o.maxDelayMs, this.o.random));
        await this.o.queue.markRetry(d.id, attempts, next, failure.error, now);
        out.retried++;
      }
    }
    return out;
  }

  /** Polls the outbox every `intervalMs` (with injected timers in tests). */
  start(intervalMs = 1_000): void {
    const timers = this.o.timers ?? { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.deliverDue()
        .catch((e) => this.o.onError?.(e))
        .finally(() => {
          if (!this.stopped) this.timer = timers.setTimeout(tick, intervalMs);
        });
    };
    this.timer = timers.setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const timers = this.o.timers ?? { clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.dispatcher.close();
  }
}
