// Enforcement's tables, as migrations the store's runner applies after its own (ids 600+ leave room for the
// other modules' migrations and keep the list strictly increasing).
import type { Migration } from '../../sql/migration.js';

export const migration0600: Migration = {
  id: 600,
  name: 'enforcement-cases-and-webhooks',
  sql: `
CREATE TABLE enforcement_cases (
  id text PRIMARY KEY,
  case_key text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('open', 'actioned', 'dismissed', 'reinstated', 'appealed')),
  severity text NOT NULL,
  org_ids jsonb NOT NULL,
  version integer NOT NULL,
  doc jsonb NOT NULL,
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX enforcement_cases_status ON enforcement_cases (status, updated_at DESC);

CREATE TABLE enforcement_webhooks (
  id text PRIMARY KEY,
  target text NOT NULL,
  url text NOT NULL,
  event text NOT NULL,
  case_id text,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX enforcement_webhooks_due ON enforcement_webhooks (status, next_attempt_at);
`,
};

/** Rolled customer webhook secrets: the current generation and, during a grace period, the previous one. */
export const migration0601: Migration = {
  id: 601,
  name: 'webhook-secret-rolls',
  sql: `
CREATE TABLE webhook_secret_rolls (
  target text PRIMARY KEY,
  generation integer NOT NULL,
  previous_generation integer,
  previous_until timestamptz,
  rolled_at timestamptz NOT NULL
);
CREATE INDEX enforcement_webhooks_target ON enforcement_webhooks (target, created_at DESC);
`,
};

/** A cluster's case folded into another's when the two clusters are linked keeps its row, as `merged`. */
export const migration0602: Migration = {
  id: 602,
  name: 'merged-cluster-cases',
  sql: `
ALTER TABLE enforcement_cases DROP CONSTRAINT enforcement_cases_status_check;
ALTER TABLE enforcement_cases ADD CONSTRAINT enforcement_cases_status_check
  CHECK (status IN ('open', 'actioned', 'dismissed', 'reinstated', 'appealed', 'merged'));
`,
};

/** The cases holding an org, or any of a cluster's accounts, found through an index rather than a table scan. */
export const migration0603: Migration = {
  id: 603,
  name: 'case-org-index',
  sql: `
CREATE INDEX enforcement_cases_org_ids ON enforcement_cases USING gin (org_ids);
`,
};

export const ENFORCEMENT_MIGRATIONS: readonly Migration[] = [migration0600, migration0601, migration0602, migration0603];
