// Secrets Moat generates on first start and keeps in the data folder (mode 0600), so that `npm start`
// prints the same admin token and demo key every time. Only hashes of them live in the database.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function readSecretFile(dataDir: string, name: string): string | undefined {
  const p = join(dataDir, name);
  if (!existsSync(p)) return undefined;
  const v = readFileSync(p, 'utf8').trim();
  return v || undefined;
}

export function writeSecretFile(dataDir: string, name: string, value: string): void {
  mkdirSync(dataDir, { recursive: true });
  const p = join(dataDir, name);
  writeFileSync(p, value + '\n', { mode: 0o600 });
  chmodSync(p, 0o600);
}

/** The bootstrap admin token: from config/env if set, else the one kept in the data folder, else a new one. */
export function ensureAdminToken(dataDir: string, configured?: string): { token: string; source: 'config' | 'data-dir' | 'generated' } {
  if (configured) return { token: configured, source: 'config' };
  const kept = readSecretFile(dataDir, 'admin-token');
  if (kept) return { token: kept, source: 'data-dir' };
  const token = `moat_admin_${randomBytes(24).toString('base64url')}`;
  writeSecretFile(dataDir, 'admin-token', token);
  return { token, source: 'generated' };
}
