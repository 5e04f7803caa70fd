// Chooses the time range of a page's charts; the page re-reads its data for the new range.
import { RANGES } from '../hooks/use-range.js';

export function RangePicker({ value, onChange }: { value: string; onChange: (key: string) => void }) {
  return (
    <div className="range-picker">
      <label htmlFor="range" className="inline">
        Time range
      </label>
      <select id="range" value={value} onChange={(e) => onChange(e.target.value)}>
        {RANGES.map((r) => (
          <option key={r.key} value={r.key}>
            {r.label}
          </option>
        ))}
      </select>
    </div>
  );
}
