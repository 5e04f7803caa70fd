// Puts hourly rows onto a fixed axis of `hours` slots ending with the hour that holds `from + hours`, so the
// current hour is always the last bar and a quiet org's chart shows the quiet hours as empty instead of
// stretching one busy hour across the whole width.
export function fillHours<T extends Record<string, number>>(from: string, hours: number, rows: { start: string; values: T }[]): { start: string; values: Record<string, number> }[] {
  const last = Math.floor((Date.parse(from) + hours * 3600_000) / 3600_000) * 3600_000;
  const start = last - (hours - 1) * 3600_000;
  const byHour = new Map<number, Record<string, number>>();
  for (const r of rows) {
    const h = Math.floor(Date.parse(r.start) / 3600_000) * 3600_000;
    const cur = byHour.get(h) ?? {};
    for (const [k, v] of Object.entries(r.values)) cur[k] = (cur[k] ?? 0) + v;
    byHour.set(h, cur);
  }
  return Array.from({ length: hours }, (_, i) => {
    const t = start + i * 3600_000;
    return { start: new Date(t).toISOString(), values: byHour.get(t) ?? {} };
  });
}
