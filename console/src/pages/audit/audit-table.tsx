// Audit entries with names and links instead of ids: the target as its org (or the org whose key it is) or
// case, and the details as labelled fields whose ids (caseId, orgIds) link too.
import type { ReactNode } from 'react';
import type { FoundAuditEntry, Org } from '../../api/types.js';
import { CaseLink, EntityRef, OrgLink } from '../../components/entity-link.js';
import { fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';

export type ListedAuditEntry = FoundAuditEntry;

export function AuditTable({ entries, caption, orgs }: { entries: ListedAuditEntry[]; caption: string; orgs?: Map<string, Org> }) {
  if (entries.length === 0) return <p className="muted">No entries.</p>;
  return (
    <div className="table-scroll">
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
              <td className="nowrap">{fmtTime(e.ts)}</td>
              <td>{e.actor}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>
                <EntityRef id={e.target} {...(orgs ? { orgs } : {})} {...(e.targetOrg ? { owner: e.targetOrg } : {})} />
              </td>
              <td>
                <Fields data={e.data} orgs={orgs} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An entry's data as labelled fields. */
export function Fields({ data, orgs }: { data: Record<string, unknown>; orgs?: Map<string, Org> | undefined }) {
  const entries = Object.entries(data).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="fields">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{fieldValue(k, v, orgs)}</dd>
        </div>
      ))}
    </dl>
  );
}

function fieldValue(k: string, v: unknown, orgs: Map<string, Org> | undefined): ReactNode {
  if (k === 'caseId' && typeof v === 'string') return <CaseLink id={v} />;
  if ((k === 'orgId' || k === 'org') && typeof v === 'string' && v.startsWith('org_')) return <OrgLink id={v} orgs={orgs} />;
  if (k === 'orgIds' && Array.isArray(v))
    return v.map((id, i) => (
      <span key={String(id)}>
        {i > 0 && ', '}
        <OrgLink id={String(id)} orgs={orgs} />
      </span>
    ));
  if ((k === 'from' || k === 'to' || k === 'status') && typeof v === 'string') return <Badge value={v} />;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ');
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return <Fields data={v as Record<string, unknown>} orgs={orgs} />;
  return <code>{JSON.stringify(v)}</code>;
}

/** Flat text of the details, for searching in the browser. */
export const describe = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
