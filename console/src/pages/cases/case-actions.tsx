// Decisions on a case, per role and case status (src/enforcement/case-transitions.ts):
//   open      admin: approve the proposed action, dismiss
//   actioned  admin: reinstate; analyst/admin: record the customer's appeal
//   appealed  admin: uphold the action (approve endpoint, changes nothing) or reinstate
// Approving a restrict / suspend / revoke is dangerous: the dialog shows the impact and asks for the org's
// name (or the case id for a cluster). Every decision needs a note.
import { useState } from 'react';
import type { CaseDetail, Org } from '../../api/types.js';
import { canAct, canAnnotate } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';
import { ActionDialog } from '../../components/action-dialog.js';
import { announceChange } from '../../hooks/change-signal.js';

type Decision = 'approve' | 'dismiss' | 'reinstate' | 'appeal';
const DANGEROUS = new Set(['restrict', 'suspend', 'revoke']);

/** What a decision did, from the case the API returns after it: shown at once as the confirmation. */
export function confirmation(decision: Decision, after: CaseDetail, orgs: Map<string, Org>): string {
  const names = (ids: string[]) => (ids.length > 3 ? `${ids.length} accounts` : ids.map((id) => orgs.get(id)?.name ?? id).join(', '));
  const last = after.actionsTaken.at(-1);
  if (decision === 'approve' && last) return `Done — ${last.action} taken by ${last.by} on ${names(last.orgIds)}. The case is now ${after.status}.`;
  if (decision === 'reinstate') return `Done — the action was lifted. The case is now ${after.status}.`;
  return `Done — the case is now ${after.status}.`;
}

export function CaseActions({ c, orgs, clause, onDone }: { c: CaseDetail; orgs: Map<string, Org>; clause: string; onDone: (after: CaseDetail, message: string) => void }) {
  const { api, me } = useSession();
  // `?approve=1` (the queue's "a" shortcut) opens the approval at once when this role may approve this case.
  const [open, setOpen] = useState<Decision | null>(() =>
    new URLSearchParams(location.search).get('approve') === '1' && canAct(me.role) && (c.status === 'open' || c.status === 'appealed') && c.proposedAction && c.proposedAction.action !== 'none' ? 'approve' : null,
  );
  if (!canAnnotate(me.role)) return null;
  const admin = canAct(me.role);
  const proposed = c.proposedAction;
  const uphold = c.status === 'appealed';
  const dangerous = open === 'approve' && !uphold && proposed !== undefined && DANGEROUS.has(proposed.action);
  const subject = c.orgIds.length === 1 ? (orgs.get(c.orgIds[0]!)?.name ?? c.orgIds[0]!) : c.id;
  const action = proposed?.action ?? '';
  const titles: Record<Decision, string> = {
    approve: uphold ? `Uphold ${action} against the appeal — ${clause}` : `Approve ${action} — ${clause}`,
    dismiss: `Dismiss case ${c.id}`,
    reinstate: `Reinstate: lift the action of case ${c.id}`,
    appeal: `Record the customer's appeal of case ${c.id}`,
  };
  const labels: Record<Decision, string> = { approve: uphold ? `Uphold ${action}` : `Approve ${action}`, dismiss: 'Dismiss case', reinstate: 'Reinstate', appeal: 'Record appeal' };
  return (
    <div className="actions">
      {admin && c.status === 'open' && proposed && proposed.action !== 'none' && (
        <button type="button" className="danger" onClick={() => setOpen('approve')}>
          Approve {action}…
        </button>
      )}
      {admin && uphold && proposed && (
        <button type="button" onClick={() => setOpen('approve')}>
          Uphold {action}…
        </button>
      )}
      {admin && c.status === 'open' && (
        <button type="button" onClick={() => setOpen('dismiss')}>
          Dismiss…
        </button>
      )}
      {admin && (c.status === 'actioned' || c.status === 'appealed') && (
        <button type="button" onClick={() => setOpen('reinstate')}>
          Reinstate…
        </button>
      )}
      {c.status === 'actioned' && (
        <button type="button" onClick={() => setOpen('appeal')}>
          Record appeal…
        </button>
      )}
      {open && (
        <ActionDialog
          title={titles[open]}
          actionLabel={labels[open]}
          impact={dangerous ? { action: proposed!.action, orgIds: proposed!.orgIds.length ? proposed!.orgIds : c.orgIds } : undefined}
          confirmName={dangerous ? subject : undefined}
          onClose={() => setOpen(null)}
          onSubmit={async ({ note }) => {
            const res = await api<{ case: CaseDetail }>(`/admin/cases/${encodeURIComponent(c.id)}/${open}`, { method: 'POST', body: { note } });
            onDone(res.case, confirmation(open, res.case, orgs));
            announceChange();
          }}
        />
      )}
    </div>
  );
}
