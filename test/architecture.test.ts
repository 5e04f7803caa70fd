// The hot path (auth, policy decision, limits, proxy) must not depend on the control plane, detection,
// enforcement or the console: it reads an in-memory view and hands events off through a queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const HOT_PATH = ['src/gateway', 'src/policy', 'src/limits', 'src/metering'];
const FORBIDDEN = ['src/admin', 'src/store', 'src/detection', 'src/enforcement', 'src/console-server', 'src/cli', 'src/server', 'src/simulator', 'console'];

function files(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('hot-path modules import nothing from control plane, detection, enforcement or console', () => {
  const violations: string[] = [];
  for (const folder of HOT_PATH) {
    for (const file of files(join(root, folder))) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (!spec || !spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(file), spec));
        if (FORBIDDEN.some((f) => target === f || target.startsWith(f + '/'))) {
          violations.push(`${relative(root, file)} imports ${target}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});
