// The rule fixture traces in test/fixtures/traces, generated deterministically by the simulator from
// ../shared/data. They are NOT committed: several legitimate actors draw on share-alike corpora (StaQC titles,
// CC BY-SA; Topical-Chat, CDLA-Sharing) whose raw text the repository must not ship, so the traces are built
// on first use (tests, `moat rules test`) and cached in the working tree (git-ignored).
// Regenerate explicitly: npx tsx src/simulator/build-fixtures.ts
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../detection/data-path.js';
import { COT_PHRASES, UNCUED_COT } from './harness.js';
import { labelsPath, simulate } from './scenarios.js';
import type { TraceLine } from '../events/trace-format.js';

export const FIXTURES: Array<{ file: string; scenario: string; seed: number; scale: number; uncuedReasoning?: boolean }> = [
  { file: 'competitor.jsonl', scenario: 'competitor', seed: 11, scale: 0.5 },
  { file: 'slow.jsonl', scenario: 'slow', seed: 12, scale: 0.8 },
  { file: 'hydra.jsonl', scenario: 'hydra', seed: 13, scale: 0.5 },
  // A hydra of 38 accounts over 10 subnets, whose per-subnet clusters merge as it forms: the worker-restart test's
  // incremental checkpoints must carry merges (hydra.jsonl's hydra, redrawn when harvest styles gained graded forms,
  // left none to carry in most runs).
  { file: 'hydra-merging.jsonl', scenario: 'hydra', seed: 38, scale: 0.5 },
  // A hydra harvesting at temperature 0 with reasoning requests the cues do not know: it reads as an evaluation.
  { file: 'hydra-eval.jsonl', scenario: 'hydra', seed: 50, scale: 0.5, uncuedReasoning: true },
  { file: 'safety-sweep.jsonl', scenario: 'safety-sweep', seed: 14, scale: 0.5 },
  { file: 'scope-drift.jsonl', scenario: 'scope-drift', seed: 15, scale: 0.8 },
  { file: 'vendor.jsonl', scenario: 'vendor', seed: 16, scale: 0.8 },
  { file: 'distiller.jsonl', scenario: 'distiller', seed: 18, scale: 0.5 },
  // The same harvest twice as long (659 requests): long enough for a score to hold over two full windows.
  { file: 'distiller-long.jsonl', scenario: 'distiller', seed: 18, scale: 1 },
  // A harvest of tool use beside an agent platform and a coding agent (both offer tools on every request).
  { file: 'tool-use.jsonl', scenario: 'tool-use', seed: 19, scale: 0.5 },
  // A class running one evaluation from every student's account, beside a hydra: linked alike, told apart by items.
  { file: 'course.jsonl', scenario: 'course', seed: 20, scale: 0.5 },
  // A harvest of tool use spread over a network of accounts, beside an agent platform and small developers.
  { file: 'tool-hydra.jsonl', scenario: 'tool-hydra', seed: 22, scale: 0.5 },
  // A sweep reading the model's output layer through logit_bias, beside an app steering its answers to its labels.
  { file: 'extraction.jsonl', scenario: 'extraction', seed: 23, scale: 0.5 },
  { file: 'legit.jsonl', scenario: 'legit', seed: 17, scale: 0.15 },
];

export function fixtureTracesDir(root: string = repoRoot()): string {
  return join(root, 'test', 'fixtures', 'traces');
}

/** Writes one fixture trace (and its labels file) atomically, so parallel test files never read half a file. */
export function buildFixtureTrace(fixture: (typeof FIXTURES)[number], dir: string): void {
  const sim = simulate({ scenario: fixture.scenario, seed: fixture.seed, scale: fixture.scale, split: 'all' });
  const { labels } = sim;
  const misuse = new Set(labels.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.orgs));
  const lines = fixture.uncuedReasoning ? sim.lines.map((l) => (l.type === 'request' && misuse.has(l.org) ? uncued(l) : l)) : sim.lines;
  mkdirSync(dir, { recursive: true });
  const out = join(dir, fixture.file);
  const meta = JSON.stringify({ type: 'meta', format: 'moat-trace', version: 1, scenario: fixture.scenario, seed: fixture.seed, simulator: simulatorDigest() });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, [meta, ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n');
  const labelsOut = labelsPath(out);
  writeFileSync(`${labelsOut}.${process.pid}.tmp`, JSON.stringify(labels, null, 2) + '\n');
  renameSync(`${labelsOut}.${process.pid}.tmp`, labelsOut);
  renameSync(tmp, out);
}

/** The line with each of the simulator's reasoning requests replaced by a wording the cues do not know. */
function uncued(line: TraceLine): TraceLine {
  let json = JSON.stringify(line);
  COT_PHRASES.forEach((p, i) => {
    json = json.split(JSON.stringify(p).slice(1, -1)).join(UNCUED_COT[i % UNCUED_COT.length]!);
  });
  return JSON.parse(json) as TraceLine;
}

/**
 * A digest of the simulator's source files: a cached fixture written by another version of the simulator is
 * rebuilt, so a change to what the simulator sends never leaves tests reading traces it no longer writes.
 */
let digest: string | undefined;
export function simulatorDigest(): string {
  if (digest) return digest;
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[jt]s$/.test(e.name)) h.update(e.name).update(readFileSync(p));
    }
  };
  walk(dirname(fileURLToPath(import.meta.url)));
  return (digest = h.digest('hex').slice(0, 16));
}

/** The simulator digest in a fixture's meta line (undefined for a trace written before there was one). */
function fixtureDigest(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0]!;
    return (JSON.parse(first) as { simulator?: string }).simulator;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Builds the fixture traces that are missing or were written by another version of the simulator (all of them when `names` is omitted). */
export function ensureFixtureTraces(root: string = repoRoot(), names?: readonly string[]): void {
  const dir = fixtureTracesDir(root);
  for (const f of FIXTURES) {
    if (names && !names.includes(f.file)) continue;
    const path = join(dir, f.file);
    if (!existsSync(path) || fixtureDigest(path) !== simulatorDigest()) buildFixtureTrace(f, dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = fixtureTracesDir();
  for (const f of FIXTURES) {
    buildFixtureTrace(f, dir);
    process.stdout.write(`${f.file}: written\n`);
  }
}
