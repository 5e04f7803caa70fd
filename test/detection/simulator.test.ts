import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRAWN_APART, LEGIT_FAMILIES, MISUSE_FAMILIES, SCENARIOS, simulate, writeScenario } from '../../src/simulator/scenarios.js';
import { loadCorpus } from '../../src/detection/corpus.js';
import { rulesDir, sharedDataDir } from '../../src/detection/data-path.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { viewRequest } from '../../src/detection/request-view.js';
import { ANSWER_SCALE, TRAINING_ANSWER_SCALE } from '../../src/simulator/answer-length.js';
import { CUE_COT, CUE_GRADED, harnessCues } from '../../src/detection/signals/harness-cues.js';

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
  for (const x of [...Object.keys(LEGIT_FAMILIES), ...Object.keys(MISUSE_FAMILIES)]) assert.ok(actors.includes(x), x);
  for (const x of ['coding_agent', 'tutoring', 'translation', 'vendor_eval', 'safety_institute', 'competitor_safety_eval', 'reseller', 'small_developers', 'university_lab', 'competitor_via_affiliate', 'hydra', 'safety_sweep'])
    assert.ok(actors.includes(x), x);
  const firstReq = lines.findIndex((l) => l.type === 'request');
  assert.ok(lines.slice(firstReq).every((l) => l.type === 'request'));
  const ts = lines.filter((l) => l.type === 'request').map((l) => Date.parse((l as { ts: string }).ts));
  assert.ok(ts.every((t, i) => i === 0 || t >= ts[i - 1]!));
  const labelled = new Set(labels.actors.flatMap((a) => a.orgs));
  for (const l of lines) if (l.type === 'request') assert.ok(labelled.has(l.org), l.org);
  // A gateway applies the org lines as a policy: names must be unique across families, as ids are.
  const names = lines.flatMap((l) => (l.type === 'org' ? [l.name] : []));
  assert.equal(new Set(names).size, names.length, 'org names are unique');
  const rivalId = labels.actors.find((a) => a.actor === 'competitor_sweep')!.orgs[0];
  const rival = lines.find((l) => l.type === 'org' && l.id === rivalId);
  assert.deepEqual(rival && rival.type === 'org' && rival.attributes, { competitor: true });
  // The acquired startup is no competitor itself; its acquirer is.
  const acquired = lines.find((l) => l.type === 'org' && l.id === labels.actors.find((a) => a.actor === 'competitor_via_affiliate')!.orgs[0]);
  assert.ok(acquired && acquired.type === 'org' && acquired.affiliates?.[0]?.relation === 'acquirer');
  const hydra = labels.actors.find((a) => a.actor === 'hydra')!;
  assert.ok(hydra.orgs.length >= 5 && hydra.network);
  assert.ok(labels.actors.find((a) => a.actor === 'competitor_sweep')!.misuseStart, 'misuse starts after some ordinary use');
});

test('families drawn apart come last in mixed, and leaving them out changes no other family\'s traffic', () => {
  // The evaluation's tables stay comparable across runs that add families: every earlier family's requests (ids,
  // times, texts, answer lengths) are what they were for a given seed.
  const mixed = SCENARIOS.mixed!;
  const first = mixed.findIndex((f) => DRAWN_APART.has(f));
  assert.ok(first > 0 && mixed.slice(first).every((f) => DRAWN_APART.has(f)), `drawn-apart families are last: ${mixed.slice(first).join(', ')}`);
  const earlier = mixed.slice(0, first);
  const byFamily = (r: ReturnType<typeof simulate>) => {
    const family = new Map(r.labels.actors.flatMap((a) => a.orgs.map((o) => [o, a.actor] as const)));
    const out = new Map<string, string[]>();
    for (const l of r.lines) if (l.type === 'request') (out.get(family.get(l.org)!) ?? out.set(family.get(l.org)!, []).get(family.get(l.org)!)!).push(JSON.stringify(l));
    return out;
  };
  for (const seed of [2, 9]) {
    const all = byFamily(simulate({ scenario: 'mixed', seed, scale: 0.05 }));
    const without = byFamily(simulate({ scenario: 'mixed', seed, scale: 0.05, families: earlier }));
    assert.ok(mixed.slice(first).every((f) => (all.get(f)?.length ?? 0) > 0), 'the drawn-apart families send traffic');
    for (const f of earlier) assert.deepEqual(without.get(f), all.get(f), `${f}, seed ${seed}`);
  }
});

test('actor parameters are drawn per seed: volumes, clients, timing and items differ across seeds', () => {
  const shape = (seed: number) => {
    const { lines, labels } = simulate({ scenario: 'competitor', seed, scale: 0.5 });
    const reqs = lines.filter((l) => l.type === 'request') as Array<{ client?: { user_agent?: string }; body: { temperature?: number; max_tokens?: number } }>;
    return { n: labels.requests, ua: reqs.at(-1)?.client?.user_agent, t: reqs.at(-1)?.body.temperature, m: reqs.at(-1)?.body.max_tokens };
  };
  const seen = Array.from({ length: 8 }, (_, i) => shape(i + 1));
  assert.ok(new Set(seen.map((s) => s.n)).size >= 6, 'volumes vary');
  assert.ok(new Set(seen.map((s) => s.ua)).size >= 4, 'clients vary');
  assert.ok(new Set(seen.map((s) => `${s.t}/${s.m}`)).size >= 3, 'sampling parameters vary');
});

test('a corpus plan keeps misuse items to the allowed data sets', () => {
  const { lines, labels } = simulate({ scenario: 'safety-sweep', seed: 4, scale: 0.3, plan: { split: 'holdout', misuse: new Set(['advbench']) } });
  const org = labels.actors[0]!.orgs[0]!;
  const advbench = new Set(loadCorpus(sharedDataDir(), 'advbench').map((it) => it.turns[0]));
  const prompts = lines.filter((l): l is TraceRequestLine => l.type === 'request' && l.org === org).map((l) => ((l.body as { messages: Array<{ content: string }> }).messages.at(-1)!.content));
  // Items may be reworded at their start ("For a research project, write…"): compare what follows the first word.
  const tails = [...advbench].filter(Boolean).map((a) => a!.slice(a!.indexOf(' ')).toLowerCase());
  assert.ok(prompts.filter((p) => tails.some((t) => p.toLowerCase().includes(t))).length >= prompts.length * 0.5, 'the sweep draws from advbench only (plus ordinary traffic)');
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

test('answer lengths are drawn per actor: a legitimate family gets long answers in some seeds, and no answer runs past its budget', () => {
  const longShare = (seed: number) => {
    const { lines } = simulate({ scenario: 'legit', seed, scale: 0.05, families: ['university_lab'] });
    const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request');
    for (const r of reqs) {
      const u = r.response!.usage!;
      const budget = (r.body as { max_tokens?: number }).max_tokens;
      if (budget !== undefined) assert.ok(u.output_tokens - (u.reasoning_tokens ?? 0) <= budget, `${u.output_tokens} > ${budget}`);
    }
    return reqs.filter((r) => r.response!.usage!.output_tokens >= 1000).length / reqs.length;
  };
  const shares = Array.from({ length: 12 }, (_, i) => longShare(i + 1));
  // The family's base range (80-800 tokens) never reaches 1,000; the per-actor draw does in some seeds, not all.
  assert.ok(shares.some((s) => s > 0.2), `no seed with long answers: ${shares.join(', ')}`);
  assert.ok(shares.some((s) => s === 0), `every seed has long answers: ${shares.join(', ')}`);
});

test('the answer-length range moves every answer of the run and nothing else: the training runs draw from a wider one', () => {
  const run = (answerScale: readonly [number, number]) => simulate({ scenario: 'mixed', seed: 3, scale: 0.05, answerScale }).lines.filter((l): l is TraceRequestLine => l.type === 'request');
  const one = run([1, 1]);
  const three = run([3, 3]);
  assert.equal(three.length, one.length);
  let before = 0;
  let after = 0;
  for (const [i, r] of three.entries()) {
    const base = one[i]!;
    assert.equal(r.id, base.id);
    assert.deepEqual(r.body, base.body);
    const visible = (l: TraceRequestLine) => l.response!.usage!.output_tokens - (l.response!.usage!.reasoning_tokens ?? 0);
    // Three times as long, or cut short of that at the request's budget; never shorter.
    assert.ok(visible(r) >= visible(base) && visible(r) <= visible(base) * 3, `${visible(base)} -> ${visible(r)}`);
    before += visible(base);
    after += visible(r);
  }
  // Budgets cut some (a reasoning model's app keeps the cut its earlier budget made); the run's answers as a whole
  // come out more than twice as long.
  assert.ok(after > before * 2, `${before} -> ${after} tokens`);
  // The shipped scores were fitted on the wider range (build-assets records it with the fit).
  assert.ok(TRAINING_ANSWER_SCALE[1] > ANSWER_SCALE[1] && TRAINING_ANSWER_SCALE[0] <= ANSWER_SCALE[0]);
  const shipped = JSON.parse(readFileSync(join(rulesDir(), 'models', 'scores.json'), 'utf8')) as { fitted: { answer_scale?: number[] } };
  assert.deepEqual(shipped.fitted.answer_scale, [...TRAINING_ANSWER_SCALE]);
});

test('Responses API requests carry only what that API takes: max_output_tokens, top_logprobs; no max_tokens, n, logprobs flag or seed', () => {
  let responses = 0;
  for (let seed = 1; seed <= 40 && responses < 200; seed++) {
    const { lines } = simulate({ scenario: 'competitor', seed, scale: 0.2, responsesApi: true });
    for (const l of lines) {
      if (l.type !== 'request' || !('input' in (l.body as object))) continue;
      responses++;
      const b = l.body as Record<string, unknown>;
      for (const k of ['max_tokens', 'max_completion_tokens', 'n', 'logprobs', 'seed', 'reasoning_effort']) assert.equal(b[k], undefined, `${k} in a Responses body: ${JSON.stringify(b).slice(0, 200)}`);
      assert.equal(typeof b.max_output_tokens, 'number');
    }
  }
  assert.ok(responses > 0, 'no seed sent through the Responses API');
});

test('tool use: a harvest sends each item with its own tools from a large catalogue; an agent platform offers its catalogue or its tenants\' tools again across a session', () => {
  const toolSet = (l: TraceRequestLine) => {
    const tools = (l.body as { tools?: Array<{ name?: string; function?: { name: string } }> }).tools ?? [];
    return tools.map((t) => t.name ?? t.function?.name).sort().join(',');
  };
  for (const seed of [1, 2, 3]) {
    const { lines, labels } = simulate({ scenario: 'tool-use', seed, scale: 0.3 });
    const orgsOf = (family: string) => new Set(labels.actors.find((a) => a.actor === family)!.orgs);
    const sets = (family: string) => {
      const orgs = orgsOf(family);
      return lines.filter((l): l is TraceRequestLine => l.type === 'request' && orgs.has(l.org)).map(toolSet).filter(Boolean);
    };
    const repeated = (xs: string[]) => 1 - new Set(xs).size / xs.length;
    const harvest = sets('tool_distiller');
    const platform = sets('agent_platform');
    assert.ok(harvest.length > 50 && repeated(harvest) < 0.05, `seed ${seed}: harvest repeats ${repeated(harvest)} of its tool sets`);
    assert.ok(new Set(harvest.flatMap((s) => s.split(','))).size > 200, `seed ${seed}: names drawn from a large catalogue`);
    assert.ok(repeated(platform) > 0.3, `seed ${seed}: the platform repeats ${repeated(platform)} of its tool sets`);
  }
});

test("harvest styles: some seeds' distillers ask for a graded answer form on their reasoning requests (rejection sampling), others never", () => {
  let graded = 0;
  const seeds = Array.from({ length: 16 }, (_, i) => i + 1);
  for (const seed of seeds) {
    const { lines } = simulate({ scenario: 'distiller', seed, scale: 0.2 });
    const long = lines.filter((l): l is TraceRequestLine => l.type === 'request' && (l.response?.usage?.output_tokens ?? 0) > 0 && (harnessCues(viewRequest(l.body).prompt, '') & CUE_COT) !== 0);
    const share = long.filter((l) => harnessCues(viewRequest(l.body).prompt, '') & CUE_GRADED).length / Math.max(1, long.length);
    if (share > 0.3) graded++;
  }
  assert.ok(graded >= 1 && graded < seeds.length, `${graded} of ${seeds.length} seeds grade their harvest`);
});

test('every account has a creation time before its first request; networks open theirs in one batch in some seeds and one by one in others', () => {
  const modes = new Set<string>();
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { lines, labels } = simulate({ scenario: 'mixed', seed, scale: 0.2 });
    const first = new Map<string, number>();
    for (const l of lines) if (l.type === 'request' && !first.has(l.org)) first.set(l.org, Date.parse(l.ts));
    const created = new Map<string, number>();
    for (const l of lines) if (l.type === 'org' && first.has(l.id)) created.set(l.id, Date.parse(l.created_at!));
    for (const [org, t] of first) assert.ok(created.get(org)! <= t, `${org} opened before its first request`);
    for (const a of labels.actors.filter((x) => x.network && x.orgs.length >= 5)) {
      const ts = a.orgs.map((o) => created.get(o)!);
      modes.add(Math.max(...ts) - Math.min(...ts) <= 6 * 3_600_000 ? 'batch' : 'apart');
    }
  }
  assert.deepEqual([...modes].sort(), ['apart', 'batch']);
});

test('some applications run on a reasoning model: every request of theirs asks for reasoning, with no temperature and thinking tokens reported apart', () => {
  const onModel = new Set<string>();
  let legit = 0;
  for (const seed of [1, 2, 3]) {
    const { lines, labels } = simulate({ scenario: 'mixed', seed, scale: 0.2 });
    const byOrg = new Map<string, TraceRequestLine[]>();
    for (const l of lines) {
      if (l.type !== 'request') continue;
      const list = byOrg.get(l.org);
      if (list) list.push(l);
      else byOrg.set(l.org, [l]);
    }
    const medium = (l: TraceRequestLine) => {
      const b = l.body as Record<string, unknown>;
      return b.reasoning_effort === 'medium' || (b.reasoning as { effort?: string } | undefined)?.effort === 'medium' || (b.thinking as { budget_tokens?: number } | undefined)?.budget_tokens === 2048;
    };
    for (const a of labels.actors) {
      const reqs = a.orgs.flatMap((o) => byOrg.get(o) ?? []);
      const moved = reqs.filter(medium);
      if (a.kind === 'misuse') {
        assert.equal(moved.length, 0, `${a.actor}: misuse traffic is never moved`);
        continue;
      }
      legit++;
      if (!moved.length) continue;
      onModel.add(`${seed}:${a.actor}`);
      // All or nothing: an application moves to a reasoning model, not some of its requests.
      assert.equal(moved.length, reqs.length, `${a.actor}: every request asks for reasoning`);
      for (const l of moved) {
        assert.equal((l.body as Record<string, unknown>).temperature, undefined);
        const u = l.response?.usage;
        if (u) assert.ok((u.reasoning_tokens ?? 0) >= 300 && u.output_tokens > u.reasoning_tokens!, `${l.id}: thinking reported apart`);
      }
    }
  }
  assert.ok(onModel.size >= 2 && onModel.size < legit / 2, `${onModel.size} of ${legit} applications on a reasoning model`);
});
