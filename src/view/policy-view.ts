// The in-memory view the hot path reads. Kept current three ways: the admin API applies its own changes
// before replying; changes from other processes arrive on the change bus; and a periodic version check
// reloads everything when the store is ahead, so a lost notification is healed within `versionCheckMs`.
import type { SqlDriver } from '../store/sql-driver.js';
import { readChangeVersion } from '../store/change-version.js';
import type { Change, ChangeBus } from './change-bus.js';
import type { PolicySnapshot, PolicyViewReader } from './policy-snapshot.js';
import { loadFullSnapshot, reloadOrgSlice } from './snapshot-loader.js';

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
  close(): Promise<void>;
}

export interface StartPolicyViewOptions {
  driver: SqlDriver;
  /** When given, changes published by other processes are applied as they arrive. */
  bus?: ChangeBus | undefined;
  /** 0 disables the periodic check. */
  versionCheckMs: number;
  clock?: ViewClock;
  /** Errors of background reloads (bus or timer); the view keeps serving its last snapshot. */
  onError?: (err: unknown) => void;
}

const ORG_SCOPED = new Set<Change['kind']>(['org', 'key', 'grant']);

export async function startPolicyView(opts: StartPolicyViewOptions): Promise<PolicyView> {
  const { driver } = opts;
  const clock = opts.clock ?? systemClock;
  const onError = opts.onError ?? (() => {});
  let snapshot = await loadFullSnapshot(driver);
  const listeners = new Set<(s: PolicySnapshot) => void>();
  // Reloads run one at a time, in order, so an older read can never replace a newer snapshot.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn);
    queue = p.catch(() => {});
    return p;
  };
  const swap = (next: PolicySnapshot) => {
    if (next.version < snapshot.version) return;
    snapshot = next;
    for (const l of listeners) {
      try {
        l(next);
      } catch (e) {
        onError(e);
      }
    }
  };

  const applyChange = (change: Change) =>
    serial(async () => {
      if (change.version <= snapshot.version) return;
      // A per-org reload is only enough when this is the very next change; after a gap we may have missed
      // changes to other orgs, and stamping the newer version would hide them from the version check.
      if (change.orgId && ORG_SCOPED.has(change.kind) && change.version === snapshot.version + 1) {
        swap(await reloadOrgSlice(driver, snapshot, change.orgId, change.version));
      } else {
        swap(await loadFullSnapshot(driver));
      }
    });

  const reloadAll = () => serial(async () => swap(await loadFullSnapshot(driver)));

  const checkVersion = () =>
    serial(async () => {
      const v = await readChangeVersion(driver);
      if (v <= snapshot.version) return false;
      swap(await loadFullSnapshot(driver));
      return true;
    });

  const unsubscribe = opts.bus?.subscribe((change) => {
    applyChange(change).catch(onError);
  });
  const timer = opts.versionCheckMs > 0 ? clock.setInterval(() => void checkVersion().catch(onError), opts.versionCheckMs) : undefined;
  let closed = false;

  return {
    current: () => snapshot,
    applyChange,
    reloadAll,
    checkVersion,
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
