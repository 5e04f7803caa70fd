// Every consequential action goes through this dialog: a required note, and for dangerous actions the
// server's impact preview plus typed confirmation of the org's name. Without a known impact the action
// stays disabled: a wrong cut-off must be hard.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import { computeImpact } from '../api/impact.js';
import type { Impact } from '../api/types.js';
import { useSession } from '../auth/session-context.js';
import { ImpactSummary } from './impact-summary.js';
import { Modal } from './modal.js';

export interface ImpactRequest {
  action: string;
  orgIds: string[];
}

export interface ActionInput {
  note: string;
}

type ImpactState = { kind: 'loading' } | { kind: 'ok'; impact: Impact } | { kind: 'error'; message: string };

export function ActionDialog(props: {
  title: string;
  actionLabel: string;
  impact?: ImpactRequest;
  confirmName?: string;
  /** Extra fields of this action (e.g. suspension length), shown above the note. */
  children?: ReactNode;
  onSubmit: (input: ActionInput) => Promise<void>;
  onClose: () => void;
}) {
  const { api } = useSession();
  const [note, setNote] = useState('');
  const [typed, setTyped] = useState('');
  const [impact, setImpact] = useState<ImpactState | null>(props.impact ? { kind: 'loading' } : null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const impactKey = props.impact ? JSON.stringify(props.impact) : null;
  useEffect(() => {
    if (!impactKey) return;
    setImpact({ kind: 'loading' });
    let live = true;
    const req = JSON.parse(impactKey) as ImpactRequest;
    computeImpact(api, req.action, req.orgIds).then(
      (i) => live && setImpact({ kind: 'ok', impact: i }),
      (e: ApiError) => live && setImpact({ kind: 'error', message: `Cannot tell what this would change, so it cannot be confirmed: ${e.message}` }),
    );
    return () => {
      live = false;
    };
  }, [api, impactKey]);

  const confirmed = props.confirmName === undefined || typed.trim() === props.confirmName;
  const impactReady = impact === null || impact.kind === 'ok';
  const ready = note.trim().length > 0 && confirmed && impactReady && !busy;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit({ note: note.trim() });
      props.onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form onSubmit={submit}>
        {props.children}
        {impact?.kind === 'loading' && <p role="status">Computing what will change…</p>}
        {impact?.kind === 'error' && (
          <p role="alert" className="error-text">
            {impact.message}
          </p>
        )}
        {impact?.kind === 'ok' && <ImpactSummary impact={impact.impact} />}
        <label htmlFor="action-note">Note (required, recorded in the audit trail)</label>
        <textarea id="action-note" required rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
        {props.confirmName !== undefined && (
          <>
            <label htmlFor="action-confirm">
              Type <strong>{props.confirmName}</strong> to confirm
            </label>
            <input id="action-confirm" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </>
        )}
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className={props.impact ? 'danger' : 'primary'} disabled={!ready}>
            {busy ? 'Working…' : props.actionLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
