// Where the shared datasets live: MOAT_SHARED_DATA, else `<repo>/../shared/data` (CI clones the repo with
// shared/ beside it), resolved from this file so it works from src/ (tsx) and dist/ alike.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot locate the repository root (package.json)');
}

export function sharedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOAT_SHARED_DATA) return resolve(env.MOAT_SHARED_DATA);
  return resolve(repoRoot(), '..', 'shared', 'data');
}

export function rulesDir(): string {
  return join(repoRoot(), 'rules');
}
