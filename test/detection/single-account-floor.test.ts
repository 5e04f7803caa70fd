import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector } from '../../src/detection/detector.js';
import { fixtureLines } from './helpers.js';

const assets = loadDetectionAssets();
const distillation = assets.scores.get('distillation')!;

/** The distillation rules that fired for the distiller after its first `n` requests, and its highest score then. */
function after(n: number): { rules: string[]; peak: number } {
  let peak = 0;
  const d = createDetector({
    ...assets,
    onWindow: (org, _k, w) => {
      if (org === 'org_distill_0') peak = Math.max(peak, distillation.score(w, assets.baselines));
    },
  });
  let sent = 0;
  for (const l of fixtureLines('distiller.jsonl')) {
    if (l.type === 'request' && l.org === 'org_distill_0' && ++sent > n) break;
    d.ingest(l);
  }
  const org = d.snapshot().orgs.find((o) => o.org === 'org_distill_0');
  return { rules: org?.activities.filter((a) => a.label === 'distillation').flatMap((a) => a.rules) ?? [], peak };
}

test('single-account distillation: judged from the hundredth request, whatever the score before', () => {
  // A few dozen reasoning items with long answers are a student's or a researcher's evaluation as often as a
  // harvest, and worth nothing to distil from: the distiller's score is past the bar well before its 100th request.
  const early = after(99);
  assert.ok(early.peak >= 0.9, `score before the 100th request: ${early.peak}`);
  assert.deepEqual(early.rules, []);
  assert.ok(after(140).rules.includes('distill.reasoning-harvest'), 'labelled once 100 requests are in and the score held for 10 more');
});

test('single-account distillation: a score held under the bar for two full windows is labelled, not before', () => {
  // Only the persistent rule: what it adds is a harvest whose score never reaches 0.9 but holds above 0.75.
  const rules = assets.rules.filter((r) => r.spec.id === 'distill.persistent-harvest');
  assert.equal(rules.length, 1);
  const run = (limit: number) => {
    const d = createDetector({ ...assets, rules });
    let sent = 0;
    for (const l of fixtureLines('distiller-long.jsonl')) {
      if (l.type === 'request' && l.org === 'org_distill_0' && ++sent > limit) break;
      d.ingest(l);
    }
    return d.snapshot().orgs.find((o) => o.org === 'org_distill_0')?.activities.find((a) => a.label === 'distillation');
  };
  // 200 requests fill the window, and the score must then hold for 200 more: nothing at 398.
  assert.equal(run(398), undefined);
  const held = run(Infinity);
  assert.ok(held, 'labelled once the score held for a second full window');
  assert.ok(held.first_detected.request >= 399, `first detected at ${held.first_detected.request}`);
  assert.deepEqual(held.rules, ['distill.persistent-harvest']);
});
