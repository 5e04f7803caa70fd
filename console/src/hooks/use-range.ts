// The time range the overview and an org's charts show (1 hour … 30 days), kept in the URL (?range=7d) so a
// view can be shared and survives a reload. Each range has a bucket size that gives a readable number of bars.
import { navigate } from './use-route.js';
import { useSince } from './use-since.js';

export interface TimeRange {
  key: string;
  label: string;
  minutes: number;
  /** Bucket of GET /admin/usage and /admin/enforcement/activity. */
  bucket: 'minute' | 'hour' | 'day';
  slots: number;
}

export const RANGES: TimeRange[] = [
  { key: '1h', label: 'last hour', minutes: 60, bucket: 'minute', slots: 60 },
  { key: '6h', label: 'last 6 hours', minutes: 360, bucket: 'hour', slots: 6 },
  { key: '24h', label: 'last 24 hours', minutes: 1440, bucket: 'hour', slots: 24 },
  { key: '7d', label: 'last 7 days', minutes: 7 * 1440, bucket: 'day', slots: 7 },
  { key: '30d', label: 'last 30 days', minutes: 30 * 1440, bucket: 'day', slots: 30 },
];

const DEFAULT = RANGES[2]!;

export function useRange(): TimeRange & { from: string; set: (key: string) => void } {
  const key = new URLSearchParams(location.search).get('range');
  const range = RANGES.find((r) => r.key === key) ?? DEFAULT;
  const from = useSince(range.minutes);
  const set = (k: string) => {
    const q = new URLSearchParams(location.search);
    if (k === DEFAULT.key) q.delete('range');
    else q.set('range', k);
    navigate(`${location.pathname}${q.size ? `?${q}` : ''}${location.hash}`, true);
  };
  return { ...range, from, set };
}
