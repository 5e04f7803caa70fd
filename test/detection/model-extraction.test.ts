import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { aggregateGetter, type Aggregate } from '../../src/detection/aggregate-features.js';
import { createDetector } from '../../src/detection/detector.js';
import { OrgWindow } from '../../src/detection/org-window.js';
import { TOOL_NAMES, viewRequest } from '../../src/detection/request-view.js';
import { extractSignals } from '../../src/detection/signals/request-signals.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { Rng } from '../../src/simulator/rng.js';

const assets = loadDetectionAssets();
const newBiasRate = aggregateGetter('new_bias_rate')!;
const reprobeRate = aggregateGetter('reprobe_rate')!;
const bias = (ids: readonly number[], v = 100) => Object.fromEntries(ids.map((id) => [String(id), v]));

function line(i: number, org: string, prompt: string, params: Record<string, unknown>): TraceRequestLine {
  return {
    type: 'request', id: `r${org}${i}`, ts: new Date(Date.parse('2026-08-03T09:00:00Z') + i * 15_000).toISOString(), org, key: `k_${org}`, api: 'openai',
    // Each org on a network of its own: these are separate customers, judged each on its own traffic (on one /24
    // with one client, the two apps sending the same templated texts are linkage evidence of one operator).
    client: { ip: `203.${org.length}.113.7`, user_agent: 'python-requests/2.32.3' },
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: prompt }], ...params },
    response: { status: 200, usage: { input_tokens: 20, output_tokens: 1 } },
  };
}

/** Each org's labels (rules that fired), new_bias_rate and reprobe_rate after `n` requests of each. */
function judge(traffic: Record<string, (i: number) => TraceRequestLine>, n: number): Record<string, { rules: string[]; rate: number; reprobe: number }> {
  const last = new Map<string, Aggregate>();
  const d = createDetector({ ...assets, onWindow: (org, _k, w) => last.set(org, w) });
  for (let i = 0; i < n; i++) for (const make of Object.values(traffic)) d.ingest(make(i));
  const snap = d.snapshot();
  return Object.fromEntries(
    Object.keys(traffic).map((org) => [org, { rules: snap.orgs.find((o) => o.org === org)?.activities.flatMap((a) => a.rules) ?? [], rate: newBiasRate(last.get(org)!, assets.baselines) as number, reprobe: reprobeRate(last.get(org)!, assets.baselines) as number }]),
  );
}

test('biased tokens: the same map gives the same tokens in any order, at most the smallest few; no map, none', () => {
  const ids = [50256, 198, 1000, 42];
  const a = viewRequest({ model: 'm', messages: [], logit_bias: bias(ids) });
  const b = viewRequest({ model: 'm', messages: [], logit_bias: bias([...ids].reverse(), -100) });
  assert.equal(a.logitBias, true);
  assert.equal(a.biasTokens?.length, 4);
  assert.deepEqual(b.biasTokens, a.biasTokens);
  assert.equal(viewRequest({ model: 'm', messages: [], logit_bias: bias(Array.from({ length: 300 }, (_, i) => i)) }).biasTokens?.length, TOOL_NAMES);
  for (const none of [undefined, null, {}, [1, 2], 'x']) {
    const v = viewRequest({ model: 'm', messages: [], logit_bias: none });
    assert.equal(v.logitBias, false, JSON.stringify(none));
    assert.equal(v.biasTokens, undefined);
  }
});

test('a sweep over the vocabulary through logit_bias is labelled model_extraction; an app steering to its labels or banning words is not', () => {
  const rng = new Rng(31);
  const prompts = ['Say something.', 'The weather today is', 'Tell me a fact about cats.'];
  const inputs = Array.from({ length: 400 }, (_, i) => `Order ${i}: my ${rng.pick(['parcel', 'refund', 'card', 'login'])} is ${rng.pick(['late', 'broken', 'missing', 'wrong'])}, ${rng.int(1, 99)} days now`);
  const labels = [362, 426, 356, 423];
  const banned = Array.from({ length: 80 }, () => rng.int(0, 100_000));
  const steer = { temperature: 0, max_tokens: 1, logprobs: true, top_logprobs: 5 };
  const traffic: Record<string, (i: number) => TraceRequestLine> = {
    // Many tokens per request, read through logprobs, with a constant set of decoys beside them.
    wide: (i) => line(i, 'wide', prompts[i % 3]!, { ...steer, logit_bias: bias([7, 11, ...Array.from({ length: 100 }, (_, k) => i * 100 + k)]) }),
    // One token at a time, its logit searched from the argmax alone (no logprobs).
    narrow: (i) => line(i, 'narrow', prompts[0]!, { temperature: 0, max_tokens: 1, logit_bias: bias([Math.floor(i / 4) + 5000], 10 + (i % 4) * 20) }),
    classifier: (i) => line(i, 'classifier', inputs[i % inputs.length]!, { ...steer, logit_bias: bias(i < 150 ? labels : [...labels, 1050]) }),
    banlist: (i) => line(i, 'banlist', inputs[(i * 7) % inputs.length]!, { temperature: 0.7, max_tokens: 200, logit_bias: bias(banned, -100) }),
  };
  const r = judge(traffic, 300);
  assert.ok(r.wide!.rules.includes('extract.logit-sweep'), `wide: ${r.wide!.rules}`);
  assert.ok(r.narrow!.rules.includes('extract.logit-sweep'), `narrow: ${r.narrow!.rules}`);
  // The narrow search probes each token four times before the next: a quarter of its requests bring a new one.
  assert.ok(r.wide!.rate > 0.9 && r.narrow!.rate > 0.2 && r.narrow!.rate < 0.3, `rates ${r.wide!.rate} ${r.narrow!.rate}`);
  assert.deepEqual(r.classifier!.rules, []);
  assert.deepEqual(r.banlist!.rules, []);
  assert.ok(r.classifier!.rate < 0.05 && r.banlist!.rate < 0.05, `apps: ${r.classifier!.rate} ${r.banlist!.rate}`);
});

test('an app that biases each request\'s own options brings new tokens as a sweep does, but sends each text once: not an extraction', () => {
  const rng = new Rng(37);
  const words = ['Lisbon', 'Porto', 'Madrid', 'Seville', 'Lyon', 'Paris', 'Turin', 'Milan', 'Ghent', 'Bruges', 'Basel', 'Bern'];
  // Each request: the user's own text and its candidates, each candidate's first tokens biased (rare words, names).
  const options = (i: number) => {
    const shown = rng.sample(words, rng.int(2, 6));
    return line(i, 'options', `Trip ${i}: ${rng.pick(['two nights near', 'a day trip from', 'cheap flights to'])} ${rng.pick(words)}\n\nOptions: ${shown.join(' | ')}`, {
      temperature: 0, max_tokens: 2, logprobs: true, top_logprobs: 5, logit_bias: bias(shown.flatMap(() => [Math.floor(Math.exp(rng.next() * Math.log(100_000)))]), 20),
    });
  };
  // The same app, a popular query sent again with the same options: the same request, not a reprobe.
  const again = (i: number) => line(i, 'again', `Trip ${i % 40}: hotels in Lisbon\n\nOptions: Alfama | Baixa`, { temperature: 0, max_tokens: 2, logit_bias: bias([1200 + (i % 40), 5200 + (i % 40)], 20) });
  // A sweep reading its three prompts' logits, 50 tokens a request.
  const sweep = (i: number) => line(i, 'sweep', ['Say something.', 'The', 'Continue:'][i % 3]!, { temperature: 0, max_tokens: 1, logprobs: true, top_logprobs: 5, logit_bias: bias(Array.from({ length: 50 }, (_, k) => 20_000 + i * 50 + k)) });
  const r = judge({ options, again, sweep }, 300);
  assert.ok(r.options!.rate > 0.5, `the app keeps biasing new tokens (${r.options!.rate})`);
  assert.ok(r.options!.reprobe < 0.05 && r.again!.reprobe < 0.05, `apps reprobe ${r.options!.reprobe} ${r.again!.reprobe}`);
  // (Scripted, temperature 0 and single-turn, the test's traffic may read as an evaluation: only extraction is asked.)
  const extraction = (rules: string[]) => rules.filter((x) => x.startsWith('extract.'));
  assert.deepEqual(extraction(r.options!.rules), []);
  assert.deepEqual(extraction(r.again!.rules), []);
  assert.ok(r.sweep!.reprobe > 0.9, `sweep reprobe ${r.sweep!.reprobe}`);
  assert.ok(r.sweep!.rules.includes('extract.logit-sweep'));
});

test('biased tokens a window remembers survive a checkpoint', () => {
  const models = { fingerprints: assets.fingerprints, text: assets.text, disabled: new Set<never>() };
  const w = new OrgWindow(200);
  const first = extractSignals(line(0, 'o', 'Classify: late parcel', { logit_bias: bias([362, 426]) }), 0, models);
  assert.equal(w.newBias(first.biasTokens), true, 'the first labels are new');
  w.push(first);
  const restored = new OrgWindow(200);
  restored.restore(JSON.parse(JSON.stringify(w.toState())));
  const next = extractSignals(line(1, 'o', 'Classify: broken card', { logit_bias: bias([426, 362]) }), 1000, models);
  assert.equal(restored.newBias(next.biasTokens), false);
  assert.equal(new OrgWindow(200).newBias(next.biasTokens), true, 'a window that never saw them reads them as new');
  // The contexts sent under logit_bias too: the first prompt again under other labels is a reprobe after a restore.
  w.reprobe(first);
  const back = new OrgWindow(200);
  back.restore(JSON.parse(JSON.stringify(w.toState())));
  const relabelled = extractSignals(line(2, 'o', 'Classify: late parcel', { logit_bias: bias([362, 999]) }), 2000, models);
  assert.equal(back.reprobe(relabelled), true);
  assert.equal(new OrgWindow(200).reprobe(relabelled), false, 'a window that never saw the prompt reads it as new');
});
