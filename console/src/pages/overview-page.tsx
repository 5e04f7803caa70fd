// Overview: traffic by outcome, what was refused and why, open cases, enforcement actions by kind, and the
// orgs with the most requests and the most refusals. Each panel reads the admin API on its own (usage, cases,
// enforcement activity), so one missing endpoint leaves the others working.
import { ACTIVITY_COLOR, type ActivityRow } from '../api/activity.js';
import { DENIED, reasonText, type OutcomeUsageRow } from '../api/outcomes.js';
import type { CaseSummary, Org, Severity } from '../api/types.js';
import { BarList } from '../charts/bar-list.js';
import { bucketsBy } from '../charts/time-buckets.js';
import { TimeSeriesChart } from '../charts/time-series-chart.js';
import { AsyncView } from '../components/async-view.js';
import { useApi } from '../hooks/use-api.js';
import { href, Link } from '../hooks/use-route.js';
import { RangePicker } from '../components/range-picker.js';
import { useRange, type TimeRange } from '../hooks/use-range.js';
import { OutcomeChart } from './org/usage-section.js';

type Window = TimeRange & { from: string };

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_COLOR: Record<Severity, string> = { critical: '#8b0000', high: '#c2410c', medium: '#a16207', low: '#4b5563' };

export function OverviewPage() {
  const range = useRange();
  const since = encodeURIComponent(range.from);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Overview</h1>
        <RangePicker value={range.key} onChange={range.set} />
      </div>
      <div className="grid-2">
        <Traffic range={range} />
        <Refusals since={since} label={range.label} />
        <OpenCases />
        <Enforcement range={range} />
        <TopOrgs since={since} outcome="" id="ov-top" heading="Top organizations by requests" caption={`Requests (every outcome), ${range.label}`} />
        <TopOrgs since={since} outcome={DENIED} id="ov-top-denied" heading="Top organizations by refusals" caption={`Refused or rate-limited requests, ${range.label}`} />
      </div>
    </section>
  );
}

function Traffic({ range }: { range: Window }) {
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=${range.bucket},outcome&from=${encodeURIComponent(range.from)}`);
  return (
    <section aria-labelledby="ov-traffic">
      <h2 id="ov-traffic">Traffic</h2>
      <AsyncView state={state} what="traffic">
        {({ usage }) => <OutcomeChart title={`Requests per ${range.bucket} by outcome, ${range.label}`} usage={usage} axis={range} />}
      </AsyncView>
    </section>
  );
}

function Refusals({ since, label }: { since: string; label: string }) {
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=reason&outcome=${DENIED}&from=${since}`);
  return (
    <section aria-labelledby="ov-refusals">
      <h2 id="ov-refusals">Refusals by reason</h2>
      <AsyncView state={state} what="refusals">
        {({ usage }) => (
          <BarList
            title={`Refused or rate-limited requests, ${label}`}
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
function Enforcement({ range }: { range: Window }) {
  // Activity is counted per hour or day; a one-hour view shows the hour's total.
  const axis = range.bucket === 'minute' ? { ...range, bucket: 'hour' as const, slots: 1 } : range;
  const state = useApi<{ activity: ActivityRow[] }>(`/admin/enforcement/activity?bucket=${axis.bucket}&from=${encodeURIComponent(range.from)}`);
  return (
    <section aria-labelledby="ov-enf">
      <h2 id="ov-enf">Enforcement actions</h2>
      <AsyncView state={state} what="enforcement actions">
        {({ activity }) => {
          const kinds = [...new Set(activity.map((a) => a.kind))];
          return (
            <TimeSeriesChart
              title={`Enforcement actions per ${axis.bucket} by kind, ${range.label}`}
              buckets={activity.length ? bucketsBy(axis, activity, (a) => a.kind, (a) => a.count) : []}
              bucket={axis.bucket}
              series={kinds.map((k) => ({ key: k, label: k, color: ACTIVITY_COLOR[k] ?? '#4b5563' }))}
            />
          );
        }}
      </AsyncView>
    </section>
  );
}
