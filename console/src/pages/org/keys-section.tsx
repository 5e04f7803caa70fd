// Keys of an org (prefixes only; secrets are never shown). Admins can disable a key with a note.
import { useState } from 'react';
import type { ApiKeyView } from '../../api/types.js';
import { canAct } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';
import { announceChange } from '../../hooks/change-signal.js';

export function KeysSection({ orgId }: { orgId: string }) {
  const { api, me } = useSession();
  const state = useApi<{ keys: ApiKeyView[] }>(`/admin/orgs/${encodeURIComponent(orgId)}/keys`);
  const [disabling, setDisabling] = useState<ApiKeyView | null>(null);
  return (
    <section aria-labelledby="keys">
      <h2 id="keys">Keys</h2>
      <AsyncView state={state} what="keys">
        {({ keys }) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Prefix</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                {canAct(me.role) && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row">
                    <code>{k.prefix}</code>
                  </th>
                  <td title={`created ${fmtTime(k.createdAt)}`}>{k.name}</td>
                  <td>
                    <Badge value={k.status} />
                  </td>
                  {canAct(me.role) && (
                    <td>
                      {k.status === 'active' && (
                        <button type="button" onClick={() => setDisabling(k)} aria-label={`Disable key ${k.prefix}`}>
                          Disable…
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AsyncView>
      {disabling && (
        <ActionDialog
          title={`Disable key ${disabling.prefix}`}
          actionLabel="Disable key"
          onClose={() => setDisabling(null)}
          onSubmit={async ({ note }) => {
            await api(`/admin/keys/${encodeURIComponent(disabling.id)}/disable`, { method: 'POST', body: { reason: note } });
            announceChange();
          }}
        />
      )}
    </section>
  );
}
