import type { Migration } from '../../sql/migration.js';

// Timestamps are timestamptz; JSON columns are jsonb. Row ids are text (`org_...`, `key_...`).
export const migration0001: Migration = {
  id: 1,
  name: 'init',
  sql: `
CREATE TABLE change_version (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO change_version (id, version) VALUES (1, 0);

CREATE TABLE orgs (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'restricted', 'suspended', 'revoked')),
  suspended_until timestamptz,
  status_change jsonb,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  labels jsonb NOT NULL DEFAULT '[]'::jsonb,
  tier text NOT NULL DEFAULT 'default',
  contact_webhook text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  status_change jsonb,
  expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE grants (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  purpose text NOT NULL,
  models jsonb NOT NULL,
  expires_at timestamptz,
  limits jsonb,
  created_at timestamptz NOT NULL
);
CREATE INDEX grants_org ON grants (org_id);

CREATE TABLE affiliations (
  org_id text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  affiliate_id text NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  relation text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, affiliate_id, relation),
  CHECK (org_id <> affiliate_id)
);
CREATE INDEX affiliations_affiliate ON affiliations (affiliate_id);

CREATE TABLE admin_tokens (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
  hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);

CREATE TABLE policy_rules (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL,
  document jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE usage_minute (
  org_id text NOT NULL,
  key_id text NOT NULL,
  model text NOT NULL,
  minute timestamptz NOT NULL,
  requests bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  PRIMARY KEY (org_id, key_id, model, minute)
);
CREATE INDEX usage_minute_minute ON usage_minute (minute);

CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  ts timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  data jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
`,
};
