// Durations in limit documents: "90s", "30m", "5h", "7d", "1w", "500ms".
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d|w)$/;

export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  const unit = m?.[2];
  if (!m || unit === undefined) throw new Error(`bad duration "${text}" (use e.g. 90s, 30m, 5h, 7d)`);
  return Number(m[1]) * (UNIT_MS[unit] ?? 0);
}
