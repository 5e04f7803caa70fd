// A stacked bar chart over time buckets, in plain SVG. Each series gets a colour and a legend entry;
// the same numbers are available to screen readers as a table (visually hidden).
import { fmtNum } from '../components/format.js';

export interface Series {
  key: string;
  label: string;
  color: string;
}

export function TimeSeriesChart({ title, buckets, series }: { title: string; buckets: { start: string; values: Record<string, number> }[]; series: Series[] }) {
  const W = 560;
  const H = 160;
  const pad = { l: 40, b: 20, t: 8 };
  const totals = buckets.map((b) => series.reduce((s, x) => s + (b.values[x.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = buckets.length ? (W - pad.l) / buckets.length : 0;
  const y = (v: number) => ((H - pad.b - pad.t) * v) / max;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {buckets.length === 0 ? (
        <p className="muted">No data in this period.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${buckets.length} periods, peak ${fmtNum(max)}`}>
          <line x1={pad.l} x2={W} y1={H - pad.b} y2={H - pad.b} className="axis" />
          <text x={pad.l - 4} y={pad.t + 8} textAnchor="end" className="tick">
            {fmtNum(max)}
          </text>
          <text x={pad.l - 4} y={H - pad.b} textAnchor="end" className="tick">
            0
          </text>
          {buckets.map((b, i) => {
            let base = H - pad.b;
            return (
              <g key={b.start}>
                {series.map((s) => {
                  const h = y(b.values[s.key] ?? 0);
                  base -= h;
                  return <rect key={s.key} x={pad.l + i * bw + 1} y={base} width={Math.max(1, bw - 2)} height={h} fill={s.color} />;
                })}
              </g>
            );
          })}
          <text x={pad.l} y={H - 4} className="tick">
            {new Date(buckets[0]!.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
          </text>
          <text x={W} y={H - 4} textAnchor="end" className="tick">
            {new Date(buckets[buckets.length - 1]!.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
          </text>
        </svg>
      )}
      <ul className="legend">
        {series.map((s) => (
          <li key={s.key}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label}: {fmtNum(buckets.reduce((n, b) => n + (b.values[s.key] ?? 0), 0))}
          </li>
        ))}
      </ul>
    </figure>
  );
}
