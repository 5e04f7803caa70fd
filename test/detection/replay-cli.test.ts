import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runReplayCommand } from '../../src/cli/commands/replay.js';
import type { ExplainTimeline } from '../../src/detection/explain.js';
import { fixtureLabels, fixturePath } from './helpers.js';

function sink() {
  let text = '';
  const w = new Writable({ write(c, _e, cb) { text += String(c); cb(); } }) as Writable & { isTTY?: boolean };
  return { w, text: () => text };
}

test('moat replay prints the v1 JSON report: exact top-level shape, every org, actions from actionFor', async () => {
  const err = sink();
  const report = JSON.parse(await runReplayCommand(fixturePath('competitor.jsonl'), { report: 'json' }, err.w));
  assert.deepEqual(Object.keys(report), ['version', 'requests', 'orgs', 'clusters', 'diagnostics']);
  assert.equal(report.version, 1);
  assert.equal(report.requests, fixtureLabels('competitor.jsonl').requests);
  const rival = report.orgs.find((o: { org: string }) => o.org === 'org_rival_0');
  assert.deepEqual(Object.keys(rival), ['org', 'requests', 'activities', 'action', 'cluster']);
  // Actions come from the default playbook: a competitor is restricted (with a safety grant) or revoked, after approval.
  assert.ok(['restrict', 'revoke'].includes(rival.action.type) && rival.action.requires_approval, JSON.stringify(rival.action));
  const bench = rival.activities.find((a: { label: string }) => a.label === 'benchmarking');
  assert.deepEqual(Object.keys(bench), ['label', 'confidence', 'first_detected', 'rules', 'evidence']);
  assert.equal(err.text(), '', 'no progress output when stderr is not a TTY');
});

test('bad input: malformed lines and unknown orgs are reported, not fatal; --strict makes them fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-replay-'));
  const trace = join(dir, 'bad.jsonl');
  const good = readFileSync(fixturePath('safety-sweep.jsonl'), 'utf8').split('\n').filter(Boolean);
  writeFileSync(trace, [good[0], good[1], '{oops', good[2], 'garbage \u0000', ...good.slice(3), ''].join('\n'));
  const err = sink();
  const out = join(dir, 'r.json');
  await runReplayCommand(trace, { report: 'json', out }, err.w);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(report.diagnostics.malformed_lines, 2);
  assert.deepEqual(report.diagnostics.skipped.map((s: { line: number }) => s.line), [3, 5]);
  assert.match(err.text(), /line 3 skipped/);
  await assert.rejects(runReplayCommand(trace, { strict: true }, sink().w), /line 3/);
});

test('moat replay --report text summarises findings', async () => {
  const text = await runReplayCommand(fixturePath('scope-drift.jsonl'), { report: 'text' }, sink().w);
  assert.match(text, /org_safetylab_0 .*action=notify/);
  assert.match(text, /scope_violation conf=0\.9 at request \d+/);
});

test('moat replay --explain shows an org over time: scores with contributions, and which rule conditions hold', async () => {
  const text = await runReplayCommand(fixturePath('competitor.jsonl'), { explain: 'org_rival_0', report: 'text' }, sink().w);
  assert.match(text, /^org_rival_0: \d+ requests/m);
  assert.match(text, /labels: benchmarking at request \d+ \(bench\./);
  assert.match(text, /-- request 1 at /);
  assert.match(text, /score\.benchmarking = [0-9.]+ +\[bias -?[0-9.]+; capability_topics=/);
  assert.match(text, /FIRES bench\.evaluation-sweep \[benchmarking\]: ✓ w\.requests >= 30/);
  assert.match(text, /no +safety\.unauthorised-sweep \[safety_probing\]: .*✗/);
  const json = JSON.parse(await runReplayCommand(fixturePath('competitor.jsonl'), { explain: 'org_rival_0,org_nobody', report: 'json' }, sink().w)) as ExplainTimeline[];
  assert.equal(json.length, 1, 'unknown orgs are skipped (reported on stderr)');
  const t = json[0]!;
  assert.ok(t.timeline.length >= 5);
  const requests = t.timeline.map((e) => e.request);
  assert.deepEqual(requests, [...requests].sort((a, b) => a - b), 'oldest first');
  const last = t.timeline[t.timeline.length - 1]!;
  assert.equal(last.event, 'now');
  assert.ok(last.rules.some((r) => r.id === 'bench.evaluation-sweep' && r.conditions.every((c) => 'actual' in c && typeof c.holds === 'boolean')));
});
