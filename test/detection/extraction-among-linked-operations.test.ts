// A proxy service's accounts link whatever operations it runs: here a logit-bias sweep and a reasoning harvest on
// the same subnets and client, with two applications that bias tokens (labels, each request's own options) on the
// same range. Merged into one cluster, the harvest's traffic can dilute the sweep's share of biasing requests below
// the cluster rule's bar. The sweep's accounts must still be labelled model_extraction, by their own behaviour and
// the network's re-probes (extract.linked-logit-sweep), and that rule must label no one else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { replayTrace } from '../../src/detection/replay.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { simulate } from '../../src/simulator/scenarios.js';

const RULE = 'extract.linked-logit-sweep';

async function mergedOperations(seed: number) {
  const sim = simulate({ scenario: 'mixed', seed, scale: 0.5, families: ['extraction_network', 'hydra', 'label_steering_app', 'constrained_choice_app'], split: 'all' });
  const family = new Map(sim.labels.actors.flatMap((a) => a.orgs.map((o) => [o, a.actor] as const)));
  let k = 0;
  const lines: TraceLine[] = sim.lines.map((l) => (l.type === 'request' ? { ...l, client: { ...l.client, ip: `203.0.113.${(k++ % 200) + 1}`, user_agent: 'python-httpx/0.27.0' } } : l));
  const report = await replayTrace((function* () {
    for (const l of lines) yield JSON.stringify(l) + '\n';
  })(), { assets: loadDetectionAssets() });
  const of = (f: string) => [...family].filter(([, x]) => x === f).map(([o]) => o);
  return { report, of, labels: new Map(report.orgs.map((o) => [o.org, o.activities])) };
}

for (const seed of [1, 6]) {
  test(`a logit-bias sweep linked with a harvest and biasing apps through one proxy service (seed ${seed}): the sweep's accounts, and only they, are labelled by their own sweep`, async () => {
    const { report, of, labels } = await mergedOperations(seed);
    const sweep = of('extraction_network');
    const harvest = of('hydra');
    assert.ok(sweep.length >= 5 && harvest.length >= 5);
    assert.ok(report.clusters.some((c) => c.orgs.some((o) => sweep.includes(o)) && c.orgs.some((o) => harvest.includes(o))), 'the two operations are linked into one cluster');
    for (const o of sweep) {
      const a = labels.get(o)?.find((x) => x.label === 'model_extraction');
      assert.ok(a?.rules.includes(RULE), `${o} (the sweep) is labelled model_extraction by its own sweep`);
    }
    for (const o of [...harvest, ...of('label_steering_app'), ...of('constrained_choice_app')])
      assert.ok(!labels.get(o)?.some((x) => x.rules.includes(RULE)), `${o} is not labelled by ${RULE}`);
    if (seed === 1) {
      // The case the rule is for: the cluster rule does not read the diluted cluster as a sweep, so without this
      // rule the sweep's accounts would carry the harvest's label only, and the harvest's accounts carry no other.
      assert.ok(sweep.every((o) => !labels.get(o)!.some((x) => x.rules.includes('extract.networked-logit-sweep'))));
      assert.ok(harvest.every((o) => !labels.get(o)?.some((x) => x.label === 'model_extraction')));
    }
  });
}
