// A proxy service's accounts link whatever operations it runs: here a logit-bias sweep and a reasoning harvest on
// the same subnets and client, merged into one cluster whose harvest traffic dilutes the sweep's share of biasing
// requests below the cluster rule's bar. The sweep's accounts must still be labelled model_extraction, by their own
// behaviour and the network's volume (extract.linked-logit-sweep), and the harvest's accounts must not be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { replayTrace } from '../../src/detection/replay.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { simulate } from '../../src/simulator/scenarios.js';

test('a logit-bias sweep linked with a harvest through one proxy service: only the sweep\'s accounts are labelled model_extraction', async () => {
  const sim = simulate({ scenario: 'mixed', seed: 1, scale: 0.5, families: ['extraction_network', 'hydra'], split: 'all' });
  const family = new Map(sim.labels.actors.flatMap((a) => a.orgs.map((o) => [o, a.actor] as const)));
  let k = 0;
  const lines: TraceLine[] = sim.lines.map((l) => (l.type === 'request' ? { ...l, client: { ...l.client, ip: `203.0.113.${(k++ % 200) + 1}`, user_agent: 'python-httpx/0.27.0' } } : l));
  const report = await replayTrace((function* () {
    for (const l of lines) yield JSON.stringify(l) + '\n';
  })(), { assets: loadDetectionAssets() });
  const sweep = [...family].filter(([, f]) => f === 'extraction_network').map(([o]) => o);
  const harvest = [...family].filter(([, f]) => f === 'hydra').map(([o]) => o);
  assert.ok(sweep.length >= 5 && harvest.length >= 5);
  // The case this is about: both operations in one cluster, which the cluster rule does not read as a sweep.
  const merged = report.clusters.find((c) => c.orgs.some((o) => sweep.includes(o)) && c.orgs.some((o) => harvest.includes(o)));
  assert.ok(merged, 'the two operations are linked into one cluster');
  const labels = new Map(report.orgs.map((o) => [o.org, o.activities]));
  for (const o of sweep) {
    const a = labels.get(o)?.find((x) => x.label === 'model_extraction');
    assert.ok(a, `${o} (the sweep) is labelled model_extraction`);
    assert.ok(a.rules.includes('extract.linked-logit-sweep'), `${o}: by its own behaviour, not the cluster's`);
  }
  for (const o of harvest) assert.ok(!labels.get(o)?.some((x) => x.label === 'model_extraction'), `${o} (the harvest) is not labelled model_extraction`);
});
