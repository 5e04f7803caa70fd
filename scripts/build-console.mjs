#!/usr/bin/env node
// Builds the admin console (console/) into console/dist with Vite's programmatic API. Chained into the
// root package's `prepare` script so `npm install` produces a servable console without a separate step.
// Skips quietly when Vite is absent (a production install without devDependencies uses the shipped dist).
//
// `--if-stale` builds only when the console's sources changed since the last build (a hash of them is kept
// in console/dist). Builds take a lock directory so two processes never build at once: Vite empties
// console/dist first, and a browser test loading the console during another test file's rebuild would get
// an index.html whose scripts are missing.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../console/', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.source-hash');
const lockDir = join(root, '.build-lock');
const LOCK_STALE_MS = 5 * 60_000;
const ifStale = process.argv.includes('--if-stale');

/** A hash of everything the build reads from console/ (sources, index.html, configs) and Vite's version. */
function sourceHash(viteVersion) {
  const h = createHash('sha256').update(`vite ${viteVersion}\n`);
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${relative(root, p)}\n`).update(readFileSync(p));
    }
  };
  walk(join(root, 'src'));
  for (const f of ['index.html', 'vite.config.ts', 'tsconfig.json']) if (existsSync(join(root, f))) h.update(`${f}\n`).update(readFileSync(join(root, f)));
  return h.digest('hex');
}

const fresh = (hash) => existsSync(join(dist, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash;

/** Whether the lock was left by a build that is gone (its process ended, or it is older than LOCK_STALE_MS). */
function abandoned() {
  try {
    if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // No such process: abandoned. No pid file yet, or the lock just went: wait and look again.
    return e.code === 'ESRCH';
  }
}

/** Takes the build lock, waiting for another builder. */
async function lock() {
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (abandoned()) rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}

let vite;
try {
  vite = await import('vite');
} catch {
  if (existsSync(new URL('../console/dist/index.html', import.meta.url))) {
    console.log('build-console: vite not installed; using the existing console/dist');
    process.exit(0);
  }
  console.error('build-console: vite is not installed and console/dist is missing; run `npm install` with dev dependencies');
  process.exit(1);
}

await lock();
try {
  const hash = sourceHash(vite.version);
  if (ifStale && fresh(hash)) {
    console.log('build-console: console/dist is up to date');
  } else {
    const started = Date.now();
    await vite.build({ root, configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)), logLevel: process.env.CI ? 'info' : 'warn' });
    writeFileSync(stampFile, hash);
    console.log(`build-console: built console/dist in ${Date.now() - started} ms`);
  }
} finally {
  rmSync(lockDir, { recursive: true, force: true });
}
