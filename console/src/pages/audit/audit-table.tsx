import type { AuditEntry } from '../../api/types.js';
import { fmtTime } from '../../components/format.js';

export function AuditTable({ entries, caption }: { entries: AuditEntry[]; caption: string }) {
  if (entries.length === 0) return <p className="muted">No entries.</p>;
  return (
    <table className="audit">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq}>
            <td>{e.seq}</td>
            <td>{fmtTime(e.ts)}</td>
            <td>{e.actor}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              <code>{e.target}</code>
            </td>
            <td className="details">{describe(e.data)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const describe = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
