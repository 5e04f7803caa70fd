// Overview: traffic, top orgs, open cases by severity and enforcement actions over time. Each panel reads
// the admin API on its own (usage, cases, audit), so one missing endpoint leaves the others working.
import type { AuditEntry, CaseSummary, Org, Severity, UsageRow } from '../api/types.js';
import { BarList } from '../charts/bar-list.js';
import { fillHours } from '../charts/fill-hours.js';
import { TimeSeriesChart } from '../charts/time-series-chart.js';
import { AsyncView } from '../components/async-view.js';
import { useApi } from '../hooks/use-api.js';
import { href, Link } from '../hooks/use-route.js';
import { useSince } from '../hooks/use-since.js';
import { UsageChart } from './org/usage-section.js';

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_COLOR: Record<Severity, string> = { critical: '#8b0000', high: '#c2410c', medium: '#a16207', low: '#4b5563' };
const STATUS_COLOR: Record<string, string> = { active: '#15803d', restricted: '#c2410c', suspended: '#a16207', revoked: '#7f1d1d' };

export function OverviewPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      <div className="grid-2">
        <Traffic />
        <OpenCases />
        <TopOrgs />
        <Enforcement />
      </div>
    </section>
  );
}

function Traffic() {
  const from = useSince(24 * 60);
  const state = useApi<{ usage: UsageRow[] }>(`/admin/usage?group_by=hour&from=${encodeURIComponent(from)}`);
  return (
    <section aria-labelledby="ov-traffic">
      <h2 id="ov-traffic">Traffic</h2>
      <AsyncView state={state} what="traffic">
        {({ usage }) => <UsageChart title="Requests per hour, last 24 hours" usage={usage} from={from} />}
      </AsyncView>
    </section>
  );
}

function TopOrgs() {
  const from = useSince(24 * 60);
  const state = useApi<{ usage: UsageRow[] }>(`/admin/usage?group_by=org&from=${encodeURIComponent(from)}`);
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs', 10000);
  const names = new Map(orgs.kind === 'ok' ? orgs.data.orgs.map((o) => [o.id, o.name]) : []);
  return (
    <section aria-labelledby="ov-top">
      <h2 id="ov-top">Top organizations</h2>
      <AsyncView state={state} what="top organizations">
        {({ usage }) => (
          <BarList
            title="Requests, last 24 hours"
            items={[...usage]
              .sort((a, b) => b.requests - a.requests)
              .slice(0, 8)
              .map((u) => ({ key: u.orgId ?? '?', label: <Link href={href('orgs', u.orgId ?? '')}>{names.get(u.orgId ?? '') ?? u.orgId}</Link>, value: u.requests }))}
          />
        )}
      </AsyncView>
    </section>
  );
}

function OpenCases() {
  const state = useApi<{ cases: CaseSummary[] }>('/admin/cases?status=open');
  return (
    <section aria-labelledby="ov-cases">
      <h2 id="ov-cases">Open cases</h2>
      <AsyncView state={state} what="cases">
        {({ cases }) => (
          <BarList
            title="Open cases by severity"
            items={SEVERITIES.map((s) => ({
              key: s,
              label: <Link href={href('cases') + `?status=open&severity=${s}`}>{s}</Link>,
              value: cases.filter((c) => c.severity === s).length,
              color: SEVERITY_COLOR[s],
            }))}
          />
        )}
      </AsyncView>
    </section>
  );
}

/** Enforcement actions are the org status changes in the audit trail, counted per hour and new status. */
function Enforcement() {
  const from = useSince(24 * 60);
  const state = useApi<{ entries: AuditEntry[] }>(`/admin/audit/recent?action=org.status&limit=1000&from=${encodeURIComponent(from)}`);
  return (
    <section aria-labelledby="ov-enf">
      <h2 id="ov-enf">Enforcement</h2>
      <AsyncView state={state} what="enforcement actions">
        {({ entries }) => {
          const recent = entries.filter((e) => e.ts >= from);
          const byHour = new Map<string, Record<string, number>>();
          for (const e of recent) {
            const hour = new Date(Math.floor(Date.parse(e.ts) / 3600_000) * 3600_000).toISOString();
            const to = String(e.data.to ?? 'other');
            const counts = byHour.get(hour) ?? {};
            counts[to] = (counts[to] ?? 0) + 1;
            byHour.set(hour, counts);
          }
          const kinds = [...new Set(recent.map((e) => String(e.data.to ?? 'other')))];
          return (
            <TimeSeriesChart
              title="Status changes per hour, last 24 hours"
              buckets={recent.length ? fillHours(from, 24, [...byHour.entries()].map(([start, values]) => ({ start, values }))) : []}
              series={kinds.map((k) => ({ key: k, label: `→ ${k}`, color: STATUS_COLOR[k] ?? '#4b5563' }))}
            />
          );
        }}
      </AsyncView>
    </section>
  );
}
