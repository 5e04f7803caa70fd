import type { Migration } from '../../sql/migration.js';

// Key rotation keeps one previous secret per key, accepted until its grace period ends, and keys record when
// they were last used (written with the usage flush, minute precision; never per request).
export const migration0004: Migration = {
  id: 4,
  name: 'key-rotation',
  sql: `
ALTER TABLE api_keys ADD COLUMN previous_hash text UNIQUE;
ALTER TABLE api_keys ADD COLUMN previous_prefix text;
ALTER TABLE api_keys ADD COLUMN previous_valid_until timestamptz;
ALTER TABLE api_keys ADD COLUMN rotated_at timestamptz;
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;
`,
};
