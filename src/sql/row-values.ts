// Normalises values that PGlite and node-postgres return differently (bigint as number vs string,
// timestamptz as Date) so repositories produce the same plain data on both.

export function toIso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
}

export function toIsoOrUndefined(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : toIso(v);
}

export function toNum(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** jsonb parameter: always sent as text and cast in SQL (`$n::jsonb`), identical on both drivers. */
export function jsonParam(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

/**
 * Text a client chose, as a text column can hold it: Postgres refuses the NUL character, and one refused row fails
 * its whole statement (a request log slice, a metering flush), so NUL becomes U+FFFD.
 */
export function storableText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}
