// @ts-check
// The detection benchmarks measure the compiled JavaScript that `moat replay` and `moat detect` run (dist/),
// not the TypeScript loaded through tsx: tsx's transform wraps every function in a naming helper, which
// measured ~30% slower on the replay hot loop. dist/ is rebuilt first so it cannot lag behind src/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Rebuilds dist/ (unless `--no-build` is passed) and imports one compiled module by its path under src/. */
export async function compiled(srcPath) {
  if (!built && !process.argv.includes('--no-build')) {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  built = true;
  return import(new URL(`../../dist/${srcPath.replace(/\.ts$/, '.js')}`, import.meta.url).href);
}
let built = false;
