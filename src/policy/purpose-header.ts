// Parsing of the `moat-purpose` request header. Purpose names are catalogued in the policy rules; anything
// else is refused with `invalid_purpose` so a typo never silently falls back to ordinary access.

/** The request header naming the purpose (and so the grant) a request is made under. */
export const PURPOSE_HEADER = 'moat-purpose';

export const PURPOSE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export type PurposeCheck = { ok: true; purpose: string } | { ok: false; message: string };

/** Shows a header value in an error message without echoing control characters or unbounded input. */
function shown(raw: string): string {
  const clean = raw.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}

export function checkPurposeHeader(raw: string, known: ReadonlySet<string>): PurposeCheck {
  const value = raw.trim();
  if (!PURPOSE_NAME.test(value)) {
    return {
      ok: false,
      message: `The moat-purpose header "${shown(raw)}" is malformed: send one purpose name of lowercase letters, digits and underscores, e.g. "safety_evaluation".`,
    };
  }
  if (!known.has(value)) {
    const list = [...known].sort().join(', ') || '(none defined)';
    return { ok: false, message: `The moat-purpose header names an unknown purpose "${value}"; known purposes: ${list}.` };
  }
  return { ok: true, purpose: value };
}
