// Overview: traffic by outcome, what was refused and why, open cases, enforcement actions by kind, and the
// orgs with the most requests and the most refusals. Each panel reads the admin API on its own (usage, cases,
// enforcement activity), so one missing endpoint leaves the others working.
import { ACTIVITY_COLOR, type ActivityRow } from '../api/activity.js';
import { DENIED, reasonText, type OutcomeUsageRow } from '../api/outcomes.js';
import type { CaseSummary, Org, Severity } from '../api/types.js';
import { BarList } from '../charts/bar-list.js';
import { hourlyBy } from '../charts/time-buckets.js';
import { TimeSeriesChart } from '../charts/time-series-chart.js';
import { AsyncView } from '../components/async-view.js';
import { useApi } from '../hooks/use-api.js';
import { href, Link } from '../hooks/use-route.js';
import { useSince } from '../hooks/use-since.js';
import { OutcomeChart } from './org/usage-section.js';

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_COLOR: Record<Severity, string> = { critical: '#8b0000', high: '#c2410c', medium: '#a16207', low: '#4b5563' };

export function OverviewPage() {
  const from = useSince(24 * 60);
  const since = encodeURIComponent(from);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      <div className="grid-2">
        <Traffic from={from} />
        <Refusals since={since} />
        <OpenCases />
        <Enforcement from={from} />
        <TopOrgs since={since} outcome="" id="ov-top" heading="Top organizations by requests" caption="Requests (every outcome), last 24 hours" />
        <TopOrgs since={since} outcome={DENIED} id="ov-top-denied" heading="Top organizations by refusals" caption="Refused or rate-limited requests, last 24 hours" />
      </div>
    </section>
  );
}

function Traffic({ from }: { from: string }) {
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=hour,outcome&from=${encodeURIComponent(from)}`);
  return (
    <section aria-labelledby="ov-traffic">
      <h2 id="ov-traffic">Traffic</h2>
      <AsyncView state={state} what="traffic">
        {({ usage }) => <OutcomeChart title="Requests per hour by outcome, last 24 hours" usage={usage} from={from} />}
      </AsyncView>
    </section>
  );
}

function Refusals({ since }: { since: string }) {
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=reason&outcome=${DENIED}&from=${since}`);
  return (
    <section aria-labelledby="ov-refusals">
      <h2 id="ov-refusals">Refusals by reason</h2>
      <AsyncView state={state} what="refusals">
        {({ usage }) => (
          <BarList
            title="Refused or rate-limited requests, last 24 hours"
            items={[...usage].sort((a, b) => b.requests - a.requests).map((u) => ({ key: u.reason ?? '', label: reasonText(u.reason ?? ''), value: u.requests, color: '#b91c1c' }))}
          />
        )}
      </AsyncView>
    </section>
  );
}

function TopOrgs({ since, outcome, id, heading, caption }: { since: string; outcome: string; id: string; heading: string; caption: string }) {
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=org&from=${since}${outcome ? `&outcome=${outcome}` : ''}`);
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs', 10000);
  const byId = new Map(orgs.kind === 'ok' ? orgs.data.orgs.map((o) => [o.id, o]) : []);
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{heading}</h2>
      <AsyncView state={state} what={heading.toLowerCase()}>
        {({ usage }) => (
          <BarList
            title={caption}
            items={[...usage]
              .sort((a, b) => b.requests - a.requests)
              .slice(0, 8)
              .map((u) => {
                const org = byId.get(u.orgId ?? '');
                return {
                  key: u.orgId ?? '?',
                  label: (
                    <Link href={href('orgs', u.orgId ?? '')} title={u.orgId}>
                      {org?.name ?? u.orgId}
                      {org && org.status !== 'active' ? ` (${org.status})` : ''}
                    </Link>
                  ),
                  value: u.requests,
                  ...(outcome ? { color: '#b91c1c' } : {}),
                };
              })}
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
            title={`Open cases by severity (${cases.length} open)`}
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

/** Enforcement actions by kind per hour: automatic and approved actions, changes by hand, key actions. */
function Enforcement({ from }: { from: string }) {
  const state = useApi<{ activity: ActivityRow[] }>(`/admin/enforcement/activity?bucket=hour&from=${encodeURIComponent(from)}`);
  return (
    <section aria-labelledby="ov-enf">
      <h2 id="ov-enf">Enforcement actions</h2>
      <AsyncView state={state} what="enforcement actions">
        {({ activity }) => {
          const kinds = [...new Set(activity.map((a) => a.kind))];
          return (
            <TimeSeriesChart
              title="Enforcement actions per hour by kind, last 24 hours"
              buckets={activity.length ? hourlyBy(from, 24, activity, (a) => a.kind, (a) => a.count) : []}
              series={kinds.map((k) => ({ key: k, label: k, color: ACTIVITY_COLOR[k] ?? '#4b5563' }))}
            />
          );
        }}
      </AsyncView>
    </section>
  );
}
