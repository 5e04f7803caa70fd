// Rows grouped by a time bucket and one dimension (outcome, action kind) as chart buckets on a fixed hourly
// axis, so quiet hours show as empty instead of one busy hour stretched across the chart.
import { fillHours } from './fill-hours.js';

export function hourlyBy<R extends { bucket?: string }>(from: string, hours: number, rows: R[], dim: (r: R) => string, value: (r: R) => number) {
  return fillHours(
    from,
    hours,
    rows.filter((r) => r.bucket).map((r) => ({ start: r.bucket as string, values: { [dim(r)]: value(r) } })),
  );
}
