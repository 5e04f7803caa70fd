// Admin tokens: named, with a role; only the sha256 hash is stored. The secret is returned once on creation.
import { DomainError } from '../errors/domain-error.js';
import { generateApiKey, hashSecret } from '../keys/api-key-format.js';
import type { AdminRole, AdminTokenRecord } from '../model/admin.js';
import { newId } from './ids.js';
import { runMutation, type MutationMeta, type MutationOutcome } from './mutation.js';
import { toIso } from '../sql/row-values.js';
import type { SqlDriver, SqlExecutor } from '../sql/sql-driver.js';
import { isUniqueViolation } from './sql-errors.js';

interface TokenRow {
  id: string;
  name: string;
  role: AdminRole;
  hash: string;
  created_at: unknown;
}

const fromRow = (r: TokenRow): AdminTokenRecord => ({ id: r.id, name: r.name, role: r.role, hash: r.hash, createdAt: toIso(r.created_at) });

export type AdminTokenListing = Omit<AdminTokenRecord, 'hash'>;

export function tokenListing(t: AdminTokenRecord): AdminTokenListing {
  const { hash: _h, ...rest } = t;
  return rest;
}

export async function listAdminTokens(ex: SqlExecutor): Promise<AdminTokenRecord[]> {
  return (await ex.query<TokenRow>('SELECT * FROM admin_tokens ORDER BY name')).map(fromRow);
}

export async function findAdminTokenBySecret(ex: SqlExecutor, secret: string): Promise<AdminTokenRecord | undefined> {
  const row = (await ex.query<TokenRow>('SELECT * FROM admin_tokens WHERE hash = $1', [hashSecret(secret)]))[0];
  return row ? fromRow(row) : undefined;
}

/** A fresh admin token secret: same recognisable, checksummed shape as API keys, env "admin". */
export function generateAdminTokenSecret(): string {
  return generateApiKey('admin').secret;
}

export function createAdminToken(
  driver: SqlDriver,
  meta: MutationMeta,
  input: { name: string; role: AdminRole },
): Promise<MutationOutcome<{ token: AdminTokenListing; secret: string }>> {
  return runMutation(driver, meta, {
    kind: 'admin',
    action: 'admin_token.create',
    run: async (tx, now) => {
      const secret = generateAdminTokenSecret();
      let row: TokenRow | undefined;
      try {
        row = (
          await tx.query<TokenRow>('INSERT INTO admin_tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
            newId('tok'), input.name, input.role, hashSecret(secret), now.toISOString(),
          ])
        )[0];
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('conflict', `an admin token named "${input.name}" already exists`);
        throw e;
      }
      const token = tokenListing(fromRow(row as TokenRow));
      return { result: { token, secret }, target: token.id, data: { name: token.name, role: token.role } };
    },
  });
}

/** Refuses to delete the last admin-role token unless `force`. */
export function deleteAdminToken(driver: SqlDriver, meta: MutationMeta, id: string, opts: { force?: boolean } = {}): Promise<MutationOutcome<{ id: string }>> {
  return runMutation(driver, meta, {
    kind: 'admin',
    action: 'admin_token.delete',
    run: async (tx) => {
      const row = (await tx.query<TokenRow>('SELECT * FROM admin_tokens WHERE id = $1 OR name = $1', [id]))[0];
      if (!row) throw new DomainError('not_found', `no admin token "${id}"`);
      if (row.role === 'admin' && !opts.force) {
        const admins = await tx.query<{ n: unknown }>("SELECT count(*) AS n FROM admin_tokens WHERE role = 'admin'");
        if (Number(admins[0]?.n ?? 0) <= 1) throw new DomainError('conflict', `"${row.name}" is the last admin token; repeat with force to delete it`);
      }
      await tx.query('DELETE FROM admin_tokens WHERE id = $1', [row.id]);
      return { result: { id: row.id }, target: row.id, data: { name: row.name, role: row.role } };
    },
  });
}
