// Every migration, in order. Later issues append theirs here (0002-..., 0003-...); never edit an applied one.
// The audit log's own migrations (500-599) live with it in src/audit and run after the store's.
import type { Migration } from '../../sql/migration.js';
import { migration0001 } from './0001-init.js';
import { migration0002 } from './0002-outbox-idempotency.js';
import { migration0003 } from './0003-usage-outcome.js';
import { migration0004 } from './0004-key-rotation.js';
import { migration0500 } from '../../audit/audit-migrations.js';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0500];
