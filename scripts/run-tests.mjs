#!/usr/bin/env node
// Runs the static checks (tsc --noEmit over src, test, scripts, console and bench; ESLint) beside every test
// file (test/**/*.test.ts), which node's test runner runs through tsx; fails if either fails. Given substrings,
// runs only the test files whose path contains one of them, without the static checks; `--static` runs only
// the static checks. Node 20's --test does not expand globs or find .ts files itself, so we list them here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

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

/** Runs one check to its end; resolves with whether it passed. */
function check(name, cmd, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    c.on('exit', (code) => {
      if (code === 0) console.log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      else console.error(`${name} failed`);
      resolve(code === 0);
    });
  });
}

/** The static checks one after another (each is single-threaded); resolves with whether all passed. */
async function staticChecks() {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const checks = [
    ['tsc src, test, scripts', process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit']],
    ['tsc console', process.execPath, [tsc, '-p', 'console/tsconfig.json', '--noEmit']],
    ['tsc bench', process.execPath, [tsc, '-p', 'bench/tsconfig.json', '--noEmit']],
  ];
  // ESLint lives in tools/lint with its own TypeScript (see its package.json); install it on first use.
  if (!existsSync(join(root, 'tools/lint/node_modules'))) checks.push(['install tools/lint', 'npm', ['--prefix', 'tools/lint', 'ci', '--no-audit', '--no-fund']]);
  checks.push(['eslint', process.execPath, [join(root, 'tools/lint/node_modules/eslint/bin/eslint.js'), '--config', 'tools/lint/eslint.config.mjs', 'src', 'test', 'bench', 'scripts', 'console/src']]);
  let ok = true;
  for (const [name, cmd, args] of checks) ok = (await check(name, cmd, args)) && ok;
  return ok;
}

if (staticOnly) process.exit((await staticChecks()) ? 0 : 1);

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
// The whole suite keeps both cores busy, except while the static checks would run alone on one of them before it
// (~30 s): they run beside the tests instead (measured on the 2-core machine: the test phase is CPU-bound, 186%
// of two cores, at concurrency 2 and 3 alike).
const statics = only.length === 0 ? staticChecks() : Promise.resolve(true);
const concurrency = process.env.MOAT_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', async (code, signal) => {
  const testCode = code ?? (signal ? 1 : 0);
  const staticOk = await statics;
  if (!staticOk) console.error('static checks failed (their output is above, among the tests\')');
  process.exit(testCode || (staticOk ? 0 : 1));
});
