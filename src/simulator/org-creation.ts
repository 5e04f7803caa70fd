// When each simulated account was opened (`created_at` on its org line, as the gateway's trace writer records an
// org's creation). Drawn from a stream of its own after every actor, so the traffic is the same with or without it.
import type { ActorOutput } from './actors/actor.js';
import type { Rng } from './rng.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Sets `created_at` on every org line with traffic. An account first seen in the trace's first day is mostly an
 * existing customer, opened days to years before; one first seen later is a new signup half the time. A network
 * opens its accounts either in one batch (minutes to hours, some time before its campaign) or one by one over
 * days to weeks, each shortly before its first use. A course's students open theirs together half the time (a lab
 * session: a legitimate batch).
 */
export function drawCreationTimes(outputs: readonly ActorOutput[], rng: Rng, start: number): void {
  for (const x of outputs) {
    const first = new Map<string, number>();
    for (const r of x.requests) {
      const t = Date.parse(r.ts);
      if (!(first.get(r.org)! <= t)) first.set(r.org, t);
    }
    const lines = x.orgs.filter((g) => first.has(g.id));
    if (!lines.length) continue;
    const opened = Math.min(...first.values());
    const batch = x.network ? rng.chance(0.6) : x.family === 'course_evaluation' && rng.chance(0.5);
    const batchAt = opened - rng.logRange(0.5 * HOUR, 10 * DAY);
    const batchSpread = rng.logRange(10 * MINUTE, 6 * HOUR);
    const dripDays = rng.logRange(3, 30) * DAY;
    for (const g of lines) {
      const seen = first.get(g.id)!;
      let created: number;
      if (batch) created = batchAt - rng.range(0, batchSpread);
      else if (x.network) created = seen - rng.logRange(HOUR, dripDays);
      else if (seen - start >= DAY && rng.chance(0.5)) created = seen - rng.logRange(5 * MINUTE, 2 * DAY);
      else created = seen - rng.logRange(DAY, 700 * DAY);
      g.created_at = new Date(Math.min(created, seen)).toISOString();
    }
  }
}
