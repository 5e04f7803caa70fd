// The org's history is its slice of the audit trail: the org, its keys and its cases, newest first.
import type { Org } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { useApi } from '../../hooks/use-api.js';
import { href, Link } from '../../hooks/use-route.js';
import { AuditTable, type ListedAuditEntry } from '../audit/audit-table.js';

const SHOWN = 20;

export function HistorySection({ org, orgs }: { org: Org; orgs: Map<string, Org> }) {
  const state = useApi<{ entries: ListedAuditEntry[]; total: number }>(`/admin/audit/search?org=${encodeURIComponent(org.id)}&limit=${SHOWN}`);
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <AsyncView state={state} what="history">
        {({ entries, total }) => (
          <>
            <AuditTable entries={entries} caption="Changes to this organization, its keys and cases, newest first" orgs={orgs} />
            <p>
              <Link href={`${href('audit')}?org=${encodeURIComponent(org.id)}`}>
                All {total} audit entries about {org.name}
              </Link>
            </p>
          </>
        )}
      </AsyncView>
    </section>
  );
}
