// Display formatting shared by pages: times in the viewer's locale, compact numbers, percentages.
export const fmtTime = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—');
export const fmtNum = (n: number): string => new Intl.NumberFormat(undefined, { notation: n >= 10000 ? 'compact' : 'standard', maximumFractionDigits: 1 }).format(n);
export const fmtPct = (x: number): string => `${Math.round(x * 100)}%`;
