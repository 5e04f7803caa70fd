import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import { linkRecordOf } from '../../src/detection/linkage/link-record.js';
import { OrgWindow } from '../../src/detection/org-window.js';
import { extractSignals } from '../../src/detection/signals/request-signals.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const { fingerprints, text, baselines } = loadDetectionAssets();
const models = { fingerprints, text, disabled: new Set<never>() };
const wrapperShare = aggregateGetter('wrapper_top_share')!;
const items = EVERYDAY_ITEMS.slice(0, 6);
const line = (i: number, content: string) => ({ type: 'request' as const, id: `r${i}`, ts: '2026-01-01T00:00:00Z', org: 'o', key: 'k', api: 'openai' as const, endpoint: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content }] } });

function shares(prompts: string[]): { window: number; link: number; restored: number } {
  const w = new OrgWindow(200);
  const a = new LinkAggregate();
  prompts.forEach((p, i) => {
    const s = extractSignals(line(i, p), i * 1000, models);
    w.push(s);
    a.add(linkRecordOf('o', s, 0, false));
  });
  return { window: wrapperShare(w, baselines) as number, link: wrapperShare(a, baselines) as number, restored: wrapperShare(LinkAggregate.fromState(a.toState()), baselines) as number };
}

test('the same request text around different items is one wrapper, at either end of the prompt', () => {
  // A distiller's reasoning request in words no cue knows, after the item; an instruction header before it.
  const after = shares(items.map((it) => `${it}\n\nBreak the problem into parts and solve each one, narrating as you go.`));
  const before = shares(items.map((it) => `Work through the following carefully and at length.\n${it}`));
  for (const s of [after, before]) {
    assert.equal(s.window, 1);
    assert.equal(s.link, 1, 'a cluster or key aggregate counts wrappers as a window does');
    assert.equal(s.restored, 1, 'and keeps them through a checkpoint');
  }
  // Ordinary questions share no wrapper (a two-sentence question is its own, counted once).
  assert.ok(shares(items).window <= 1 / items.length);
  // Half the prompts wrapped.
  assert.equal(shares(items.map((it, i) => (i % 2 ? `${it}\n\nThink it over out loud before you answer.` : it))).window, 0.5);
});

test('an aggregate checkpointed before wrappers were summarised restores with none', () => {
  const a = new LinkAggregate();
  a.add(linkRecordOf('o', extractSignals(line(0, `${items[0]}\n\nNarrate every step.`), 0, models), 0, false));
  const { wrappers: _w, ...old } = a.toState();
  assert.equal(wrapperShare(LinkAggregate.fromState(old), baselines), 0);
});
