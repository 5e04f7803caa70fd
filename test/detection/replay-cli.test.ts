import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runReplayCommand } from '../../src/cli/commands/replay.js';
import { fixturePath } from './helpers.js';

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
  assert.equal(report.requests, 360);
  const rival = report.orgs.find((o: { org: string }) => o.org === 'org_rival');
  assert.deepEqual(Object.keys(rival), ['org', 'requests', 'activities', 'action', 'cluster']);
  // Actions come from the default playbook: a competitor with a safety grant is restricted, after approval.
  assert.deepEqual(rival.action, { type: 'restrict', requires_approval: true });
  assert.deepEqual(Object.keys(rival.activities[0]), ['label', 'confidence', 'first_detected', 'rules', 'evidence']);
  assert.equal(rival.activities[0].label, 'benchmarking');
  assert.ok(rival.activities[0].first_detected.request <= 60);
  assert.equal(err.text(), '', 'no progress output when stderr is not a TTY');
});

test('bad input: malformed lines and unknown orgs are reported, not fatal; --strict makes them fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-replay-'));
  const trace = join(dir, 'bad.jsonl');
  const good = readFileSync(fixturePath('safety-probe.jsonl'), 'utf8').split('\n').filter(Boolean);
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
  assert.match(text, /org_safetylab .*action=notify/);
  assert.match(text, /scope_violation conf=0\.9 at request \d+/);
});
