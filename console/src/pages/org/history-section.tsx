// The org's history is its slice of the audit trail.
import type { AuditEntry } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { AuditTable } from '../audit/audit-table.js';
import { useApi } from '../../hooks/use-api.js';

export function HistorySection({ orgId }: { orgId: string }) {
  const state = useApi<{ entries: AuditEntry[] }>(`/admin/audit?target=${encodeURIComponent(orgId)}&limit=5000`);
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <AsyncView state={state} what="history">
        {({ entries }) => <AuditTable entries={[...entries].reverse().slice(0, 50)} caption="Changes to this organization, newest first" />}
      </AsyncView>
    </section>
  );
}
