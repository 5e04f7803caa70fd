// The bootstrap admin token: from config/env (MOAT_ADMIN_TOKEN) when set; otherwise generated on first start
// and kept in `<dataDir>/admin-token` (mode 0600), where the CLI also finds it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAdminTokenSecret } from '../store/admin-tokens-repo.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface ResolvedAdminToken {
  token: string;
  source: 'config' | 'file' | 'generated';
  /** The file it came from or was written to. */
  file?: string;
}

export function adminTokenFile(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

export function resolveBootstrapAdminToken(opts: { dataDir: string; adminToken?: string | undefined }): ResolvedAdminToken {
  if (opts.adminToken) return { token: opts.adminToken, source: 'config' };
  const file = adminTokenFile(opts.dataDir);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, source: 'file', file };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const token = generateAdminTokenSecret();
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, source: 'generated', file };
}
