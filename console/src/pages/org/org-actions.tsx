// Admin status actions on an org (POST /admin/orgs/:org/status). Restrict, suspend and revoke are dangerous:
// they show the impact and need the org's name typed. Every action records a reason and, if given, a clause.
import { useState } from 'react';
import type { Org, OrgStatus } from '../../api/types.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';
import { announceChange } from '../../hooks/change-signal.js';

type Kind = 'restrict' | 'suspend' | 'revoke' | 'reinstate';
const TARGET: Record<Kind, OrgStatus> = { restrict: 'restricted', suspend: 'suspended', revoke: 'revoked', reinstate: 'active' };
const LABEL: Record<Kind, string> = { restrict: 'Restrict', suspend: 'Suspend', revoke: 'Revoke', reinstate: 'Reinstate' };

export function OrgActions({ org, onDone }: { org: Org; onDone: () => void }) {
  const { api } = useSession();
  const [open, setOpen] = useState<Kind | null>(null);
  const [hours, setHours] = useState(24);
  const [clause, setClause] = useState('');
  const kinds = (Object.keys(TARGET) as Kind[]).filter((k) => TARGET[k] !== org.status);
  return (
    <div className="actions">
      {kinds.map((k) => (
        <button key={k} type="button" className={k === 'reinstate' ? undefined : 'danger'} onClick={() => setOpen(k)}>
          {LABEL[k]}…
        </button>
      ))}
      {open && (
        <ActionDialog
          title={`${LABEL[open]} ${org.name}`}
          actionLabel={open === 'suspend' ? `Suspend for ${hours} h` : LABEL[open]}
          impact={open === 'reinstate' ? undefined : { action: open, orgIds: [org.id] }}
          confirmName={open === 'reinstate' ? undefined : org.name}
          onClose={() => setOpen(null)}
          onSubmit={async ({ note }) => {
            const body = {
              status: TARGET[open],
              reason: note,
              ...(clause.trim() ? { clause: clause.trim() } : {}),
              ...(open === 'suspend' ? { until: new Date(Date.now() + hours * 3600_000).toISOString() } : {}),
            };
            await api(`/admin/orgs/${encodeURIComponent(org.id)}/status`, { method: 'POST', body });
            onDone();
            announceChange();
          }}
        >
          {open === 'suspend' && (
            <>
              <label htmlFor="suspend-hours">Suspend for (hours)</label>
              <input id="suspend-hours" type="number" min={1} max={8760} value={hours} onChange={(e) => setHours(Number(e.target.value) || 1)} />
            </>
          )}
          {open !== 'reinstate' && (
            <>
              <label htmlFor="action-clause">Clause of the terms enforced (shown to the customer)</label>
              <input id="action-clause" value={clause} onChange={(e) => setClause(e.target.value)} placeholder="e.g. ToS §2.3 (competing models)" />
            </>
          )}
        </ActionDialog>
      )}
    </div>
  );
}
