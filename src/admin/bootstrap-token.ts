// The bootstrap admin token: from config/env (MOAT_ADMIN_TOKEN) when set; otherwise generated on first start
// and kept in `<dataDir>/admin-token` (mode 0600), where the CLI also finds it.
import { join } from 'node:path';
import { readSecretFile, writeSecretFile } from '../config/data-dir-secret.js';
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
  const kept = readSecretFile(opts.dataDir, ADMIN_TOKEN_FILE);
  if (kept && kept.length >= 16) return { token: kept, source: 'file', file };
  const token = generateAdminTokenSecret();
  writeSecretFile(opts.dataDir, ADMIN_TOKEN_FILE, token);
  return { token, source: 'generated', file };
}
