// Shared limiter on Redis: every admission is ONE EVALSHA that checks and reserves all applicable limits
// atomically, every settle is one more. A local fast path refuses callers whose counter is known to be
// exhausted until its next free time, without a round trip. When Redis is unreachable, `failMode` decides:
// `open` admits against a local MemoryLimiter (limits then hold per process), `closed` refuses with 503
// `limits_unavailable`. Either way a metric and one log line per transition, and the next admission after
// Redis returns uses Redis again.
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { MoatError } from '../errors/moat-error.js';
import { algoOf, reservationCost, actualCost, slidingParamsOf, type LimitStatus, type Reservation } from './admission.js';
import { specsOf } from './compile-limit-specs.js';
import { limitDenial } from './limit-denial.js';
import { windowMsOf, type ResolvedLimit } from './limit-spec.js';
import type { AdmitInput, AdmitResult, LimitInspector, Limiter, LimitSubject, LimitTicket, Usage } from './limiter.js';
import { limitsMetrics, type LimitsMetrics } from './limits-metrics.js';
import { DEFAULT_LEASE_MS, MemoryLimiter, ticketHeaders, type LimiterOptions } from './memory-limiter.js';
import { ADMIT_SCRIPT, SETTLE_SCRIPT } from './redis-scripts.js';
import { resolveKeyLimits, resolveLimits } from './resolve-limits.js';

/** The subset of an ioredis client the limiter uses (lets tests count round trips). */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

export interface RedisLimiterOptions extends LimiterOptions {
  redis: RedisScriptClient;
  /** Prefix of every Redis key; use a unique one per deployment (and per test run). Default `moat:limits:`. */
  keyPrefix?: string;
  /** Redis unreachable: `open` = local limits (default), `closed` = 503 limits_unavailable. */
  failMode?: 'open' | 'closed';
  /** Refuse known-exhausted counters locally. Default true. */
  localFastPath?: boolean;
  logger?: Logger;
  registry?: Registry;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const ADMIT_SHA = sha1(ADMIT_SCRIPT);
const SETTLE_SHA = sha1(SETTLE_SCRIPT);
const ALGO_CODE = { sliding: 's', anchored: 'a', concurrency: 'c' } as const;

export class RedisLimiter implements Limiter, LimitInspector {
  /** Redis commands sent (EVALSHA/EVAL): the round trips, for measurement and tests. */
  roundTrips = 0;
  private readonly opts: RedisLimiterOptions;
  private readonly clock: () => number;
  private readonly prefix: string;
  private readonly fallback: MemoryLimiter;
  private readonly log: Logger;
  private readonly metrics: LimitsMetrics;
  /** counter -> [blocked until, last status]: counters with nothing left, refused locally until then. */
  private readonly blocked = new Map<string, { until: number; status: LimitStatus }>();
  private up = true;

  constructor(opts: RedisLimiterOptions) {
    this.opts = opts;
    this.clock = opts.now ?? Date.now;
    this.prefix = opts.keyPrefix ?? 'moat:limits:';
    this.fallback = new MemoryLimiter(opts);
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.metrics = limitsMetrics(opts.registry ?? new Registry());
    this.metrics.backendUp.set(1);
  }

  private keyOf(l: ResolvedLimit): string {
    // Hash tag on the org: all counters of one request live in one cluster slot, so one script can touch them.
    return `${this.prefix}{${l.orgId}}:${l.counter}`;
  }

  private async run(sha: string, script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    this.roundTrips++;
    try {
      return await this.opts.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      this.roundTrips++; // first use after a Redis restart or SCRIPT FLUSH: send the script itself
      return await this.opts.redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  private markDown(op: string, err: unknown): void {
    const failMode = this.opts.failMode ?? 'open';
    this.metrics.backendFailures.inc({ op, fail_mode: failMode });
    if (!this.up) return;
    this.up = false;
    this.metrics.backendUp.set(0);
    this.log.warn({ err: String((err as Error)?.message ?? err), failMode, op }, `limits: Redis unreachable, failing ${failMode}`);
  }

  private markUp(): void {
    if (this.up) return;
    this.up = true;
    this.metrics.backendUp.set(1);
    this.log.info('limits: Redis reachable again, shared limits restored');
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const cfg = this.opts.limits();
    const now = input.facts.now;
    const convention = this.opts.headers === 'both' ? 'both' : input.facts.api;
    const limits = resolveLimits(input.facts, input.tier, input.grantId, input.features, specsOf(cfg));
    if (limits.length === 0) return { ok: true, ticket: { headers: {}, settle: async () => {} } };
    const costs = limits.map((l) => reservationCost(l.metric, input.facts, cfg.defaultMaxTokens));

    if (this.opts.localFastPath !== false) {
      const known = limits.flatMap((l, i) => {
        const b = this.blocked.get(l.counter);
        if (!b) return [];
        if (b.until <= now) {
          this.blocked.delete(l.counter);
          return [];
        }
        return (costs[i] ?? 0) > 0 ? [{ ...b.status, ok: false, used: b.status.limit.limit, remaining: 0, cost: costs[i] ?? 0, retryAt: b.until }] : [];
      });
      if (known.length) {
        this.metrics.fastPathRejections.inc();
        return { ok: false, error: limitDenial(known, now, cfg.hardCapSeconds * 1000, convention) };
      }
    }

    const ticketId = randomUUID();
    const leaseMs = this.opts.leaseMs ?? DEFAULT_LEASE_MS;
    const args: Array<string | number> = ['admit', now, ticketId, leaseMs];
    limits.forEach((l, i) => {
      const p = slidingParamsOf(l.metric);
      args.push(ALGO_CODE[algoOf(l.metric)], l.limit, windowMsOf(l.metric), p.bucketMs, costs[i] ?? 0);
    });
    let raw: unknown;
    try {
      raw = await this.run(ADMIT_SHA, ADMIT_SCRIPT, limits.map((l) => this.keyOf(l)), args);
    } catch (err) {
      this.markDown('admit', err);
      if ((this.opts.failMode ?? 'open') === 'closed') return { ok: false, error: new MoatError('limits_unavailable', undefined, { headers: { 'retry-after': '1' } }) };
      return this.fallback.admitNow(input);
    }
    this.markUp();
    const statuses = decodeStatuses(raw as number[], limits, costs);
    const ok = (raw as number[])[0] === 1;
    if (this.opts.localFastPath !== false) {
      for (const s of statuses) {
        if (algoOf(s.limit.metric) !== 'concurrency' && s.remaining <= 0 && s.nextFreeAt > now) this.blocked.set(s.limit.counter, { until: s.nextFreeAt, status: s });
      }
    }
    if (!ok) return { ok: false, error: limitDenial(statuses, now, cfg.hardCapSeconds * 1000, convention) };
    const reservations: Reservation[] = statuses.map((s) => ({ counter: s.limit.counter, metric: s.limit.metric, cost: s.cost, ref: s.ref }));
    const keys = limits.map((l) => this.keyOf(l));
    return { ok: true, ticket: this.ticket(ticketId, reservations, keys, ticketHeaders(this.opts.headers, input.facts.api, statuses, now)) };
  }

  private ticket(ticketId: string, reservations: Reservation[], keys: string[], headers: Record<string, string>): LimitTicket {
    let settled = false;
    return {
      headers,
      settle: async (usage?: Usage) => {
        if (settled) return;
        settled = true;
        const args: Array<string | number> = [this.clock(), ticketId];
        reservations.forEach((r) => {
          const delta = usage === undefined ? 0 : actualCost(r.metric, usage, r.cost) - r.cost;
          args.push(ALGO_CODE[algoOf(r.metric)], windowMsOf(r.metric), slidingParamsOf(r.metric).bucketMs, delta, r.ref);
          if (delta < 0) this.blocked.delete(r.counter); // refunded: the counter may have room again
        });
        try {
          await this.run(SETTLE_SHA, SETTLE_SCRIPT, keys, args);
          this.markUp();
        } catch (err) {
          // The reservation stays charged (conservative) and the concurrency lease expires after leaseMs.
          this.markDown('settle', err);
        }
      },
    };
  }

  async peek(subject: LimitSubject): Promise<LimitStatus[]> {
    const now = this.clock();
    const limits = resolveKeyLimits(subject, specsOf(this.opts.limits()));
    if (limits.length === 0) return [];
    const args: Array<string | number> = ['peek', now, '-', 0];
    for (const l of limits) args.push(ALGO_CODE[algoOf(l.metric)], l.limit, windowMsOf(l.metric), slidingParamsOf(l.metric).bucketMs, 0);
    try {
      const raw = await this.run(ADMIT_SHA, ADMIT_SCRIPT, limits.map((l) => this.keyOf(l)), args);
      this.markUp();
      return decodeStatuses(raw as number[], limits, limits.map(() => 0));
    } catch (err) {
      this.markDown('peek', err);
      return this.fallback.peek(subject);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.opts.redis.quit().catch(() => undefined);
    this.opts.redis.disconnect();
  }
}

function decodeStatuses(raw: number[], limits: readonly ResolvedLimit[], costs: readonly number[]): LimitStatus[] {
  return limits.map((l, i) => {
    const o = 1 + i * 7;
    const n = (k: number) => Number(raw[o + k]);
    const retry = n(4);
    return {
      ok: n(0) === 1,
      used: n(1),
      remaining: n(2),
      resetAt: n(3),
      ...(retry === -2 ? {} : { retryAt: retry === -1 ? Infinity : retry }),
      nextFreeAt: n(5),
      ref: n(6),
      limit: l,
      cost: costs[i] ?? 0,
    };
  });
}

export interface CreateRedisLimiterOptions extends Omit<RedisLimiterOptions, 'redis'> {
  /** Redis URL, e.g. redis://127.0.0.1:6379. */
  url: string;
  /** Connect and per-command timeout (ms); admissions never wait longer than this for Redis. Default 500. */
  timeoutMs?: number;
}

/**
 * Creates the ioredis client (no offline queue, no per-request retries: an unreachable Redis fails fast
 * into failMode) and waits up to `timeoutMs` for the first connection; a Redis that is down at start
 * leaves the limiter on its fail mode until it comes up.
 */
export async function createRedisLimiter(opts: CreateRedisLimiterOptions): Promise<RedisLimiter> {
  const timeoutMs = opts.timeoutMs ?? 500;
  const redis = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (times: number) => Math.min(50 * times, 1_000),
  });
  redis.on('error', () => undefined); // reported through the limiter's metric and log instead
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      redis.off('ready', done);
      resolve();
    };
    const t = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
  const limiter = new RedisLimiter({ ...opts, redis });
  return limiter;
}
