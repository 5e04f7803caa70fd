// Display formatting shared by pages. Times are ISO-like ("2026-03-01 14:05:09 UTC+1") in the viewer's own
// timezone, with the offset shown, so a time read out to a colleague elsewhere is unambiguous.
const pad = (n: number) => String(n).padStart(2, '0');

function offset(d: Date): string {
  const m = -d.getTimezoneOffset();
  if (m === 0) return 'UTC';
  const h = Math.trunc(Math.abs(m) / 60);
  const r = Math.abs(m) % 60;
  return `UTC${m > 0 ? '+' : '-'}${h}${r ? ':' + pad(r) : ''}`;
}

export const fmtTime = (iso: string | undefined): string => {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${offset(d)}`;
};

/** Axis label: "14:00", or "03-01 14:00" at midnight so a day boundary is visible. */
export const fmtAxisTime = (iso: string): string => {
  const d = new Date(iso);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.getHours() === 0 && d.getMinutes() === 0 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
};

/** A UTC day bucket as "2026-03-01". */
export const fmtDay = (iso: string): string => iso.slice(0, 10);

/** "5 min ago", "3 h ago", "2 d ago". */
export const fmtAge = (iso: string | undefined, now = Date.now()): string => {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
};

/** "in 5 min", "in 3 h", "in 2 d" for a time ahead; "ended" once it has passed. */
export const fmtUntil = (iso: string, now = Date.now()): string => {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (!(s > 0)) return 'ended';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.floor(s / 60)} min`;
  if (s < 86400) return `in ${Math.floor(s / 3600)} h`;
  return `in ${Math.floor(s / 86400)} d`;
};

export const fmtNum = (n: number): string => new Intl.NumberFormat(undefined, { notation: n >= 10000 ? 'compact' : 'standard', maximumFractionDigits: 1 }).format(n);
export const fmtPct = (x: number): string => `${Math.round(x * 100)}%`;
