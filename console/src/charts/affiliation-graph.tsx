// The org and its affiliates on a circle, edges labelled with the relation. Affiliations matter because
// a restriction can propagate to them; each node's status colour shows who is already cut off.
import type { Affiliation, Org } from '../api/types.js';
import { href, Link } from '../hooks/use-route.js';

export function AffiliationGraph({ org, affiliations, orgs }: { org: Org; affiliations: Affiliation[]; orgs: Map<string, Org> }) {
  const edges = affiliations.filter((a) => a.orgId === org.id || a.affiliateId === org.id);
  const others = [...new Set(edges.map((a) => (a.orgId === org.id ? a.affiliateId : a.orgId)))];
  if (others.length === 0) return <p className="muted">No affiliations.</p>;
  const W = 420;
  const H = 220;
  const cx = W / 2;
  const cy = H / 2;
  const r = 80;
  const pos = new Map<string, { x: number; y: number }>([[org.id, { x: cx, y: cy }]]);
  others.forEach((id, i) => {
    const a = (2 * Math.PI * i) / others.length - Math.PI / 2;
    pos.set(id, { x: cx + 1.8 * r * Math.cos(a), y: cy + r * Math.sin(a) });
  });
  const name = (id: string) => orgs.get(id)?.name ?? id;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Affiliation graph of ${org.name}`}>
        {edges.map((e) => {
          const a = pos.get(e.orgId)!;
          const b = pos.get(e.affiliateId)!;
          return (
            <g key={`${e.orgId}-${e.affiliateId}-${e.relation}`}>
              <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="edge" />
              <text x={(a.x + b.x) / 2} y={(a.y + b.y) / 2 - 4} textAnchor="middle" className="edge-label">
                {e.relation}
              </text>
            </g>
          );
        })}
        {[org.id, ...others].map((id) => {
          const p = pos.get(id)!;
          const status = orgs.get(id)?.status ?? 'active';
          return (
            <g key={id}>
              <circle cx={p.x} cy={p.y} r={id === org.id ? 9 : 7} className={`node node-${status}`} />
              <text x={p.x} y={p.y + 20} textAnchor="middle" className="node-label">
                {name(id)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="sr-list">
        <ul>
          {edges.map((e) => (
            <li key={`${e.orgId}-${e.affiliateId}-${e.relation}`}>
              <Link href={href('orgs', e.affiliateId)}>{name(e.affiliateId)}</Link> is <em>{e.relation}</em> of{' '}
              <Link href={href('orgs', e.orgId)}>{name(e.orgId)}</Link>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
