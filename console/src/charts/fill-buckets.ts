// Puts bucketed rows onto a fixed axis of `slots` buckets of `stepMs`, ending with the bucket that holds
// `from + slots × step` (the current one), so quiet periods show as empty instead of one busy bucket
// stretched across the whole width.
export function fillBuckets<T extends Record<string, number>>(from: string, slots: number, stepMs: number, rows: { start: string; values: T }[]): { start: string; values: Record<string, number> }[] {
  const last = Math.floor((Date.parse(from) + slots * stepMs) / stepMs) * stepMs;
  const start = last - (slots - 1) * stepMs;
  const byBucket = new Map<number, Record<string, number>>();
  for (const r of rows) {
    const b = Math.floor(Date.parse(r.start) / stepMs) * stepMs;
    const cur = byBucket.get(b) ?? {};
    for (const [k, v] of Object.entries(r.values)) cur[k] = (cur[k] ?? 0) + v;
    byBucket.set(b, cur);
  }
  return Array.from({ length: slots }, (_, i) => {
    const t = start + i * stepMs;
    return { start: new Date(t).toISOString(), values: byBucket.get(t) ?? {} };
  });
}
