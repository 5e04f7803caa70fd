// `moat replay --policy FILE`: the report's actions come from the enforcement engine (the file's playbooks,
// else the default playbook), so an operator can preview a new playbook on recorded traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { runReplayCommand } from '../../src/cli/commands/replay.js';
import { defaultPlaybookPath } from '../../src/enforcement/default-playbook.js';
import { writeScenario } from '../../src/simulator/scenarios.js';

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

test('replay: hydra members get suspend from the default playbook, legitimate orgs none; a changed playbook changes the action', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-replay-pb-'));
  const trace = join(dir, 'mixed.jsonl');
  const labels = await writeScenario({ scenario: 'mixed', seed: 3, scale: 0.3 }, trace);
  const hydra = labels.actors.find((a) => a.actor === 'hydra')!.orgs;
  const rival = labels.actors.find((a) => a.actor === 'competitor_sweep')!.orgs[0]!;
  const legit = labels.actors.filter((a) => a.kind === 'legit').flatMap((a) => a.orgs);

  const byOrg = (text: string) => new Map((JSON.parse(text).orgs as Array<{ org: string; action: { type: string; requires_approval: boolean } }>).map((o) => [o.org, o.action]));
  const def = byOrg(await runReplayCommand(trace, { report: 'json' }, quiet()));
  for (const h of hydra) assert.deepEqual(def.get(h), { type: 'suspend', requires_approval: false }, h);
  for (const l of legit) assert.equal(def.get(l)?.type, 'none', l);
  const rivalAction = def.get(rival)!;
  assert.ok(['restrict', 'revoke'].includes(rivalAction.type) && rivalAction.requires_approval, JSON.stringify(rivalAction));

  // The same playbook with the cluster rule changed to notify, and the one switch turned on.
  const pb = (await import('yaml')).parse(readFileSync(defaultPlaybookPath(), 'utf8'));
  pb.auto_enforce = true;
  pb.rules.find((r: { id: string }) => r.id === 'distillation-cluster').action = 'notify';
  delete pb.rules.find((r: { id: string }) => r.id === 'distillation-cluster').duration;
  const policy = join(dir, 'new-playbook.yaml');
  writeFileSync(policy, stringify({ playbooks: pb }));
  const changed = byOrg(await runReplayCommand(trace, { report: 'json', policy }, quiet()));
  for (const h of hydra) assert.deepEqual(changed.get(h), { type: 'notify', requires_approval: false }, h);
  assert.deepEqual(changed.get(rival), { type: rivalAction.type, requires_approval: false });
  for (const l of legit) assert.equal(changed.get(l)?.type, 'none', l);
});

test('replay --policy: a bad playbook is refused with file, line and path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-replay-pb-'));
  const policy = join(dir, 'bad.yaml');
  writeFileSync(policy, ['playbooks:', '  rules:', '    - id: x', '      when: { labels: [benchmarking] }', '      action: obliterate', '      clause: tos-2.3a', ''].join('\n'));
  await assert.rejects(runReplayCommand(join(dir, 'none.jsonl'), { policy }, quiet()), (e: Error) => {
    assert.match(e.message, new RegExp(`${policy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:\\d+: playbooks\\.rules\\[0\\]\\.action`));
    return true;
  });
});
