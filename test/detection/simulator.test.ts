import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, writeScenario } from '../../src/simulator/scenarios.js';

test('the simulator is deterministic per seed and differs across seeds', () => {
  const a = simulate({ scenario: 'mixed', seed: 5, scale: 0.05 });
  const b = simulate({ scenario: 'mixed', seed: 5, scale: 0.05 });
  const c = simulate({ scenario: 'mixed', seed: 6, scale: 0.05 });
  assert.equal(JSON.stringify(a.lines), JSON.stringify(b.lines));
  assert.notEqual(JSON.stringify(a.lines), JSON.stringify(c.lines));
});

test('mixed holds every actor; org lines precede requests; requests are time-ordered; labels cover every org', () => {
  const { lines, labels } = simulate({ scenario: 'mixed', seed: 1, scale: 0.05 });
  const actors = labels.actors.map((a) => a.actor);
  for (const x of ['support_bot', 'coding_assistant', 'rag_app', 'batch_job', 'education_app', 'enterprise_eval', 'competitor_sweep', 'distillation_hydra', 'safety_prober', 'scope_drifter', 'slow_actor'])
    assert.ok(actors.includes(x), x);
  const firstReq = lines.findIndex((l) => l.type === 'request');
  assert.ok(lines.slice(firstReq).every((l) => l.type === 'request'));
  const ts = lines.filter((l) => l.type === 'request').map((l) => Date.parse((l as { ts: string }).ts));
  assert.ok(ts.every((t, i) => i === 0 || t >= ts[i - 1]!));
  const labelled = new Set(labels.actors.flatMap((a) => a.orgs));
  for (const l of lines) if (l.type === 'request') assert.ok(labelled.has(l.org), l.org);
  const rival = lines.find((l) => l.type === 'org' && l.id === 'org_rival');
  assert.deepEqual(rival && rival.type === 'org' && rival.attributes, { competitor: true });
  const hydra = labels.actors.find((a) => a.actor === 'distillation_hydra')!;
  assert.ok(hydra.orgs.length >= 5);
});

test('writeScenario writes the trace and TRACE.labels.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-sim-'));
  const out = join(dir, 't.jsonl');
  const labels = await writeScenario({ scenario: 'slow', seed: 3, scale: 0.1 }, out);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(JSON.parse(lines[0]!).type, 'meta');
  assert.equal(lines.length, 1 + 1 + labels.requests);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 't.labels.json'), 'utf8')), labels);
});
