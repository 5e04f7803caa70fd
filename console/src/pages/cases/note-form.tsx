// Analysts and admins annotate cases; viewers only read.
import { useState, type FormEvent } from 'react';
import { canAnnotate } from '../../auth/permissions.js';
import { useSession } from '../../auth/session-context.js';

export function NoteForm({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { api, me } = useSession();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!canAnnotate(me.role)) return null;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api(`/admin/cases/${encodeURIComponent(caseId)}/notes`, { method: 'POST', body: { note: text.trim() } });
      setText('');
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="note-form">
      <label htmlFor="case-note">Add a note</label>
      <textarea id="case-note" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      {error && <p role="alert" className="error-text">{error}</p>}
      <button type="submit" disabled={busy || !text.trim()}>
        Add note
      </button>
    </form>
  );
}
