// datetime-local inputs work in the viewer's time; URLs and the admin API take ISO instants.
export const toLocalInput = (iso: string): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export const fromLocalInput = (v: string): string => (v ? new Date(v).toISOString() : '');

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
