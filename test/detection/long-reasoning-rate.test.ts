import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import { linkRecordOf } from '../../src/detection/linkage/link-record.js';
import { OrgWindow } from '../../src/detection/org-window.js';
import { extractSignals } from '../../src/detection/signals/request-signals.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const { fingerprints, text, baselines } = loadDetectionAssets();
const models = { fingerprints, text, disabled: new Set<never>() };
const rate = aggregateGetter('long_reasoning_rate')!;
const share = aggregateGetter('long_reasoning_share')!;

/** `thinking`: reasoning tokens counted in the output besides the answer (reported apart, as the gateway records them). */
const line = (i: number, content: string, answer: number, body: Record<string, unknown> = {}, thinking = 0): TraceRequestLine => ({
  type: 'request', id: `r${i}`, ts: '2026-01-01T00:00:00Z', org: 'o', key: 'k', api: 'openai',
  body: { model: 'm', messages: [{ role: 'user', content }], ...body },
  response: { status: 200, usage: { input_tokens: 50, output_tokens: answer + thinking, ...(thinking ? { reasoning_tokens: thinking } : {}) } },
});

/** The window's and a cluster aggregate's (what cluster rules read) values after these requests. */
function read(lines: TraceRequestLine[]): { rate: number | undefined; share: number; clusterRate: number | undefined } {
  const w = new OrgWindow(200);
  const a = new LinkAggregate();
  lines.forEach((l, i) => {
    const s = extractSignals(l, i * 1000, models);
    w.push(s);
    a.add(linkRecordOf('o', s, 0, false));
  });
  return { rate: rate(w, baselines), share: share(w, baselines) as number, clusterRate: rate(a, baselines) };
}

// Reasoning asked for in words, every other answer long unless told otherwise.
const harvest = (n: number, answer = (i: number) => (i % 2 ? 1500 : 400)) => Array.from({ length: n }, (_, i) => line(i, `${EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]}\n\nThink step by step.`, answer(i)));
const chat = (n: number) => Array.from({ length: n }, (_, i) => line(1000 + i, EVERYDAY_ITEMS[(i * 7) % EVERYDAY_ITEMS.length]!, 120));

test('long reasoning rate: the share of reasoning requests answered at length, whatever ordinary chat is mixed in', () => {
  const pure = read(harvest(40));
  const mixed = read([...harvest(40), ...chat(40)]);
  assert.equal(pure.rate, 0.5);
  assert.equal(mixed.rate, 0.5, 'chat does not dilute it');
  assert.equal(mixed.share, pure.share / 2, 'where it halves the share of all requests');
  assert.equal(mixed.clusterRate, 0.5, 'a cluster aggregate reads it as a window does');
  // Asked by the reasoning parameter alone, a third of the answers long: how an application on a reasoning model
  // sends every request (its reports or stories are long answers), so none is a long answer to reasoning asked for
  // in the answer; the same answers to prompts asking for steps in words are.
  const byParam = Array.from({ length: 30 }, (_, i) => line(i, EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]!, i < 10 ? 3000 : 500, { reasoning_effort: 'high' }, 2000));
  const p = read(byParam);
  assert.equal(p.rate, 0, `by parameter alone: ${p.rate}`);
  assert.equal(p.share, 0);
  const inWords = read(byParam.map((l, i) => line(i, `${EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]}\n\nShow your reasoning step by step.`, i < 10 ? 3000 : 500, { reasoning_effort: 'high' }, 2000)));
  assert.ok(inWords.rate !== undefined && Math.abs(inWords.rate - 1 / 3) < 1e-9, `asked in words too: ${inWords.rate}`);
  // Asked in words by some requests and by a parameter by others, every answer long: counted against the larger
  // group (the tally keeps no union), never above 1.
  const both = read([...harvest(30, () => 1500), ...Array.from({ length: 20 }, (_, i) => line(100 + i, EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]!, 1500, { reasoning_effort: 'high' }, 500))]);
  assert.equal(both.rate, 1);
});

test('long reasoning rate: unread until 20 requests ask for reasoning, so a few long answers do not make a rate', () => {
  assert.equal(read([...harvest(19), ...chat(60)]).rate, undefined);
  assert.equal(read(chat(60)).rate, undefined);
  assert.equal(read(harvest(20)).rate, 0.5);
});
