import type { UsageRow } from '../../api/types.js';
import { fillHours } from '../../charts/fill-hours.js';
import { TimeSeriesChart } from '../../charts/time-series-chart.js';
import { AsyncView } from '../../components/async-view.js';
import { useApi } from '../../hooks/use-api.js';
import { useSince } from '../../hooks/use-since.js';

export function UsageSection({ orgId }: { orgId: string }) {
  const from = useSince(24 * 60);
  const state = useApi<{ usage: UsageRow[] }>(`/admin/usage?org=${encodeURIComponent(orgId)}&group_by=hour&from=${encodeURIComponent(from)}`);
  return (
    <section aria-labelledby="usage">
      <h2 id="usage">Usage</h2>
      <AsyncView state={state} what="usage">
        {({ usage }) => <UsageChart title="Requests per hour, last 24 hours" usage={usage} from={from} />}
      </AsyncView>
    </section>
  );
}

export function UsageChart({ title, usage, from }: { title: string; usage: UsageRow[]; from: string }) {
  const rows = usage.filter((u) => u.bucket).sort((a, b) => a.bucket!.localeCompare(b.bucket!));
  return (
    <>
      <TimeSeriesChart title={title} buckets={fillHours(from, 24, rows.map((u) => ({ start: u.bucket!, values: { requests: u.requests } })))} series={[{ key: 'requests', label: 'Requests', color: '#2563eb' }]} />
      <p className="muted">
        Tokens: {rows.reduce((n, u) => n + u.inputTokens, 0).toLocaleString()} in, {rows.reduce((n, u) => n + u.outputTokens, 0).toLocaleString()} out
      </p>
    </>
  );
}
