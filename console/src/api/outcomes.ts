// What became of requests, as GET /admin/usage reports it (outcome and reason dimensions), and how the console
// names and colours each outcome. Reasons are the gateway's error codes; the glossary says them in words.
import type { UsageRow } from './types.js';

export type Outcome = NonNullable<UsageRow['outcome']>;
/** A usage row grouped by outcome and reason (the server's row carries both when asked). */
export type OutcomeUsageRow = UsageRow;

export const OUTCOMES: { key: Outcome; label: string; color: string }[] = [
  { key: 'admitted', label: 'Admitted', color: '#2563eb' },
  { key: 'refused', label: 'Refused', color: '#b91c1c' },
  { key: 'rate_limited', label: 'Rate-limited', color: '#d97706' },
  { key: 'upstream_error', label: 'Upstream error', color: '#7c3aed' },
  { key: 'error', label: 'Bad request or gateway error', color: '#6b7280' },
];

/** Outcomes an analyst reads as "denied": the gateway said no because of policy, key status or limits. */
export const DENIED = 'refused,rate_limited';

const REASONS: Record<string, string> = {
  org_restricted: 'outside the org’s restriction',
  org_suspended: 'org suspended',
  org_revoked: 'org revoked',
  affiliate_restricted: 'affiliated org restricted',
  key_disabled: 'key disabled',
  key_expired: 'key expired',
  feature_denied: 'feature not allowed',
  grant_out_of_scope: 'outside its grant',
  access_unconfirmed: 'access not confirmed (stale view)',
  rate_limited: 'per-minute limit',
  concurrency_limited: 'too many in flight',
  quota_exhausted: 'quota used up',
};

/** "org_restricted (outside the org's restriction)" — the code stays visible for search and the API. */
export const reasonText = (code: string): string => (REASONS[code] ? `${code} (${REASONS[code]})` : code || '—');
