// Rows grouped by a time bucket and one dimension (outcome, action kind) as chart buckets on a fixed axis,
// so quiet periods show as empty instead of one busy bucket stretched across the chart.
import { fillBuckets } from './fill-buckets.js';

export const BUCKET_MS = { minute: 60_000, hour: 3600_000, day: 86_400_000 } as const;

export function bucketsBy<R extends { bucket?: string }>(
  axis: { from: string; slots: number; bucket: keyof typeof BUCKET_MS },
  rows: R[],
  dim: (r: R) => string,
  value: (r: R) => number,
) {
  return fillBuckets(
    axis.from,
    axis.slots,
    BUCKET_MS[axis.bucket],
    rows.filter((r) => r.bucket).map((r) => ({ start: r.bucket as string, values: { [dim(r)]: value(r) } })),
  );
}
