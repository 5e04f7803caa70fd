// Admin bearer tokens: looked up by hash in admin_tokens, plus an optional bootstrap token (role admin).
import { timingSafeEqual } from 'node:crypto';
import { MoatError } from '../errors/moat-error.js';
import { hashSecret } from '../keys/api-key-format.js';
import { ROLE_RANK, type AdminRole } from '../model/admin.js';
import { findAdminTokenBySecret } from '../store/admin-tokens-repo.js';
import type { SqlExecutor } from '../sql/sql-driver.js';
import type { AdminIdentity } from './admin-route.js';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export async function authenticateAdmin(ex: SqlExecutor, authorization: string | undefined, bootstrapToken: string | undefined): Promise<AdminIdentity> {
  const token = bearer(authorization);
  if (!token) throw new MoatError('admin_unauthorized');
  if (bootstrapToken) {
    // Compare hashes: equal length, constant time.
    const a = Buffer.from(hashSecret(token), 'hex');
    const b = Buffer.from(hashSecret(bootstrapToken), 'hex');
    if (timingSafeEqual(a, b)) return { name: BOOTSTRAP_TOKEN_NAME, role: 'admin' };
  }
  const rec = await findAdminTokenBySecret(ex, token);
  if (!rec) throw new MoatError('admin_unauthorized', 'unknown admin token');
  return { name: rec.name, role: rec.role };
}

export function requireRole(identity: AdminIdentity, needed: AdminRole): void {
  if (ROLE_RANK[identity.role] < ROLE_RANK[needed])
    throw new MoatError('admin_forbidden', `admin token "${identity.name}" has role ${identity.role}; this needs ${needed}`);
}
