// Privacy: prompt text only ever leaves the detector as evidence on a flagged org's case, and
// even there only for `detection.evidenceRetentionDays` after the case last changed. The excerpt is erased;
// the rest of the sample (time, key prefix, model, endpoint) and the case stay for the record.
import type { Clock } from '../ops/clock.js';
import type { Case } from './case-model.js';
import { CaseConflictError, type CaseStore } from './case-store.js';

export const ERASED = '[erased: evidence retention elapsed]';

/** The case with expired excerpts erased, or undefined when nothing is due. */
export function eraseExpiredExcerpts(c: Case, now: number, retentionDays: number): Case | undefined {
  if (Date.parse(c.updatedAt) > now - retentionDays * 86_400_000) return undefined;
  if (!c.evidence.sampleRequests.some((s) => s.excerpt !== ERASED)) return undefined;
  const next = structuredClone(c);
  for (const s of next.evidence.sampleRequests) s.excerpt = ERASED;
  return next;
}

/** One sweep over the stored cases; returns how many were changed. A case saved concurrently waits for the next sweep. */
export async function sweepEvidenceRetention(store: CaseStore, now: number, retentionDays: number): Promise<number> {
  let changed = 0;
  for (const c of await store.list()) {
    const next = eraseExpiredExcerpts(c, now, retentionDays);
    if (!next) continue;
    try {
      await store.save(next, [
        { actor: 'automation:evidence-retention', action: 'case.evidence_erased', target: c.id, data: { retentionDays, samples: next.evidence.sampleRequests.length } },
      ]);
      changed++;
    } catch (e) {
      if (!(e instanceof CaseConflictError)) throw e;
    }
  }
  return changed;
}

/**
 * Sweeps hourly, the first a minute after start, at the clock's time (the injected clock, so a test's or a
 * replay's time decides what has expired). The returned stop waits for a sweep in flight.
 */
export function scheduleEvidenceRetention(
  store: CaseStore,
  clock: Clock,
  retentionDays: number,
  onError: (err: unknown) => void,
  timing: { firstMs: number; everyMs: number } = { firstMs: 60_000, everyMs: 3_600_000 },
): () => Promise<void> {
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweepEvidenceRetention(store, clock.now(), retentionDays).catch(onError);
  };
  const first = setTimeout(sweep, timing.firstMs);
  const every = setInterval(sweep, timing.everyMs);
  first.unref();
  every.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(every);
    await sweeping;
  };
}
