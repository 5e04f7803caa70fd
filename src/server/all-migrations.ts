// Every migration the server runs: the store's own, then each module's (ids stay increasing: store < 600 ≤
// enforcement < 700 ≤ request log). Kept at the composition root so the store layer does not depend on the modules above it.
import { MIGRATIONS } from '../store/migrations/index.js';
import { ENFORCEMENT_MIGRATIONS } from '../enforcement/migrations/enforcement-migrations.js';
import { REQUEST_LOG_MIGRATIONS } from '../request-log/request-log-migrations.js';
import type { Migration } from '../sql/migration.js';

export const ALL_MIGRATIONS: readonly Migration[] = [...MIGRATIONS, ...ENFORCEMENT_MIGRATIONS, ...REQUEST_LOG_MIGRATIONS];
