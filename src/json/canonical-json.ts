// The JSON Canonicalization Scheme (RFC 8785): object members sorted by the UTF-16 code units of their names
// at every depth, no whitespace, strings and numbers written as ECMAScript's JSON.stringify writes them. The
// audit hash covers this form, so any JCS implementation can verify an exported log; plans and idempotency
// keys compare values by it, so key order (which jsonb does not keep) never matters.
//
// Beyond what JSON can hold, it does what JSON.stringify does (what a stored copy of the value would read
// back as): `undefined` and function members are dropped, `undefined` in arrays and non-finite numbers become
// `null`, and `toJSON` (e.g. on a Date) is applied first.

export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The canonical text of a value, or undefined where JSON.stringify would leave it out. */
function write(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => write(v) ?? 'null').join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members: string[] = [];
  // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
  for (const k of Object.keys(obj).sort()) {
    const v = write(obj[k]);
    if (v !== undefined) members.push(`${JSON.stringify(k)}:${v}`);
  }
  return `{${members.join(',')}}`;
}
