// Keys of an org (prefixes only; secrets are never shown): status, created, last used, expiry and recent
// traffic. Admins disable, re-enable or delete a key; each dialog first shows what the key carries now
// (requests in the last 5 minutes and 24 hours, last use) and what the org keeps (its other active keys).
import { useState } from 'react';
import type { ApiKeyView } from '../../api/types.js';
import { canAct } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtAge, fmtNum, fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { announceChange } from '../../hooks/change-signal.js';
import { useApi } from '../../hooks/use-api.js';

interface KeyActivity {
  keyId: string;
  lastUsedAt: string;
  requests24h: number;
  requestsLast5m: number;
}

type KeyAction = 'disable' | 'enable' | 'delete';
const VERB: Record<KeyAction, string> = { disable: 'Disable', enable: 'Re-enable', delete: 'Delete' };

export function KeysSection({ orgId }: { orgId: string }) {
  const { api, me } = useSession();
  const org = encodeURIComponent(orgId);
  const state = useApi<{ keys: ApiKeyView[] }>(`/admin/orgs/${org}/keys`);
  const activity = useApi<{ keys: KeyActivity[] }>(`/admin/orgs/${org}/keys/activity`);
  const byKey = new Map(activity.kind === 'ok' ? activity.data.keys.map((a) => [a.keyId, a]) : []);
  const [acting, setActing] = useState<{ key: ApiKeyView; action: KeyAction } | null>(null);
  const admin = canAct(me.role);
  return (
    <section aria-labelledby="keys">
      <h2 id="keys">Keys</h2>
      <AsyncView state={state} what="keys">
        {({ keys }) => (
          <div className="table-scroll">
            <table aria-label="Keys">
              <thead>
                <tr>
                  <th scope="col">Prefix</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col" className="num">
                    Requests (24 h)
                  </th>
                  {admin && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => {
                  const a = byKey.get(k.id);
                  return (
                    <tr key={k.id}>
                      <th scope="row">
                        <code title={k.id}>{k.prefix}</code>
                      </th>
                      <td>{k.name}</td>
                      <td>
                        <Badge value={k.status} />
                      </td>
                      <td className="nowrap" title={fmtTime(k.createdAt)}>
                        {fmtAge(k.createdAt)}
                      </td>
                      <td className="nowrap" title={a ? fmtTime(a.lastUsedAt) : undefined}>
                        {a ? fmtAge(a.lastUsedAt) : <span className="muted">never</span>}
                      </td>
                      <td className="nowrap">{k.expiresAt ? fmtTime(k.expiresAt) : <span className="muted">never</span>}</td>
                      <td className="num">{fmtNum(a?.requests24h ?? 0)}</td>
                      {admin && (
                        <td className="actions">
                          {k.status === 'active' ? (
                            <button type="button" onClick={() => setActing({ key: k, action: 'disable' })} aria-label={`Disable key ${k.prefix}`}>
                              Disable…
                            </button>
                          ) : (
                            <button type="button" onClick={() => setActing({ key: k, action: 'enable' })} aria-label={`Re-enable key ${k.prefix}`}>
                              Re-enable…
                            </button>
                          )}
                          <button type="button" className="danger" onClick={() => setActing({ key: k, action: 'delete' })} aria-label={`Delete key ${k.prefix}`}>
                            Delete…
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </AsyncView>
      {acting && (
        <ActionDialog
          title={`${VERB[acting.action]} key ${acting.key.name} (${acting.key.prefix})`}
          actionLabel={`${VERB[acting.action]} key`}
          {...(acting.action === 'delete' ? { confirmName: acting.key.prefix } : {})}
          onClose={() => setActing(null)}
          onSubmit={async ({ note }) => {
            const path = `/admin/keys/${encodeURIComponent(acting.key.id)}`;
            if (acting.action === 'delete') await api(path, { method: 'DELETE' });
            else await api(`${path}/${acting.action}`, { method: 'POST', body: { reason: note } });
            announceChange();
          }}
        >
          <KeyImpact action={acting.action} k={acting.key} a={byKey.get(acting.key.id)} others={state.kind === 'ok' ? state.data.keys.filter((k) => k.id !== acting.key.id && k.status === 'active').length : 0} />
        </ActionDialog>
      )}
    </section>
  );
}

function KeyImpact({ action, k, a, others }: { action: KeyAction; k: ApiKeyView; a: KeyActivity | undefined; others: number }) {
  const perMin = Math.round(((a?.requestsLast5m ?? 0) / 5) * 10) / 10;
  return (
    <div className="impact" role="status">
      <p>
        {action === 'enable' ? (
          <>Requests with this key will be served again (subject to the org’s status and limits).</>
        ) : (
          <>
            Every request with this key will be refused{action === 'delete' ? ', and the key cannot be restored' : ''}. It carried{' '}
            <strong>{perMin} requests per minute</strong> over the last 5 minutes and {fmtNum(a?.requests24h ?? 0)} in the last 24 hours
            {a ? `; last used ${fmtAge(a.lastUsedAt)}` : '; never used'}.
          </>
        )}
      </p>
      <p>
        The organization {action === 'enable' ? 'also has' : 'keeps'} {others} other active key{others === 1 ? '' : 's'}.
        {k.status === 'disabled' && action === 'delete' ? ' This key is already disabled.' : ''}
      </p>
    </div>
  );
}
