// The one duration syntax of policy documents — limit windows, playbook durations, anything else that takes
// one ("90s", "5h", "7d"): a positive whole number and one unit, which keeps values unambiguous to read and diff.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d|w)$/;

/** Milliseconds of a duration like "5h", or undefined when malformed or zero. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

/** Zod schema for a duration field; other sections (limits, playbooks) use it so errors read the same. */
export const durationSchema = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'invalid duration: use a positive whole number and one unit of ms, s, m, h, d or w (e.g. "5h", "7d")',
});
