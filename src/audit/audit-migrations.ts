// The audit log's schema after its first version (store migration 0001 created audit_log): a MAC per entry
// and a head row that only moves forward. Sequence numbers are taken from the head, not from the newest row,
// so entries deleted from the end leave a gap the next entry exposes instead of a number reused. Numbered 500
// to stay clear of the store's own migrations and below enforcement's (600+).
import type { Migration } from '../sql/migration.js';

export const migration0500: Migration = {
  id: 500,
  name: 'audit-mac-and-head',
  sql: `
ALTER TABLE audit_log ADD COLUMN mac text;
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${'0'.repeat(64)}') FROM audit_log;
`,
};
