// Concurrency leases in Redis that heal. A lease is short (leaseMs) and renewed every third of it while the
// request runs, so a crashed gateway's slots free within leaseMs. A release that could not reach Redis (a
// blip during settle) is kept and sent again with the next renewal, so a slot never stays taken for a
// request that ended. A renewal also re-adds a running request's lease that expired during the blip.
import { byHashTag } from './redis-key-groups.js';

/** Runs one script over `keys` with `args` (the limiter's EVALSHA with NOSCRIPT fallback). */
export type ScriptRunner = (keys: string[], args: Array<string | number>) => Promise<unknown>;

interface Held {
  keys: string[];
  /** Gateway clock minus limiter clock at admission: leases live on the gateway's time line. */
  offset: number;
}

export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly unreleased = new Map<string, string[]>();

  constructor(
    private readonly run: ScriptRunner,
    private readonly leaseMs: number,
    private readonly clock: () => number,
  ) {}

  /** After an admission that took slots (`keys`: its concurrency counters). */
  hold(ticketId: string, keys: string[], gatewayNow: number): void {
    this.held.set(ticketId, { keys, offset: gatewayNow - this.clock() });
  }

  /** At settle: the request ended, whether or not its release reaches Redis. */
  ended(ticketId: string): void {
    this.held.delete(ticketId);
  }

  /** The settle's release did not reach Redis: retried with every renewal until it does. */
  releaseLater(ticketId: string, keys: string[]): void {
    this.unreleased.set(ticketId, keys);
  }

  /** Releases owed to Redis. */
  get owed(): number {
    return this.unreleased.size;
  }

  get running(): number {
    return this.held.size;
  }

  /** Renews every running request's leases and sends owed releases; throws if Redis cannot be reached. Resolves to whether anything was sent. */
  async renew(): Promise<boolean> {
    const ops: Array<{ key: string; ticket: string; exp: number }> = [];
    for (const [ticket, h] of this.held) for (const key of h.keys) ops.push({ key, ticket, exp: this.clock() + h.offset + this.leaseMs });
    const releasing = [...this.unreleased];
    for (const [ticket, keys] of releasing) for (const key of keys) ops.push({ key, ticket, exp: -1 });
    if (ops.length === 0) return false;
    await Promise.all(
      [...byHashTag(ops, (o) => o.key).values()].map((group) =>
        this.run(
          group.map((o) => o.key),
          [this.leaseMs, ...group.flatMap((o) => [o.ticket, o.exp])],
        ),
      ),
    );
    for (const [ticket] of releasing) this.unreleased.delete(ticket);
    return true;
  }
}
