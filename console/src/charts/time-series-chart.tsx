// A stacked bar chart over time buckets, in plain SVG. Each series gets a colour and a legend entry with its
// total; hovering a bar shows the bucket's numbers (an SVG <title>), and the same numbers are available to
// screen readers through the legend and the image label.
import { fmtAxisTime, fmtDay, fmtNum, fmtTime } from '../components/format.js';

export interface Series {
  key: string;
  label: string;
  color: string;
}

const TICKS = 5;

export function TimeSeriesChart({ title, buckets, series, bucket = 'hour' }: { title: string; buckets: { start: string; values: Record<string, number> }[]; series: Series[]; bucket?: 'minute' | 'hour' | 'day' }) {
  const W = 560;
  const H = 170;
  const pad = { l: 44, b: 22, t: 8 };
  const totals = buckets.map((b) => series.reduce((s, x) => s + (b.values[x.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = buckets.length ? (W - pad.l) / buckets.length : 0;
  const y = (v: number) => ((H - pad.b - pad.t) * v) / max;
  const every = Math.max(1, Math.ceil(buckets.length / TICKS));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {buckets.length === 0 ? (
        <p className="muted">No data in this period.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${buckets.length} periods, peak ${fmtNum(max)}`}>
          <line x1={pad.l} x2={W} y1={H - pad.b} y2={H - pad.b} className="axis" />
          {[...new Set([max, Math.round(max / 2)])].filter((v) => v > 0).map((v) => (
            <g key={v}>
              <line x1={pad.l} x2={W} y1={H - pad.b - y(v)} y2={H - pad.b - y(v)} className="grid" />
              <text x={pad.l - 4} y={H - pad.b - y(v) + 4} textAnchor="end" className="tick">
                {fmtNum(v)}
              </text>
            </g>
          ))}
          <text x={pad.l - 4} y={H - pad.b} textAnchor="end" className="tick">
            0
          </text>
          {buckets.map((b, i) => {
            let base = H - pad.b;
            const parts = series.filter((s) => b.values[s.key]).map((s) => `${s.label}: ${fmtNum(b.values[s.key] ?? 0)}`);
            return (
              <g key={b.start} className="bucket">
                <title>{`${bucket === 'day' ? `${fmtDay(b.start)} (UTC day)` : fmtTime(b.start)}\n${parts.length ? parts.join('\n') : 'nothing'}`}</title>
                <rect x={pad.l + i * bw} y={pad.t} width={bw} height={H - pad.b - pad.t} className="hover-target" />
                {series.map((s) => {
                  const h = y(b.values[s.key] ?? 0);
                  base -= h;
                  return <rect key={s.key} x={pad.l + i * bw + 1} y={base} width={Math.max(1, bw - 2)} height={h} fill={s.color} />;
                })}
                {i % every === 0 && (
                  <text x={pad.l + i * bw} y={H - 6} className="tick">
                    {bucket === 'day' ? fmtDay(b.start) : fmtAxisTime(b.start)}
                  </text>
                )}
              </g>
            );
          })}
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
