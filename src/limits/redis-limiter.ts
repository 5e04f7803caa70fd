// Shared limiter on Redis: every admission is ONE EVALSHA that checks and reserves all applicable limits
// atomically; settles are one more per org and event-loop turn (those finishing together share it). A local fast
// path refuses callers whose counter is known to be exhausted until its next free time, without a round trip. When
// Redis is unreachable, `failMode` decides: `open` admits against a local MemoryLimiter that starts from the
// shared usage last seen (so N gateways admit at most N x L in a window), `closed` refuses with 503
// `limits_unavailable`. Either way a metric and one log line per transition. When Redis answers again, what was
// admitted locally is added to the shared counters and releases that could not be sent are sent, before admissions
// use Redis again. Concurrency leases are short and renewed while requests run (lease-keeper.ts).
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { MoatError } from '../errors/moat-error.js';
import { reservationCosts, settleDelta } from './admission.js';
import { specsOf } from './compile-limit-specs.js';
import { limitDenial } from './limit-denial.js';
import { planLimit, planLimits, type PlannedLimit } from './limit-plan.js';
import type { AdmitInput, AdmitResult, LimitInspector, Limiter, LimitStatus, LimitSubject, Usage } from './limiter.js';
import { limitsMetrics, type LimitsMetrics } from './limits-metrics.js';
import { AdmissionTicket } from './admission-ticket.js';
import { DEFAULT_LEASE_MS, MemoryLimiter, type LimiterOptions } from './memory-limiter.js';
import { ADMIT_SCRIPT, LEASE_SCRIPT, RECONCILE_SCRIPT, SETTLE_SCRIPT } from './redis-scripts.js';
import { LeaseKeeper } from './lease-keeper.js';
import { FailOpenLedger } from './fail-open-ledger.js';
import { resolveKeyLimits } from './resolve-limits.js';
import { effectiveThrottle, throttledPlan, throttleResolved } from './throttle.js';
import { closeRedis, type ClosableRedis } from '../redis/close-redis.js';

/** The subset of an ioredis client the limiter uses (lets tests count round trips). */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  ping(): Promise<unknown>;
  readonly status: ClosableRedis['status'];
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
  /** How often running requests' leases are renewed (and owed releases retried). Default leaseMs / 3; 0 = never. */
  renewEveryMs?: number;
}

/** Concurrency lease in Redis: short, because it is renewed while the request runs. */
export const DEFAULT_REDIS_LEASE_MS = 15_000;

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const ADMIT_SHA = sha1(ADMIT_SCRIPT);
const SETTLE_SHA = sha1(SETTLE_SCRIPT);
const LEASE_SHA = sha1(LEASE_SCRIPT);
const RECONCILE_SHA = sha1(RECONCILE_SCRIPT);
const ALGO_CODE = { sliding: 's', anchored: 'a', concurrency: 'c' } as const;
/** Past this many locally blocked counters, expired entries are dropped (bounded memory for many keys). */
const MAX_BLOCKED = 10_000;

/** The parts of a plan's script arguments that do not change per request, built once per plan and limiter. */
interface PlanWire {
  keys: string[];
  algos: string[];
  /** Per limit: algo, limit, windowMs, bucketMs (the ADMIT_SCRIPT layout minus the cost). */
  admitArgs: Array<string | number>;
  /** The concurrency counters among `keys`. */
  leaseKeys: string[];
}

/** Settles of one org gathered during one event-loop turn. */
interface PendingSettle {
  keys: string[];
  /** Per key: the SETTLE_SCRIPT arguments of that reservation. */
  args: Array<string | number>;
  /** Concurrency leases among them, to release later if the call fails. */
  leases: Array<{ ticketId: string; keys: string[] }>;
}

export class RedisLimiter implements Limiter, LimitInspector {
  /** Redis commands sent (EVALSHA/EVAL): the round trips, for measurement and tests. */
  roundTrips = 0;
  private readonly opts: RedisLimiterOptions;
  private readonly clock: () => number;
  private readonly prefix: string;
  private fallback: MemoryLimiter;
  private readonly leaseMs: number;
  private readonly leases: LeaseKeeper;
  private readonly ledger = new FailOpenLedger();
  private readonly renewTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<boolean> | undefined;
  private readonly log: Logger;
  private readonly metrics: LimitsMetrics;
  /** counter -> [blocked until, last status]: counters with nothing left, refused locally until then. */
  private readonly blocked = new Map<string, { until: number; status: LimitStatus }>();
  private readonly wires = new WeakMap<readonly PlannedLimit[], PlanWire>();
  /** Ticket ids name concurrency leases shared by every gateway: a random per-limiter prefix plus a counter. */
  private readonly ticketPrefix = `${randomBytes(9).toString('base64url')}:`;
  private tickets = 0;
  private up = true;
  /** Settles waiting for the end of this event-loop turn, by org: each org's go to Redis as one script call. */
  private pendingSettles = new Map<string, PendingSettle>();
  private settleFlush: Promise<void> | undefined;

  constructor(opts: RedisLimiterOptions) {
    this.opts = opts;
    this.clock = opts.now ?? Date.now;
    this.prefix = opts.keyPrefix ?? 'moat:limits:';
    this.leaseMs = opts.leaseMs ?? DEFAULT_REDIS_LEASE_MS;
    // Local leases are released synchronously at settle: they need no renewal, so they keep the long default.
    this.fallback = this.newFallback();
    this.leases = new LeaseKeeper((keys, args) => this.run(LEASE_SHA, LEASE_SCRIPT, keys.length, [...keys, ...args]), this.leaseMs, this.clock);
    const renewEvery = opts.renewEveryMs ?? Math.floor(this.leaseMs / 3);
    if (renewEvery > 0) {
      this.renewTimer = setInterval(() => void this.renewLeases(), renewEvery);
      this.renewTimer.unref();
    }
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.metrics = limitsMetrics(opts.registry ?? new Registry());
    this.metrics.backendUp.set(1);
  }

  private wireOf(plan: readonly PlannedLimit[]): PlanWire {
    let w = this.wires.get(plan);
    if (!w) {
      w = { keys: [], algos: [], admitArgs: [], leaseKeys: [] };
      for (const p of plan) {
        // Hash tag on the org: all counters of one request live in one cluster slot, so one script can touch them.
        const key = `${this.prefix}{${p.limit.orgId}}:${p.limit.counter}`;
        w.keys.push(key);
        if (p.algo === 'concurrency') w.leaseKeys.push(key);
        w.algos.push(ALGO_CODE[p.algo]);
        w.admitArgs.push(ALGO_CODE[p.algo], p.limit.limit, p.windowMs, p.params.bucketMs);
      }
      this.wires.set(plan, w);
    }
    return w;
  }

  /** One EVALSHA; `keysAndArgs` holds `numKeys` keys, then the script's ARGV. */
  private async run(sha: string, script: string, numKeys: number, keysAndArgs: Array<string | number>): Promise<unknown> {
    this.roundTrips++;
    try {
      return await this.opts.redis.evalsha(sha, numKeys, ...keysAndArgs);
    } catch (err) {
      if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      this.roundTrips++; // first use after a Redis restart or SCRIPT FLUSH: send the script itself (Redis caches it)
      return await this.opts.redis.eval(script, numKeys, ...keysAndArgs);
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
    // Fresh local counters for the next outage, seeded again from what Redis reports until then.
    void this.fallback.close();
    this.fallback = this.newFallback();
    this.metrics.backendUp.set(1);
    this.log.info('limits: Redis reachable again, shared limits restored');
  }

  private newFallback(): MemoryLimiter {
    return new MemoryLimiter({ ...this.opts, leaseMs: DEFAULT_LEASE_MS });
  }

  /**
   * Back from an outage: add what was admitted locally to the shared counters, send owed releases and renew
   * running leases; only then is Redis used for admissions again. Resolves to whether Redis took it all.
   */
  private reconcile(): Promise<boolean> {
    this.reconciling ??= (async () => {
      let sent: boolean;
      try {
        sent = await this.ledger.flush((keys, args) => this.run(RECONCILE_SHA, RECONCILE_SCRIPT, keys.length, [...keys, ...args]), this.clock());
        sent = (await this.leases.renew()) || sent;
      } catch (err) {
        this.markDown('reconcile', err);
        return false;
      }
      // Nothing was owed, so nothing was asked of Redis: the admission that follows finds out whether it is back.
      if (!sent) return true;
      this.markUp();
      return true;
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /** The heartbeat: renews running requests' leases and sends owed releases (after an outage, reconciles). */
  async renewLeases(): Promise<void> {
    if (!this.up || this.ledger.owes) {
      // Nothing owed means reconcile asked nothing of Redis: ask it directly, so the limiter (and its
      // backend-up gauge) returns to Redis after an outage without waiting for the next admission.
      if ((await this.reconcile()) && !this.up) await this.ping();
      return;
    }
    try {
      await this.leases.renew();
    } catch (err) {
      this.markDown('renew', err);
    }
  }

  private async ping(): Promise<void> {
    try {
      await this.opts.redis.ping();
    } catch (err) {
      this.markDown('ping', err);
      return;
    }
    this.markUp();
  }

  /** Whether Redis answered the last call; concurrency leases running here; releases still owed (tests, metrics). */
  get leaseState(): { redisUp: boolean; running: number; owedReleases: number } {
    return { redisUp: this.up, running: this.leases.running, owedReleases: this.leases.owed };
  }

  /** Statuses of counters known to be exhausted for this request (local fast path), or undefined. */
  private knownExhausted(plan: readonly PlannedLimit[], costs: readonly number[], now: number): LimitStatus[] | undefined {
    let known: LimitStatus[] | undefined;
    for (let i = 0; i < plan.length; i++) {
      const limit = plan[i]!.limit;
      const counter = limit.counter;
      const b = this.blocked.get(counter);
      if (!b) continue;
      // Blocked under another limit value (a throttle began or ended, the policy changed): let Redis decide.
      if (b.until <= now || b.status.limit.limit !== limit.limit) {
        this.blocked.delete(counter);
        continue;
      }
      const cost = costs[i] ?? 0;
      if (cost > 0) (known ??= []).push({ ...b.status, ok: false, used: b.status.limit.limit, remaining: 0, cost, retryAt: b.until });
    }
    return known;
  }

  private block(statuses: readonly LimitStatus[], now: number, admitted: boolean): void {
    for (const s of statuses) {
      // A refused admission reserved nothing: a counter that passed its check is not full because of it.
      if (!admitted && s.ok) continue;
      if (s.remaining <= 0 && s.nextFreeAt > now && s.limit.metric.kind !== 'concurrency') this.blocked.set(s.limit.counter, { until: s.nextFreeAt, status: s });
    }
    if (this.blocked.size > MAX_BLOCKED) {
      for (const [c, b] of this.blocked) if (b.until <= now) this.blocked.delete(c);
      // Still too many: forget them all (the fast path only saves round trips; Redis still decides).
      if (this.blocked.size > MAX_BLOCKED) this.blocked.clear();
    }
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const cfg = this.opts.limits();
    const facts = input.facts;
    const now = facts.now;
    const convention = this.opts.headers === 'both' ? 'both' : facts.api;
    const plan = throttledPlan(planLimits(cfg, facts, input.tier, input.grantId, input.features), effectiveThrottle(cfg, facts.orgId, input.orgAttributes, now));
    if (plan.length === 0) return { ok: true, ticket: { headers: {}, settle: async () => {} } };
    const costs = reservationCosts(plan, facts, cfg.defaultMaxTokens, input.batch);
    const fastPath = this.opts.localFastPath !== false;

    if (fastPath && this.blocked.size > 0) {
      const known = this.knownExhausted(plan, costs, now);
      if (known) {
        this.metrics.fastPathRejections.inc();
        return { ok: false, error: limitDenial(known, now, cfg.hardCapSeconds * 1000, convention) };
      }
    }

    const w = this.wireOf(plan);
    // After an outage, the shared counters first get what was admitted locally meanwhile.
    if ((!this.up || this.ledger.owes) && !(await this.reconcile())) return this.admitWithoutRedis(input, plan, w, costs, now);
    const ticketId = this.ticketPrefix + (++this.tickets).toString(36);
    const argv: Array<string | number> = w.keys.slice();
    argv.push('admit', now, ticketId, this.leaseMs);
    for (let i = 0; i < plan.length; i++) {
      const o = i * 4;
      argv.push(w.admitArgs[o]!, w.admitArgs[o + 1]!, w.admitArgs[o + 2]!, w.admitArgs[o + 3]!, costs[i] ?? 0);
    }
    let raw: unknown;
    try {
      raw = await this.run(ADMIT_SHA, ADMIT_SCRIPT, plan.length, argv);
    } catch (err) {
      this.markDown('admit', err);
      // The script may have run and taken slots whose answer was lost: release them when Redis is back (a
      // release of a ticket Redis never saw removes nothing), or the slots stay taken until the lease ends.
      if (w.leaseKeys.length) this.leases.releaseLater(ticketId, w.leaseKeys);
      return this.admitWithoutRedis(input, plan, w, costs, now);
    }
    this.markUp();
    const statuses = decodeStatuses(raw as number[], plan, costs);
    const admitted = (raw as number[])[0] === 1;
    if (fastPath) this.block(statuses, now, admitted);
    this.ledger.observe(plan, statuses, now);
    if (!admitted) return { ok: false, error: limitDenial(statuses, now, cfg.hardCapSeconds * 1000, convention) };
    if (w.leaseKeys.length) this.leases.hold(ticketId, w.leaseKeys, now);
    // Settle on the admission's clock plus the time elapsed since (see MemoryLimiter.admitNow).
    const since = this.clock();
    return {
      ok: true,
      ticket: new AdmissionTicket(this.opts.headers, facts.api, statuses, now, (usage) => this.settleTicket(plan, w, statuses, ticketId, usage, now + (this.clock() - since))),
    };
  }

  /** Redis unreachable: fail closed, or admit locally from the shared usage last seen and owe the result. */
  private admitWithoutRedis(input: AdmitInput, plan: readonly PlannedLimit[], w: PlanWire, costs: readonly number[], now: number): AdmitResult {
    if ((this.opts.failMode ?? 'open') === 'closed') return { ok: false, error: new MoatError('limits_unavailable', undefined, { headers: { 'retry-after': '1' } }) };
    for (const p of plan) {
      if (p.algo === 'concurrency') continue;
      const seen = this.ledger.takeSeen(p.limit.counter);
      if (seen) this.fallback.seed(p, seen);
    }
    const r = this.fallback.admitNow(input);
    if (!r.ok) return r;
    this.ledger.record(plan, w.keys, costs, now);
    const ticket = r.ticket;
    const since = this.clock();
    let settled = false;
    return {
      ok: true,
      ticket: {
        get headers() {
          return ticket.headers;
        },
        settle: async (usage) => {
          if (settled) return;
          settled = true;
          await ticket.settle(usage);
          if (usage === undefined) return;
          this.ledger.settled(plan, w.keys, costs, usage, now + (this.clock() - since));
          // Settled after Redis came back: what is owed goes now rather than at the next outage.
          if (this.up) void this.reconcile();
        },
      },
    };
  }

  /**
   * One EVALSHA over the counters that need work: concurrency leases to release and token counters whose real
   * usage differs from the reservation. Nothing to do (e.g. only request counts) -> no round trip.
   */
  private settleTicket(plan: readonly PlannedLimit[], w: PlanWire, statuses: readonly LimitStatus[], ticketId: string, usage: Usage | undefined, now: number): Promise<void> {
    this.leases.ended(ticketId);
    const orgId = plan[0]!.limit.orgId;
    let batch = this.pendingSettles.get(orgId);
    const keysBefore = batch?.keys.length ?? 0;
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      const st = statuses[i]!;
      const delta = settleDelta(p, st.cost, usage);
      if (delta === 0 && p.algo !== 'concurrency') continue;
      if (delta < 0) this.blocked.delete(p.limit.counter); // refunded: the counter may have room again
      if (!batch) this.pendingSettles.set(orgId, (batch = { keys: [], args: [], leases: [] }));
      batch.keys.push(w.keys[i]!);
      batch.args.push(w.algos[i]!, p.windowMs, p.params.bucketMs, delta, st.ref, now, ticketId);
    }
    if (!batch || batch.keys.length === keysBefore) return Promise.resolve();
    if (w.leaseKeys.length) batch.leases.push({ ticketId, keys: w.leaseKeys });
    // Settles of one turn (responses finishing together under load) share one script call per org.
    return (this.settleFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushSettles()));
  }

  private async flushSettles(): Promise<void> {
    const batches = this.pendingSettles;
    this.pendingSettles = new Map();
    this.settleFlush = undefined;
    await Promise.all(
      [...batches.values()].map(async (b) => {
        try {
          await this.run(SETTLE_SHA, SETTLE_SCRIPT, b.keys.length, [...b.keys, ...b.args]);
          this.markUp();
        } catch (err) {
          // The reservations stay charged (conservative); slots are released with the next renewal that gets through.
          this.markDown('settle', err);
          for (const l of b.leases) this.leases.releaseLater(l.ticketId, l.keys);
        }
      }),
    );
  }

  async peek(subject: LimitSubject): Promise<LimitStatus[]> {
    const now = subject.now ?? this.clock();
    const cfg = this.opts.limits();
    const factor = effectiveThrottle(cfg, subject.orgId, subject.orgAttributes, now);
    const plan = resolveKeyLimits(subject, specsOf(cfg)).map((l) => planLimit(throttleResolved(l, factor)));
    if (plan.length === 0) return [];
    const w = this.wireOf(plan);
    const argv: Array<string | number> = [...w.keys, 'peek', now, '-', 0];
    for (let i = 0; i < plan.length; i++) argv.push(...w.admitArgs.slice(i * 4, i * 4 + 4), 0);
    try {
      const raw = await this.run(ADMIT_SHA, ADMIT_SCRIPT, plan.length, argv);
      this.markUp();
      return decodeStatuses(raw as number[], plan, plan.map(() => 0));
    } catch (err) {
      this.markDown('peek', err);
      return this.fallback.peek(subject);
    }
  }

  async close(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.settleFlush;
    await this.reconciling;
    await this.fallback.close();
    await closeRedis(this.opts.redis);
  }
}

function decodeStatuses(raw: number[], plan: readonly PlannedLimit[], costs: readonly number[]): LimitStatus[] {
  const out: LimitStatus[] = [];
  for (let i = 0; i < plan.length; i++) {
    const o = 1 + i * 7;
    const n = (k: number) => Number(raw[o + k]);
    const retry = n(4);
    const s: LimitStatus = { ok: n(0) === 1, used: n(1), remaining: n(2), resetAt: n(3), nextFreeAt: n(5), ref: n(6), limit: plan[i]!.limit, cost: costs[i] ?? 0 };
    if (retry !== -2) s.retryAt = retry === -1 ? Infinity : retry;
    out.push(s);
  }
  return out;
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
    // Admissions and settles issued in the same event-loop turn go out as one write and are read back as one:
    // fewer syscalls on both ends under load, the same commands and replies.
    enableAutoPipelining: true,
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
