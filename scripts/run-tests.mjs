#!/usr/bin/env node
// Runs the static checks (tsc --noEmit over src, test, scripts, console and bench; ESLint), then every test
// file (test/**/*.test.ts) with node's test runner through tsx. Given substrings, runs only the test files
// whose path contains one of them, without the static checks; `--static` runs only the static checks. Node 20's --test does not expand globs or find
// .ts files itself, so we list them here.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const staticOnly = process.argv.includes('--static');
const only = process.argv.slice(2).filter((a) => a !== '--static');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

/** Runs one check; exits with its status when it fails. */
function check(name, cmd, args) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${name} failed`);
    process.exit(r.status ?? 1);
  }
  console.log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// One empty embedded database for every test process to copy (see test/support/pgdata-template.ts), made while the
// static checks run.
const template = mkdtempSync(join(tmpdir(), 'moat-pgdata-template-'));
process.on('exit', () => rmSync(template, { recursive: true, force: true }));
const maker = staticOnly ? undefined : spawn(process.execPath, ['--import', 'tsx', 'test/support/make-pgdata-template.ts', template], { cwd: root, stdio: 'inherit' });
process.on('exit', () => maker?.kill());
const templateMade = new Promise((resolve) => (maker ? maker.on('exit', (code) => resolve(code ?? 1)) : resolve(0)));

if (only.length === 0) {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  check('tsc src, test, scripts', process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit']);
  check('tsc console', process.execPath, [tsc, '-p', 'console/tsconfig.json', '--noEmit']);
  check('tsc bench', process.execPath, [tsc, '-p', 'bench/tsconfig.json', '--noEmit']);
  // ESLint lives in tools/lint with its own TypeScript (see its package.json); install it on first use.
  if (!existsSync(join(root, 'tools/lint/node_modules'))) check('install tools/lint', 'npm', ['--prefix', 'tools/lint', 'ci', '--no-audit', '--no-fund']);
  check('eslint', process.execPath, [join(root, 'tools/lint/node_modules/eslint/bin/eslint.js'), '--config', 'tools/lint/eslint.config.mjs', 'src', 'test', 'bench', 'scripts', 'console/src']);
}

if (staticOnly) process.exit(0);

// The longest files start first, so the two workers finish together instead of one running the eval alone at
// the end (measured: the scaled-down eval takes 2-5 minutes, the next ones under a minute).
const SLOW_FIRST = [
  'test/detection/eval.test.ts',
  'test/e2e/live-gateway.test.ts',
  'test/console/console-analyst-tasks.test.ts',
  'test/console/console-accessibility.test.ts',
  'test/console/console-browser.test.ts',
  'test/quickstart.test.ts',
  'test/e2e/scale-out-streams.test.ts',
];
const rank = (f) => (SLOW_FIRST.includes(f) ? SLOW_FIRST.indexOf(f) : SLOW_FIRST.length);
let files = walk(join(root, 'test'), []).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if ((await templateMade) !== 0) {
  console.error('creating the test database template failed');
  process.exit(1);
}
const concurrency = process.env.MOAT_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', MOAT_TEST_PGDATA_TEMPLATE: template } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
