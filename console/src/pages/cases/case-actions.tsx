// Admin decisions on a case. Approving a restrict / suspend / revoke is dangerous: the dialog shows the
// impact and asks for the org's name (or the case id for a cluster). Every decision needs a note.
import { useState } from 'react';
import type { CaseDetail, Org } from '../../api/types.js';
import { canAct } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';

type Decision = 'approve' | 'dismiss' | 'reinstate';
const DANGEROUS = new Set(['restrict', 'suspend', 'revoke']);

export function CaseActions({ c, orgs, onDone }: { c: CaseDetail; orgs: Map<string, Org>; onDone: () => void }) {
  const { api, me } = useSession();
  const [open, setOpen] = useState<Decision | null>(null);
  if (!canAct(me.role)) return null;
  const proposed = c.proposedAction;
  const dangerous = open === 'approve' && proposed !== undefined && DANGEROUS.has(proposed.action);
  const subject = c.orgIds.length === 1 ? (orgs.get(c.orgIds[0]!)?.name ?? c.orgIds[0]!) : c.id;
  return (
    <div className="actions">
      {c.status === 'open' && proposed && proposed.action !== 'none' && (
        <button type="button" className="danger" onClick={() => setOpen('approve')}>
          Approve {proposed.action}…
        </button>
      )}
      {c.status === 'open' && (
        <button type="button" onClick={() => setOpen('dismiss')}>
          Dismiss…
        </button>
      )}
      {c.status === 'actioned' && (
        <button type="button" onClick={() => setOpen('reinstate')}>
          Reinstate…
        </button>
      )}
      {open && (
        <ActionDialog
          title={open === 'approve' ? `Approve ${proposed?.action ?? ''} — ${c.clause}` : `${open === 'dismiss' ? 'Dismiss' : 'Reinstate'} case ${c.id}`}
          actionLabel={open === 'approve' ? `Approve ${proposed?.action ?? ''}` : open === 'dismiss' ? 'Dismiss case' : 'Reinstate'}
          impact={dangerous ? { action: proposed!.action, orgIds: proposed!.orgIds.length ? proposed!.orgIds : c.orgIds } : undefined}
          confirmName={dangerous ? subject : undefined}
          onClose={() => setOpen(null)}
          onSubmit={async ({ note }) => {
            await api(`/admin/cases/${encodeURIComponent(c.id)}/${open}`, { method: 'POST', body: { note } });
            onDone();
          }}
        />
      )}
    </div>
  );
}
