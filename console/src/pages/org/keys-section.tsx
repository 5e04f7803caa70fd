// Keys of an org (prefixes only; secrets are never shown, except a rotated key's new secret, once): status,
// created, last used, expiry and recent traffic. Admins rotate, disable, re-enable or delete a key; each
// dialog first shows what the key carries now (requests in the last 5 minutes and 24 hours, last use) and
// what the org keeps (its other active keys); rotation also says until when the old secret keeps working.
import { useState } from 'react';
import type { ApiKeyView } from '../../api/types.js';
import { canAct } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';
import { Modal } from '../../components/modal.js';
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

/** A key as the admin API lists it (the contract's KeySchema carries the rotation and last-use fields). */
type KeyRow = ApiKeyView;

type KeyAction = 'rotate' | 'disable' | 'enable' | 'delete';
const VERB: Record<KeyAction, string> = { rotate: 'Rotate', disable: 'Disable', enable: 'Re-enable', delete: 'Delete' };

/** How long a rotated key's old secret keeps working: the admin API's `grace` durations. */
const GRACES: Array<{ value: string; label: string; ms: number }> = [
  { value: '0', label: 'Stop it now', ms: 0 },
  { value: '1h', label: '1 hour', ms: 3_600_000 },
  { value: '24h', label: '24 hours', ms: 86_400_000 },
  { value: '7d', label: '7 days', ms: 7 * 86_400_000 },
];

interface Issued {
  name: string;
  secret: string;
  previousValidUntil?: string;
}

export function KeysSection({ orgId }: { orgId: string }) {
  const { api, me } = useSession();
  const org = encodeURIComponent(orgId);
  const state = useApi<{ keys: KeyRow[] }>(`/admin/orgs/${org}/keys`);
  const activity = useApi<{ keys: KeyActivity[] }>(`/admin/orgs/${org}/keys/activity`);
  const byKey = new Map(activity.kind === 'ok' ? activity.data.keys.map((a) => [a.keyId, a]) : []);
  const [acting, setActing] = useState<{ key: KeyRow; action: KeyAction } | null>(null);
  const [grace, setGrace] = useState('24h');
  const [issued, setIssued] = useState<Issued | null>(null);
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
                  const lastUsed = k.lastUsedAt ?? a?.lastUsedAt;
                  return (
                    <tr key={k.id}>
                      <th scope="row">
                        <code title={k.id}>{k.prefix}</code>
                      </th>
                      <td>{k.name}</td>
                      <td>
                        <Badge value={k.status} />
                        {k.previous && (
                          <div className="muted" title={fmtTime(k.previous.validUntil)}>
                            old secret <code>{k.previous.prefix}</code> works until {fmtTime(k.previous.validUntil)}
                          </div>
                        )}
                      </td>
                      <td className="nowrap" title={fmtTime(k.createdAt)}>
                        {fmtAge(k.createdAt)}
                      </td>
                      <td className="nowrap" title={lastUsed ? fmtTime(lastUsed) : undefined}>
                        {lastUsed ? fmtAge(lastUsed) : <span className="muted">never</span>}
                      </td>
                      <td className="nowrap">{k.expiresAt ? fmtTime(k.expiresAt) : <span className="muted">never</span>}</td>
                      <td className="num">{fmtNum(a?.requests24h ?? 0)}</td>
                      {admin && (
                        <td className="actions">
                          {k.status === 'active' && (
                            <button type="button" onClick={() => setActing({ key: k, action: 'rotate' })} aria-label={`Rotate key ${k.prefix}`}>
                              Rotate…
                            </button>
                          )}
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
            else if (acting.action === 'rotate') {
              const r = await api<{ secret: string; previousValidUntil?: string }>(`/admin/keys/${encodeURIComponent(acting.key.id)}/rotate`, { method: 'POST', body: { grace, reason: note } });
              setIssued({ name: acting.key.name, secret: r.secret, ...(r.previousValidUntil ? { previousValidUntil: r.previousValidUntil } : {}) });
            } else await api(`${path}/${acting.action}`, { method: 'POST', body: { reason: note } });
            announceChange();
          }}
        >
          {acting.action === 'rotate' && (
            <label>
              Old secret keeps working for{' '}
              <select value={grace} onChange={(e) => setGrace(e.target.value)}>
                {GRACES.map((g) => (
                  <option key={g.value} value={g.value}>
                    {g.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          <KeyImpact
            action={acting.action}
            k={acting.key}
            a={byKey.get(acting.key.id)}
            graceMs={GRACES.find((g) => g.value === grace)?.ms ?? 0}
            others={state.kind === 'ok' ? state.data.keys.filter((k) => k.id !== acting.key.id && k.status === 'active').length : 0}
          />
        </ActionDialog>
      )}
      {issued && (
        <Modal title={`New secret for key ${issued.name}`} onClose={() => setIssued(null)}>
          <p>
            Copy it now: it is shown only this once. <code className="secret">{issued.secret}</code>
          </p>
          <p>
            {issued.previousValidUntil ? <>The old secret keeps working until {fmtTime(issued.previousValidUntil)}.</> : <>The old secret no longer works.</>}
          </p>
          <button type="button" onClick={() => setIssued(null)}>
            Done
          </button>
        </Modal>
      )}
    </section>
  );
}

function KeyImpact({ action, k, a, others, graceMs }: { action: KeyAction; k: KeyRow; a: KeyActivity | undefined; others: number; graceMs: number }) {
  const perMin = Math.round(((a?.requestsLast5m ?? 0) / 5) * 10) / 10;
  const carried = (
    <>
      It carried <strong>{perMin} requests per minute</strong> over the last 5 minutes and {fmtNum(a?.requests24h ?? 0)} in the last 24 hours
      {a ? `; last used ${fmtAge(a.lastUsedAt)}` : '; never used'}.
    </>
  );
  if (action === 'rotate')
    return (
      <div className="impact" role="status">
        <p>
          A new secret is issued and shown once; the key keeps its name, status and history.{' '}
          {graceMs > 0 ? (
            <>
              Clients still using the current secret (<code>{k.prefix}</code>) keep working until {fmtTime(new Date(Date.now() + graceMs).toISOString())}, then are refused.
            </>
          ) : (
            <>Clients still using the current secret (<code>{k.prefix}</code>) are refused at once.</>
          )}{' '}
          {carried}
        </p>
        {k.previous && <p>The secret replaced by the last rotation ({k.previous.prefix}) stops working now.</p>}
      </div>
    );
  return (
    <div className="impact" role="status">
      <p>
        {action === 'enable' ? (
          <>Requests with this key will be served again (subject to the org’s status and limits).</>
        ) : (
          <>
            Every request with this key will be refused{action === 'delete' ? ', and the key cannot be restored' : ''}. {carried}
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
