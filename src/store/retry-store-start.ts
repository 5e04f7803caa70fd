// Start-up against a store that may be down: retry while the failure is "unreachable" (never for a wrong
// schema, bad credentials or damaged files), backing off and logging each attempt, until `retryMs` has
// passed; then fail with the last error. `retryMs` 0 fails at once. Never waits silently.
import { isStoreUnavailable } from './store-unavailable.js';

export interface StoreStartRetry {
  /** Total time to keep retrying (ms); 0 = fail fast. */
  retryMs: number;
  onRetry(info: { attempt: number; delayMs: number; error: Error }): void;
  /** Aborts the wait (a SIGTERM during start-up). */
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function retryStoreStart<T>(attempt: () => Promise<T>, opts: StoreStartRetry): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const deadline = now() + opts.retryMs;
  let delay = FIRST_DELAY_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isStoreUnavailable(e) || opts.signal?.aborted) throw e;
      const left = deadline - now();
      if (left <= 0) throw e;
      const delayMs = Math.min(delay, left);
      opts.onRetry({ attempt: n, delayMs, error: e });
      await sleep(delayMs, opts.signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
