// The request log's table, as a migration the store's runner applies after the store's and enforcement's own
// (ids 700+; the list stays strictly increasing).
import type { Migration } from '../sql/migration.js';

export const REQUEST_LOG_MIGRATIONS: readonly Migration[] = [
  {
    id: 700,
    name: 'request-log',
    sql: `
CREATE TABLE request_log (
  id text PRIMARY KEY,
  ts timestamptz NOT NULL,
  org_id text NOT NULL,
  key_id text NOT NULL,
  model text NOT NULL,
  api text NOT NULL,
  endpoint text NOT NULL,
  stream boolean NOT NULL,
  status integer NOT NULL,
  outcome text NOT NULL,
  reason text NOT NULL,
  latency_ms double precision NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  purpose text,
  prompt text
);
CREATE INDEX request_log_ts ON request_log (ts DESC, id DESC);
CREATE INDEX request_log_org_ts ON request_log (org_id, ts DESC);
`,
  },
  {
    // How many rows the log holds, kept by every insert and delete: pruning to `maxRows` then deletes the oldest
    // rows a slice at a time, where finding the cut by walking the newest maxRows rows stalled an embedded store's
    // event loop ~60 ms a minute (~100-160 ms with the delete).
    id: 701,
    name: 'request-log-size',
    sql: `
CREATE TABLE request_log_size (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  n bigint NOT NULL
);
INSERT INTO request_log_size (one, n) SELECT true, count(*) FROM request_log;
`,
  },
];
