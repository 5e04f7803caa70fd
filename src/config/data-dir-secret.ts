// Secrets Moat generates on first start and keeps in the data folder (mode 0600), so a restart reuses them.
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
