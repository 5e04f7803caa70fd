// Loads one admin API resource and keeps it current: it reloads at once when the console or the server's live
// events say something changed, and polls (rarely while live events flow), so new cases and enforcement
// actions appear without a reload. A refresh keeps showing the previous data instead of flashing a spinner.
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client.js';
import { useSession } from '../auth/session-context.js';
import { onChange } from './change-signal.js';
import { liveConnected } from './use-live-updates.js';

export type Loaded<T> =
  | { kind: 'loading' }
  | { kind: 'error'; error: ApiError }
  | { kind: 'unavailable' }
  | { kind: 'ok'; data: T; stale?: ApiError };

export const POLL_MS = 3000;
/** With live updates flowing, a view polls only every this many ticks (charts still follow traffic). */
const LIVE_EVERY = 5;

export function useApi<T>(path: string | null, pollMs: number | null = POLL_MS): Loaded<T> & { reload: () => void } {
  const { api } = useSession();
  const [state, setState] = useState<Loaded<T>>({ kind: 'loading' });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  // Pages remount on navigation (the shell keys <main> by route), so a changed path here is the same view
  // moving its time window: keep showing the previous data until the new answer arrives.
  useEffect(() => {
    if (path === null) return;
    const ctrl = new AbortController();
    api<T>(path, { signal: ctrl.signal }).then(
      (data) => setState({ kind: 'ok', data }),
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e));
        setState((prev) => (err.notAvailable ? { kind: 'unavailable' } : prev.kind === 'ok' ? { ...prev, stale: err } : { kind: 'error', error: err }));
      },
    );
    return () => ctrl.abort();
  }, [api, path, tick]);

  useEffect(() => (path === null ? undefined : onChange(reload)), [path, reload]);

  useEffect(() => {
    if (path === null || pollMs === null) return;
    let n = 0;
    const id = setInterval(() => {
      if (document.visibilityState === 'hidden') return;
      if (liveConnected() && ++n % LIVE_EVERY !== 0) return;
      setTick((t) => t + 1);
    }, pollMs);
    return () => clearInterval(id);
  }, [path, pollMs]);

  return { ...state, reload };
}
