// Every migration, in order. Later issues append theirs here (0002-..., 0003-...); never edit an applied one.
import type { Migration } from './migration.js';
import { migration0001 } from './0001-init.js';
import { migration0002 } from './0002-outbox-idempotency.js';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002];
