// The in-memory view the hot path reads. Kept current three ways: the admin API applies its own changes
// before replying; changes from other processes arrive on the change bus; and a periodic version check
// reloads everything when the store is ahead, so a lost notification is healed within `versionCheckMs`.
// The version check is also how the view knows its own age: every successful check confirms it against the
// store (`freshness().confirmedAt`). States a change carries (org status, key access) are applied at once,
// before any reload, and kept over older loads until the store catches up: a gateway that cannot read the
// store still applies a revocation it hears about.
import type { SqlDriver } from '../sql/sql-driver.js';
import { readChangeVersion } from '../store/change-version.js';
import type { Change, ChangeBus } from '../changes/change-bus.js';
import type { PolicySnapshot, PolicyViewReader, ViewFreshness } from '../policy/policy-snapshot.js';
import { loadFullSnapshot, reloadOrgSlice } from './snapshot-loader.js';
import { applyCarriedState, carriesState } from './carried-state.js';

export interface ViewClock {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: ViewClock = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface PolicyView extends PolicyViewReader {
  /** Brings the view up to date with `change` (and anything before it) and resolves once swapped in. */
  applyChange(change: Change): Promise<void>;
  /** Re-reads everything. */
  reloadAll(): Promise<void>;
  /** Compares with the store's version; reloads fully when behind. Returns whether it reloaded. */
  checkVersion(): Promise<boolean>;
  /** Called after every swap with the new snapshot (e.g. to end streams of a just-revoked org). */
  onSwap(listener: (snapshot: PolicySnapshot) => void): () => void;
  freshness(): ViewFreshness;
  close(): Promise<void>;
}

export interface StartPolicyViewOptions {
  driver: SqlDriver;
  /** When given, changes published by other processes are applied as they arrive. */
  bus?: ChangeBus | undefined;
  /** 0 disables the periodic check (and with it the view's confirmations). */
  versionCheckMs: number;
  clock?: ViewClock;
  /** Clock of confirmations and of the view's age (epoch ms); real time by default. */
  now?: () => number;
  /** Errors of background reloads triggered by the bus; the view keeps serving its last snapshot. */
  onError?: (err: unknown) => void;
}

const ORG_SCOPED = new Set<Change['kind']>(['org', 'key', 'grant']);

export async function startPolicyView(opts: StartPolicyViewOptions): Promise<PolicyView> {
  const { driver } = opts;
  const clock = opts.clock ?? systemClock;
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? (() => {});
  const loadedAt = now();
  let snapshot = await loadFullSnapshot(driver);
  let confirmedAt = loadedAt;
  let lastError: string | undefined;
  /** Changes whose carried states are newer than the loaded data; re-applied over every older load. */
  let carried: Change[] = [];
  /** Org (or '' for everything) -> version of a change heard but not loaded. */
  const unconfirmed = new Map<string, number>();
  // Read on every request: rebuilt only when something in it changes.
  const ageMs = () => now() - confirmedAt;
  let fresh: ViewFreshness = { confirmedAt, ageMs, unconfirmedOrgs: new Set(), unconfirmedAll: false };
  const refresh = () => {
    const unconfirmedOrgs = new Set(unconfirmed.keys());
    const unconfirmedAll = unconfirmedOrgs.delete('');
    fresh = { confirmedAt, ageMs, unconfirmedOrgs, unconfirmedAll, ...(lastError ? { lastError } : {}) };
  };
  const listeners = new Set<(s: PolicySnapshot) => void>();
  // Reloads run one at a time, in order, so an older read can never replace a newer snapshot.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn);
    queue = p.catch(() => {});
    return p;
  };
  const publish = (next: PolicySnapshot) => {
    snapshot = next;
    for (const l of listeners) {
      try {
        l(next);
      } catch (e) {
        onError(e);
      }
    }
  };
  /** A snapshot read from the store: newer carried states stay on top of it; what it covers is confirmed. */
  const swap = (loaded: PolicySnapshot) => {
    if (loaded.version < snapshot.version) return;
    carried = carried.filter((c) => c.version > loaded.version);
    if (unconfirmed.size) {
      for (const [org, v] of unconfirmed) if (v <= loaded.version) unconfirmed.delete(org);
      refresh();
    }
    publish(carried.reduce(applyCarriedState, loaded));
  };
  const carry = (change: Change) => {
    if (!carriesState(change) || change.version <= snapshot.version || carried.some((c) => c.version === change.version)) return;
    carried.push(change);
    carried.sort((a, b) => a.version - b.version);
    publish(applyCarriedState(snapshot, change));
  };

  const applyChange = (change: Change) => {
    // Before waiting for the store: a revocation holds here even if the reload below fails.
    carry(change);
    return serial(async () => {
      if (change.version <= snapshot.version) return;
      try {
        // A per-org reload is only enough when this is the very next change; after a gap we may have missed
        // changes to other orgs, and stamping the newer version would hide them from the version check.
        if (change.orgId && ORG_SCOPED.has(change.kind) && change.version === snapshot.version + 1) {
          swap(await reloadOrgSlice(driver, snapshot, change.orgId, change.version));
        } else {
          swap(await loadFullSnapshot(driver));
        }
      } catch (e) {
        if (!carriesState(change)) {
          unconfirmed.set(change.orgId && ORG_SCOPED.has(change.kind) ? change.orgId : '', change.version);
          refresh();
        }
        throw e;
      }
    });
  };

  const reloadAll = () => serial(async () => swap(await loadFullSnapshot(driver)));

  const checkVersion = () =>
    serial(async () => {
      const startedAt = now();
      try {
        const v = await readChangeVersion(driver);
        let reloaded = false;
        if (v > snapshot.version) {
          swap(await loadFullSnapshot(driver));
          reloaded = true;
        }
        confirmedAt = Math.max(confirmedAt, startedAt);
        lastError = undefined;
        refresh();
        return reloaded;
      } catch (e) {
        lastError = String((e as Error)?.message ?? e);
        refresh();
        throw e;
      }
    });

  const unsubscribe = opts.bus?.subscribe((change) => {
    applyChange(change).catch(onError);
  });
  // One check at a time: against an unresponsive store, ticks are skipped rather than queued up.
  let checking = false;
  const tick = () => {
    if (checking) return;
    checking = true;
    checkVersion()
      .catch(() => undefined) // recorded in lastError and reported through freshness(), not once per tick
      .finally(() => (checking = false));
  };
  const timer = opts.versionCheckMs > 0 ? clock.setInterval(tick, opts.versionCheckMs) : undefined;
  let closed = false;

  return {
    current: () => snapshot,
    applyChange,
    reloadAll,
    checkVersion,
    freshness: () => fresh,
    onSwap(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      if (timer !== undefined) clock.clearInterval(timer);
      await queue;
    },
  };
}
