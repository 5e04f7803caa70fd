// Horizontal bars with labels: top orgs, cases by severity. Readable as a list without the bars.
import type { ReactNode } from 'react';
import { fmtNum } from '../components/format.js';

export function BarList({ title, items }: { title: string; items: { key: string; label: ReactNode; value: number; color?: string }[] }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {items.length === 0 ? (
        <p className="muted">Nothing to show.</p>
      ) : (
        <ul className="bar-list">
          {items.map((i) => (
            <li key={i.key}>
              <span className="bar-label">{i.label}</span>
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" className="bar">
                <rect width={(100 * i.value) / max} height="10" fill={i.color ?? 'var(--accent)'} />
              </svg>
              <span className="bar-value">{fmtNum(i.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
