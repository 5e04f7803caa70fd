// Keeps fail-open within its documented bound. While Redis answers, the limiter remembers the shared usage it
// last saw per counter; when Redis stops answering, a local counter starts from that usage instead of zero,
// so a gateway does not admit a full limit again on top of what was already admitted. What is admitted
// locally meanwhile is written down and added to the shared counters when Redis is back, before this
// gateway admits through Redis again, so the window that spans the outage still counts it.
import type { LimitStatus, Usage } from './limiter.js';
import { settleDelta } from './admission.js';
import type { PlannedLimit } from './limit-plan.js';
import type { ScriptRunner } from './lease-keeper.js';
import { byHashTag } from './redis-key-groups.js';

/** Counters remembered; past this the memory starts over (fail-open is then per process, as before). */
const MAX_REMEMBERED = 10_000;

export interface SharedUsage {
  /** Usage of the counter including the request admitted (or the usage that refused it). */
  used: number;
  /** When it was seen (gateway clock). */
  at: number;
  /** Anchored windows: when the session ends. */
  resetAt: number;
}

interface Owed {
  algo: 's' | 'a';
  windowMs: number;
  bucketMs: number;
  /** Sliding: bucket index -> amount. Anchored: first local admission time -> amount (one entry). */
  amounts: Map<number, number>;
}

export class FailOpenLedger {
  private readonly seen = new Map<string, SharedUsage>();
  private readonly owed = new Map<string, Owed>();

  /** After an admission answered by Redis. */
  observe(plan: readonly PlannedLimit[], statuses: readonly LimitStatus[], now: number): void {
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      if (p.algo === 'concurrency') continue;
      const s = statuses[i]!;
      this.seen.set(p.limit.counter, { used: s.ok ? s.limit.limit - s.remaining : s.used, at: now, resetAt: s.resetAt });
    }
    if (this.seen.size > MAX_REMEMBERED) this.seen.clear();
  }

  /** The shared usage last seen for a counter, handed out once per outage (the local counter then counts). */
  takeSeen(counter: string): SharedUsage | undefined {
    const s = this.seen.get(counter);
    if (s) this.seen.delete(counter);
    return s;
  }

  /** An admission answered locally: what it charged, owed to the shared counters (`keys`: their Redis keys). */
  record(plan: readonly PlannedLimit[], keys: readonly string[], costs: readonly number[], now: number): void {
    for (let i = 0; i < plan.length; i++) this.add(plan[i]!, keys[i]!, costs[i] ?? 0, now);
  }

  /** A locally admitted request settled: its real usage replaces the reservation in what is owed. */
  settled(plan: readonly PlannedLimit[], keys: readonly string[], costs: readonly number[], usage: Usage, now: number): void {
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      if (p.algo === 'concurrency') continue;
      const delta = settleDelta(p, costs[i] ?? 0, usage);
      if (delta !== 0) this.add(p, keys[i]!, delta, now);
    }
  }

  get owes(): boolean {
    return this.owed.size > 0;
  }

  /** Adds what is owed to the shared counters (one call per org); kept for the next try if Redis refuses. */
  async flush(run: ScriptRunner, now: number): Promise<boolean> {
    const entries = [...this.owed];
    if (entries.length === 0) return false;
    this.owed.clear();
    try {
      await Promise.all(
        [...byHashTag(entries, ([key]) => key).values()].map((group) => {
          const args: Array<string | number> = [now];
          for (const [, o] of group) {
            args.push(o.algo, o.windowMs, o.bucketMs, o.amounts.size);
            for (const [ref, amount] of o.amounts) args.push(ref, amount);
          }
          return run(
            group.map(([key]) => key),
            args,
          );
        }),
      );
    } catch (e) {
      // Added twice if one org's call succeeded and another's failed: conservative (counts more, never less).
      for (const [key, o] of entries) for (const [ref, amount] of o.amounts) this.addAt(key, o, ref, amount);
      throw e;
    }
    return true;
  }

  private add(p: PlannedLimit, key: string, amount: number, now: number): void {
    if (p.algo === 'concurrency' || amount === 0) return;
    const shape: Owed = { algo: p.algo === 'sliding' ? 's' : 'a', windowMs: p.windowMs, bucketMs: p.params.bucketMs, amounts: new Map() };
    const ref = shape.algo === 's' ? Math.floor(now / shape.bucketMs) : now;
    this.addAt(key, shape, ref, amount);
  }

  private addAt(key: string, shape: Owed, ref: number, amount: number): void {
    let o = this.owed.get(key);
    if (!o) {
      o = { ...shape, amounts: new Map() };
      this.owed.set(key, o);
    }
    // An anchored counter owes one amount, from its first local admission on.
    const at = o.algo === 'a' ? (o.amounts.keys().next().value ?? ref) : ref;
    o.amounts.set(at, Math.max(0, (o.amounts.get(at) ?? 0) + amount));
  }
}
