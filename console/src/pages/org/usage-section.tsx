// An org's traffic by outcome and what it was refused for: analysts check here that an action took effect.
import { useMemo } from 'react';
import { DENIED, OUTCOMES, reasonText, type OutcomeUsageRow } from '../../api/outcomes.js';
import type { ApiKeyView } from '../../api/types.js';
import { bucketsBy } from '../../charts/time-buckets.js';
import { TimeSeriesChart } from '../../charts/time-series-chart.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtNum } from '../../components/format.js';
import { useApi } from '../../hooks/use-api.js';
import { useRange } from '../../hooks/use-range.js';
import { RangePicker } from '../../components/range-picker.js';
import { href, Link } from '../../hooks/use-route.js';

/** The time axis of a chart: where it starts, how many buckets, of what size. */
export interface Axis {
  from: string;
  slots: number;
  bucket: 'minute' | 'hour' | 'day';
}

export function UsageSection({ orgId }: { orgId: string }) {
  const range = useRange();
  const org = encodeURIComponent(orgId);
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?org=${org}&group_by=${range.bucket},outcome&from=${encodeURIComponent(range.from)}`);
  return (
    <section aria-labelledby="usage">
      <div className="page-head">
        <h2 id="usage">Usage</h2>
        <RangePicker value={range.key} onChange={range.set} />
      </div>
      <AsyncView state={state} what="usage">
        {({ usage }) => <OutcomeChart title={`Requests per ${range.bucket} by outcome, ${range.label}`} usage={usage} axis={range} />}
      </AsyncView>
      <Refusals orgId={orgId} from={range.from} label={range.label} />
      <p>
        <Link href={`${href('requests')}?org=${org}`}>Its requests in the request log</Link> ·{' '}
        <Link href={`${href('requests')}?org=${org}&outcome=${DENIED}`}>only the denied ones</Link>
      </p>
    </section>
  );
}

export function OutcomeChart({ title, usage, axis }: { title: string; usage: OutcomeUsageRow[]; axis: Axis }) {
  const seen = new Set(usage.map((u) => u.outcome ?? 'admitted'));
  return (
    <>
      <TimeSeriesChart
        title={title}
        buckets={bucketsBy(axis, usage, (u) => u.outcome ?? 'admitted', (u) => u.requests)}
        bucket={axis.bucket}
        series={OUTCOMES.filter((o) => o.key === 'admitted' || seen.has(o.key))}
      />
      <p className="muted">
        Tokens: {usage.reduce((n, u) => n + u.inputTokens, 0).toLocaleString()} in, {usage.reduce((n, u) => n + u.outputTokens, 0).toLocaleString()} out
      </p>
    </>
  );
}

/** Requests the gateway refused or rate-limited, by reason and key. */
function Refusals({ orgId, from, label }: { orgId: string; from: string; label: string }) {
  const org = encodeURIComponent(orgId);
  const state = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?org=${org}&outcome=${DENIED}&group_by=reason,key&from=${encodeURIComponent(from)}`);
  const keys = useApi<{ keys: ApiKeyView[] }>(`/admin/orgs/${org}/keys`, 10000);
  const names = useMemo(() => new Map(keys.kind === 'ok' ? keys.data.keys.map((k) => [k.id, `${k.name} (${k.prefix})`]) : []), [keys]);
  return (
    <AsyncView state={state} what="refusals">
      {({ usage }) =>
        usage.length === 0 ? (
          <p className="muted">No refused or rate-limited requests in the {label}.</p>
        ) : (
          <table>
            <caption>Refused and rate-limited requests, {label}</caption>
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Key</th>
                <th scope="col" className="num">
                  Requests
                </th>
              </tr>
            </thead>
            <tbody>
              {[...usage]
                .sort((a, b) => b.requests - a.requests)
                .map((u) => (
                  <tr key={`${u.reason}-${u.keyId}`}>
                    <th scope="row">{reasonText(u.reason ?? '')}</th>
                    <td title={u.keyId}>{names.get(u.keyId ?? '') ?? u.keyId}</td>
                    <td className="num">{fmtNum(u.requests)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )
      }
    </AsyncView>
  );
}
