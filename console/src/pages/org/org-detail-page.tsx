// One organization: status and why, actions (admin), attributes, affiliations, grants, keys, limits,
// usage and history. Each section loads on its own so one missing endpoint does not blank the page.
import { useState } from 'react';
import type { Affiliation, Org } from '../../api/types.js';
import { canAct } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { AffiliationGraph } from '../../charts/affiliation-graph.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtTime, fmtUntil } from '../../components/format.js';
import { shownAttributes, ThrottleBadge } from '../../components/throttle-state.js';
import { CaseLink } from '../../components/entity-link.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';
import { useOrgs } from '../../hooks/use-orgs.js';
import { href, Link } from '../../hooks/use-route.js';
import { CasesSection } from './cases-section.js';
import { GrantsSection } from './grants-section.js';
import { HistorySection } from './history-section.js';
import { KeysSection } from './keys-section.js';
import { LimitsSection } from './limits-section.js';
import { OrgActions } from './org-actions.js';
import { UsageSection } from './usage-section.js';

export function OrgDetailPage({ orgId }: { orgId: string }) {
  const state = useApi<Org>(`/admin/orgs/${encodeURIComponent(orgId)}`);
  return (
    <section aria-labelledby="page-title">
      <AsyncView state={state} what="organization">
        {(org) => <OrgDetail org={org} reload={state.reload} />}
      </AsyncView>
    </section>
  );
}

function OrgDetail({ org, reload }: { org: Org; reload: () => void }) {
  const { me } = useSession();
  const orgs = useOrgs();
  const [, force] = useState(0);
  return (
    <>
      <header className="page-head">
        <h1 id="page-title">
          {org.name} <Badge value={org.status} /> <ThrottleBadge org={org} />
        </h1>
        {canAct(me.role) && (
          <OrgActions
            org={org}
            onDone={() => {
              reload();
              force((n) => n + 1);
            }}
          />
        )}
      </header>
      {org.statusChange && (
        <p className="status-why">
          {org.status} since {fmtTime(org.statusChange.at)} by {org.statusChange.actor}: {org.statusChange.reason}
          {org.statusChange.clause && <> — clause <strong>{org.statusChange.clause}</strong></>}
          {org.statusChange.caseId && (
            <>
              {' '}— <CaseLink id={org.statusChange.caseId} />
            </>
          )}
          {org.suspendedUntil && <> — until {fmtTime(org.suspendedUntil)}</>}
        </p>
      )}
      {org.throttle && (
        <p className="status-why">
          Throttled: every limit of this organization is at {Math.round(org.throttle.factor * 100)}% until {fmtTime(org.throttle.until)} ({fmtUntil(org.throttle.until)}).
        </p>
      )}
      <p className="page-links">
        <a href="#org-cases">Cases</a> · <a href="#keys">Keys</a> · <a href="#usage">Usage</a> ·{' '}
        <Link href={`${href('audit')}?org=${encodeURIComponent(org.id)}`}>Audit trail</Link>
      </p>
      <div className="grid-2">
        <CasesSection orgId={org.id} />
        <section aria-labelledby="attrs">
          <h2 id="attrs">Attributes</h2>
          <dl className="kv">
            <dt>ID</dt>
            <dd>
              <code>{org.id}</code>
            </dd>
            <dt>Tier</dt>
            <dd>{org.tier}</dd>
            {shownAttributes(org).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </div>
            ))}
            <dt>Labels</dt>
            <dd>{org.labels.length ? org.labels.join(', ') : '—'}</dd>
          </dl>
        </section>
        <section aria-labelledby="affs">
          <h2 id="affs">Affiliations</h2>
          <Affiliations org={org} />
        </section>
        <GrantsSection orgId={org.id} />
        <LimitsSection orgId={org.id} />
        <KeysSection orgId={org.id} />
        <UsageSection orgId={org.id} />
      </div>
      <HistorySection org={org} orgs={orgs} />
    </>
  );
}

function Affiliations({ org }: { org: Org }) {
  const affs = useApi<{ affiliations: Affiliation[] }>(`/admin/affiliations?org=${encodeURIComponent(org.id)}`);
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs');
  return (
    <AsyncView state={affs} what="affiliations">
      {({ affiliations }) => (
        <AffiliationGraph org={org} affiliations={affiliations} orgs={new Map((orgs.kind === 'ok' ? orgs.data.orgs : [org]).map((o) => [o.id, o]))} />
      )}
    </AsyncView>
  );
}
