import type { Migration } from '../../sql/migration.js';

// Usage aggregates gain what became of the requests (admitted, refused, rate_limited, upstream_error, error)
// and the error code behind it, so refused traffic is counted next to served traffic. Existing rows were all
// served requests: the defaults say so.
export const migration0003: Migration = {
  id: 3,
  name: 'usage-outcome',
  sql: `
ALTER TABLE usage_minute ADD COLUMN outcome text NOT NULL DEFAULT 'admitted';
ALTER TABLE usage_minute ADD COLUMN reason text NOT NULL DEFAULT '';
ALTER TABLE usage_minute DROP CONSTRAINT usage_minute_pkey;
ALTER TABLE usage_minute ADD PRIMARY KEY (org_id, key_id, model, minute, outcome, reason);
`,
};
