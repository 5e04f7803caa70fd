#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the console's browser tests, and launches it for them.
// We never download a browser build: playwright-core drives the distribution's /usr/bin/chromium.
//   node scripts/ensure-chromium.mjs      installs it with apt-get when missing (needs root)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Returns the Chromium path, installing Debian's package first if it is missing and we are root.
 * Throws with instructions when it is missing and cannot be installed from here.
 */
export function ensureChromium({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasApt) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH} and apt-get is not available. Install your distribution's chromium package.`);
  if (!root) throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it as root: sudo apt-get install -y --no-install-recommends chromium`);
  log(`ensure-chromium: installing Debian's chromium with apt-get (one time)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${r.status}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  return CHROMIUM_PATH;
}

/**
 * Launches Chromium through playwright-core in a fresh profile directory (removed on close).
 * Returns the persistent context; `close()` ends the browser and deletes the profile.
 */
export async function launchChromium({ viewport = { width: 1366, height: 768 } } = {}) {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'moat-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: ensureChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(`chromium: ${ensureChromium()}`);
  } catch (e) {
    console.error(`ensure-chromium: ${e.message}`);
    process.exit(1);
  }
}
