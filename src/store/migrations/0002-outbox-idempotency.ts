import type { Migration } from '../../sql/migration.js';

// change_outbox: every committed change waits here until it has been broadcast (written in the change's own
// transaction, so a change cannot commit without its broadcast being owed). idempotency_keys: the sealed
// answer of a create call, so a retry with the same Idempotency-Key gets that answer instead of a second object.
export const migration0002: Migration = {
  id: 2,
  name: 'change-outbox-and-idempotency',
  sql: `
CREATE TABLE change_outbox (
  version bigint PRIMARY KEY,
  change jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX change_outbox_due ON change_outbox (next_attempt_at);

CREATE TABLE idempotency_keys (
  key_hash text PRIMARY KEY,
  request_hash text NOT NULL,
  status integer NOT NULL,
  response text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
`,
};
