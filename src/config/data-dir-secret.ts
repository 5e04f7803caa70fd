// Secrets Moat generates on first start and keeps in the data folder (mode 0600), so a restart reuses them.
// The folder itself is private (0700): it holds the embedded database and those secrets.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates the data folder readable by its owner only, and tightens one left open by an earlier version. */
export function ensurePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export function readSecretFile(dataDir: string, name: string): string | undefined {
  const p = join(dataDir, name);
  if (!existsSync(p)) return undefined;
  const v = readFileSync(p, 'utf8').trim();
  return v || undefined;
}

export function writeSecretFile(dataDir: string, name: string, value: string): void {
  ensurePrivateDataDir(dataDir);
  const p = join(dataDir, name);
  writeFileSync(p, value + '\n', { mode: 0o600 });
  chmodSync(p, 0o600);
}
