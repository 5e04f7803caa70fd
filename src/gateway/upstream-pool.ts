// Choosing a pool member for each attempt, and passive health. Members are drawn at random by weight among
// those in rotation and not yet tried by this request. A member failing `ejectAfterFailures` times in a row
// (transport failures and 5xx; a 429 is load, not ill health) is ejected for `ejectMs`; then one request at a
// time probes it: success puts it back in rotation, failure ejects it again. When every untried member is
// ejected the one whose ejection ends first is used anyway (as a proxy's "panic mode" does) rather than
// refusing traffic outright. Clock and randomness are injected so the policy is testable.
import type { RoutingConfig, UpstreamConfig } from '../config/schema.js';

export interface MemberHealth {
  consecutiveFailures: number;
  /** Epoch ms until which the member is out of rotation; 0 when in rotation. */
  ejectedUntil: number;
  /** When the probe request in flight started (one at a time), 0 when none; a probe never heard of again is
   * forgotten after `ejectMs`. */
  probingSince: number;
}

export interface PoolBalancer {
  /** The member for the next attempt, or undefined when every member was tried. */
  pick(pool: readonly UpstreamConfig[], tried: ReadonlySet<UpstreamConfig>): UpstreamConfig | undefined;
  /** The member answered (anything but a 5xx or 429). */
  succeeded(u: UpstreamConfig): void;
  /** The member failed; `counts` is false for outcomes that say nothing of its health (429, a call abandoned by the client). */
  failed(u: UpstreamConfig, counts: boolean): void;
  health(u: UpstreamConfig): Readonly<MemberHealth>;
}

export interface PoolBalancerDeps {
  routing: Pick<RoutingConfig, 'ejectAfterFailures' | 'ejectMs'>;
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** Told when a member leaves (false) or re-enters (true) rotation. */
  onHealthChange?(u: UpstreamConfig, healthy: boolean): void;
}

export function createPoolBalancer(deps: PoolBalancerDeps): PoolBalancer {
  const states = new Map<UpstreamConfig, MemberHealth>();
  const state = (u: UpstreamConfig): MemberHealth => {
    let s = states.get(u);
    if (!s) states.set(u, (s = { consecutiveFailures: 0, ejectedUntil: 0, probingSince: 0 }));
    return s;
  };

  function weighted(members: readonly UpstreamConfig[]): UpstreamConfig | undefined {
    const positive = members.filter((m) => m.weight > 0);
    const from = positive.length > 0 ? positive : members;
    if (from.length <= 1) return from[0];
    const total = positive.length > 0 ? from.reduce((n, m) => n + m.weight, 0) : from.length;
    let r = deps.random() * total;
    for (const m of from) {
      r -= positive.length > 0 ? m.weight : 1;
      if (r < 0) return m;
    }
    return from[from.length - 1];
  }

  return {
    pick(pool, tried) {
      const untried = pool.filter((u) => !tried.has(u));
      if (untried.length === 0) return undefined;
      if (untried.length === 1 && pool.length === 1) return untried[0]; // a pool of one has nothing to balance
      const now = deps.now();
      const inRotation = untried.filter((u) => state(u).ejectedUntil === 0);
      // An ejected member whose rest is over gets one probe before the rest of the rotation.
      const probe = untried.find((u) => {
        const s = state(u);
        return s.ejectedUntil !== 0 && s.ejectedUntil <= now && (s.probingSince === 0 || now - s.probingSince > deps.routing.ejectMs);
      });
      if (probe) {
        state(probe).probingSince = now;
        return probe;
      }
      if (inRotation.length > 0) return weighted(inRotation);
      return untried.reduce((a, b) => (state(a).ejectedUntil <= state(b).ejectedUntil ? a : b));
    },
    succeeded(u) {
      const s = state(u);
      const wasEjected = s.ejectedUntil !== 0;
      s.consecutiveFailures = 0;
      s.ejectedUntil = 0;
      s.probingSince = 0;
      if (wasEjected) deps.onHealthChange?.(u, true);
    },
    failed(u, counts) {
      const s = state(u);
      const wasProbe = s.probingSince !== 0;
      s.probingSince = 0;
      if (!counts) return;
      s.consecutiveFailures++;
      if (wasProbe || (s.ejectedUntil === 0 && s.consecutiveFailures >= deps.routing.ejectAfterFailures)) {
        const fresh = s.ejectedUntil === 0;
        s.ejectedUntil = deps.now() + deps.routing.ejectMs;
        if (fresh) deps.onHealthChange?.(u, false);
      }
    },
    health: (u) => state(u),
  };
}

/** Delay before retry number `attempt` (1-based): full jitter over an exponentially growing cap. */
export function retryDelayMs(baseMs: number, attempt: number, random: () => number): number {
  return Math.floor(random() * baseMs * 2 ** (attempt - 1));
}
