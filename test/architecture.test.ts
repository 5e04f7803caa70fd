// The layering of src/ as a test: docs/architecture.md holds one table of which folder may import which; this
// file reads that table and checks every import in src/ against it, that the table itself has no cycle, that
// no module takes part in an import cycle, and that the console reaches into src/ only for the shared folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const SRC = join(root, 'src');

/** Rows of the "Layers" table: folder under src/ → folders it may import. */
function layerTable(): Map<string, Set<string>> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const section = doc.split(/^## Layers$/m)[1]?.split(/^## /m)[0] ?? '';
  const table = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z-]+)\/` \| ([^|]*) \|/.exec(line);
    if (!m) continue;
    const allowed = [...m[2]!.matchAll(/`([a-z-]+)\/`/g)].map((x) => x[1]!);
    // "every folder above" means every earlier row: the composition layers sit on top of all the others.
    if (m[2]!.includes('every folder above')) allowed.push(...table.keys());
    table.set(m[1]!, new Set(allowed));
  }
  return table;
}

function sourceFiles(dir: string, exts: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p, exts));
    else if (exts.test(name)) out.push(p);
  }
  return out;
}

interface Import {
  target: string;
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(import|export)(\s+type)?\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of a file, resolved to the .ts/.tsx file they name. */
function importsOf(file: string): Import[] {
  const src = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of src.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    if (!spec?.startsWith('.')) continue;
    const base = resolve(dirname(file), spec).replace(/\.js$/, '');
    const target = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p)) ?? base;
    out.push({ target, typeOnly: !!m[2] });
  }
  return out;
}

const folderOf = (file: string): string | undefined => {
  const rel = relative(SRC, file);
  return rel.startsWith('..') || !rel.includes('/') ? undefined : rel.split('/')[0];
};

test('the layers table names every folder of src/ and only those', () => {
  const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory()).sort();
  assert.deepEqual([...layerTable().keys()].sort(), folders);
  for (const [folder, allowed] of layerTable()) {
    for (const a of allowed) assert.ok(folders.includes(a), `${folder} may import ${a}, which is not a folder`);
  }
});

test('the layers table has no cycle', () => {
  const table = layerTable();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    assert.notEqual(state.get(f), 'open', `cycle: ${[...path, f].join(' → ')}`);
    state.set(f, 'open');
    for (const g of table.get(f) ?? []) visit(g, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of table.keys()) visit(f, []);
});

test('every import in src/ follows the layers table', () => {
  const table = layerTable();
  const violations: string[] = [];
  for (const file of sourceFiles(SRC, /\.ts$/)) {
    const from = folderOf(file);
    for (const { target } of importsOf(file)) {
      const to = folderOf(target);
      if (to === undefined) violations.push(`${relative(root, file)} imports ${relative(root, target)} outside a src/ folder`);
      else if (from !== undefined && to !== from && !table.get(from)?.has(to)) violations.push(`${relative(root, file)} (${from}/) imports ${relative(root, target)} (${to}/)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('no module of src/ takes part in an import cycle (type-only imports included)', () => {
  const graph = new Map(sourceFiles(SRC, /\.ts$/).map((f) => [f, importsOf(f).map((i) => i.target)]));
  // Tarjan's strongly connected components: any component of more than one module is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(relative(root, w));
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  assert.deepEqual(cycles, []);
});

/** Folders of src/ the console may import, from the sentence under the layers table. */
function consoleImports(): Set<string> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const line = /^The console \(`console\/src\/`\) may import from `src\/` only: (.*)$/m.exec(doc)?.[1] ?? '';
  return new Set([...line.matchAll(/`([a-z-]+)\/`/g)].map((x) => x[1]!));
}

test('the console imports from src/ only the shared folders docs/architecture.md names, and those stay free of server code', () => {
  const allowed = consoleImports();
  assert.ok(allowed.size > 0, 'docs/architecture.md names the folders the console may import');
  const table = layerTable();
  for (const f of allowed) assert.equal(table.get(f)?.size, 0, `${f}/ is shared with the browser, so it may import no other folder of src/`);
  const violations: string[] = [];
  for (const file of sourceFiles(join(root, 'console/src'), /\.tsx?$/)) {
    for (const { target } of importsOf(file)) {
      const rel = relative(SRC, target);
      if (rel.startsWith('..')) continue;
      const folder = folderOf(target);
      if (folder === undefined || !allowed.has(folder)) violations.push(`${relative(root, file)} imports ${relative(root, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});
