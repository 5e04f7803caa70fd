// URLs as shown where they must not carry secrets (audit entries, answers to viewers and analysts): scheme, host
// and port only. Credentials hide in more places than `user:pass@`: webhook URLs commonly carry a token in the
// query or as a path segment (e.g. `/services/T0/B0/<secret>`), so path, query and fragment are masked whole.
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '***';
  }
  const hidden = u.username !== '' || u.password !== '' || u.pathname !== '/' || u.search !== '' || u.hash !== '';
  return `${u.protocol}//${u.host}${hidden ? '/***' : '/'}`;
}

/** A copy of a JSON value with every string that is a URL redacted. */
export function redactUrlsIn<T>(value: T): T {
  if (typeof value === 'string') return (URL_LIKE.test(value) ? redactUrl(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => redactUrlsIn(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactUrlsIn(v);
    return out as T;
  }
  return value;
}
