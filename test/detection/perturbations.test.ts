import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewRequest } from '../../src/detection/request-view.js';
import { CUE_GRADED, harnessCues } from '../../src/detection/signals/harness-cues.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { PERTURBATIONS, perturbationNames, perturbLines } from '../../src/lab/eval/perturbations.js';
import { simulateRun } from '../../src/lab/eval/run-eval.js';

const req = (org: string, api: 'openai' | 'anthropic', body: Record<string, unknown>): TraceRequestLine => ({
  type: 'request', id: `${org}-${api}`, ts: '2026-01-01T00:00:00Z', org, key: `key_${org}`, api, client: { ip: '10.0.0.1', user_agent: 'python-requests/2.32' }, body,
  response: { status: 200, usage: { input_tokens: 20, output_tokens: 900 } },
});
const lines: TraceLine[] = [
  { type: 'org', id: 'bad' },
  req('bad', 'openai', { model: 'm', temperature: 0, messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Solve 2x + 3 = 11.' }] }),
  req('bad', 'anthropic', { model: 'm', max_tokens: 4096, messages: [{ role: 'user', content: 'Solve 2x + 3 = 11.' }] }),
  req('bad', 'openai', { model: 'm', input: 'Solve 2x + 3 = 11.' }),
  req('good', 'openai', { model: 'm', messages: [{ role: 'user', content: 'Hello' }] }),
];
/** A copy of a chat request asking `prompt` instead, under request id `id`. */
const withPrompt = (l: TraceRequestLine, prompt: string, id: string): TraceRequestLine => ({ ...l, id, body: { ...(l.body as object), messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: prompt }] } });
const bodies = (ls: TraceLine[]) => ls.filter((l): l is TraceRequestLine => l.type === 'request' && l.org === 'bad');

test('perturbations change only the chosen orgs, and what detection reads changes as named', () => {
  // Every perturbation at once, with one of the four ways of making up turns (reasoning, which drops the temperature, apart).
  const out = perturbLines(lines, new Set(['bad']), perturbationNames().filter((n) => n !== 'preambles' && n !== 'histories' && n !== 'chain' && n !== 'reasoning'));
  assert.deepEqual(out.find((l) => l.type === 'request' && l.org === 'good'), lines[4], 'other orgs are untouched');
  for (const l of bodies(out)) {
    const v = viewRequest(l.body);
    assert.equal(v.prompt, 'Solve 2x + 3 = 11.', 'the item is still the last user turn');
    assert.equal(v.userTurns, 2, 'preamble: one made-up user turn before it');
    assert.notEqual(v.history, 0);
    assert.ok(v.system, 'system: every request has one (an existing one is kept)');
    assert.equal(v.stream, true);
    assert.equal(v.temperature, 0.7);
    assert.match(l.client!.user_agent!, /Mozilla/);
    assert.equal(l.response!.usage, undefined);
    assert.match(l.key, /^key_bad_[0-2]$/);
    assert.match(l.client!.ip!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.notEqual(l.client!.ip, '10.0.0.1', 'residential: an exit of the pool, not the org\'s own address');
  }
  // Residential: a new network with nearly every request.
  const exits = bodies(perturbLines(Array.from({ length: 50 }, (_, i) => ({ ...(lines[1] as TraceRequestLine), id: `x${i}` })), new Set(['bad']), ['residential'])).map((l) => l.client!.ip!.split('.').slice(0, 2).join('.'));
  assert.ok(new Set(exits).size >= 45, `${new Set(exits).size} distinct /16s of 50 requests`);
  assert.equal(viewRequest(bodies(out)[0]!.body).system, 'Be exact.');
  assert.throws(() => perturbLines(lines, new Set(['bad']), ['nope']), /unknown perturbation "nope"/);
  // Preambles drawn per item: different items get other made-up turns, so the histories differ.
  const itemN = (i: number) => withPrompt(lines[1] as TraceRequestLine, `Solve ${i}x + 3 = 11.`, `r${i}`);
  const many = Array.from({ length: 12 }, (_, i) => itemN(i));
  const histories = new Set(bodies(perturbLines(many, new Set(['bad']), ['preambles'])).map((l) => viewRequest(l.body).history));
  assert.ok(histories.size >= 8, `${histories.size} distinct histories of 12`);
  // Invented per item: no two of 200 items share a history.
  const more = Array.from({ length: 200 }, (_, i) => itemN(i));
  const invented = bodies(perturbLines(more, new Set(['bad']), ['histories'])).map((l) => viewRequest(l.body));
  assert.equal(new Set(invented.map((v) => v.history)).size, 200);
  assert.ok(invented.every((v, i) => v.userTurns === 2 && v.prompt === `Solve ${i}x + 3 = 11.`));
  // The same item sent again (a probe of one context under another bias) keeps its invented conversation, in both.
  for (const name of ['histories', 'preambles']) {
    const again = bodies(perturbLines([itemN(7), { ...itemN(7), id: 'again' }, itemN(8)], new Set(['bad']), [name])).map((l) => viewRequest(l.body).history);
    assert.equal(again[0], again[1], name);
    assert.notEqual(again[0], again[2], name);
  }
});

test('chain: each item follows the account\'s previous items and their answers, in every API shape; other orgs are untouched', () => {
  const items = Array.from({ length: 8 }, (_, i) => withPrompt(lines[1] as TraceRequestLine, `Solve ${i}x + 3 = 11.`, `c${i}`));
  const shapes = [...items, lines[2] as TraceRequestLine, lines[3] as TraceRequestLine, lines[4] as TraceRequestLine];
  const out = perturbLines(shapes, new Set(['bad']), ['chain']) as TraceRequestLine[];
  const views = out.map((l) => viewRequest(l.body));
  assert.equal(views[0]!.userTurns, 1, 'the first item opens the conversation');
  const depth = Math.max(...views.map((v) => v.userTurns)) - 1;
  assert.ok(depth >= 1 && depth <= 4, `${depth} items carried`);
  views.slice(0, 8).forEach((v, i) => {
    assert.equal(v.prompt, `Solve ${i}x + 3 = 11.`, 'the item is still the last user turn');
    assert.equal(v.userTurns, 1 + Math.min(i, depth));
    assert.equal(v.system, 'Be exact.');
  });
  assert.equal(new Set(views.slice(0, 8).map((v) => v.history)).size, 8, 'the conversation grows, so no history repeats');
  // Anthropic messages and a Responses string input carry the same chain.
  assert.equal(views[8]!.userTurns, depth + 1);
  assert.equal(views[9]!.userTurns, depth + 1);
  assert.equal(views[9]!.prompt, 'Solve 2x + 3 = 11.');
  assert.deepEqual(out[10], lines[4]);
  // Every follow-up continues a turn the account did send: its parent is the request before it.
  views.slice(1, 10).forEach((v, i) => assert.equal(v.parentTurn, views[i]!.turn, `request ${i + 1}`));
  // A fresh chain per trace: the same lines perturbed again give the same requests.
  assert.deepEqual(perturbLines(shapes, new Set(['bad']), ['chain']), out);
  // Named before a perturbation that rewrites the item, the chain still carries the items as finally sent.
  const graded = perturbLines(items, new Set(['bad']), ['chain', 'graded'], () => 'distiller') as TraceRequestLine[];
  const gv = graded.map((l) => viewRequest(l.body));
  assert.match(gv[1]!.prompt, /boxed|Answer:|last line|final_answer/);
  gv.slice(1).forEach((v, i) => assert.equal(v.parentTurn, gv[i]!.turn, `graded request ${i + 1}`));
  // Left alone: logit_bias probes (one context asked again under other biases) and a stored conversation's follow-up.
  const probe = { ...items[1]!, id: 'probe', body: { ...(items[1]!.body as object), logit_bias: { '42': 5 } } };
  const stored = { ...(lines[3] as TraceRequestLine), id: 'stored', body: { model: 'm', input: 'And then?', previous_response_id: 'resp_1' } };
  const kept = perturbLines([items[0]!, probe, stored], new Set(['bad']), ['chain']) as TraceRequestLine[];
  assert.deepEqual(kept.slice(1), [probe, stored]);
  assert.throws(() => PERTURBATIONS.chain!.apply(items[0]!), /through perturbLines/);
});

test('reasoning: each API asks for reasoning in its own field, without a temperature, and the answer counts the thinking', () => {
  const out = bodies(perturbLines(lines, new Set(['bad']), ['reasoning']));
  const [chat, messages, responses] = out.map((l) => l.body as Record<string, unknown>);
  assert.equal(chat!.reasoning_effort, 'medium');
  assert.deepEqual(messages!.thinking, { type: 'enabled', budget_tokens: 2048 });
  assert.ok(Number(messages!.max_tokens) > 2048, 'Anthropic requires max_tokens above the thinking budget');
  assert.deepEqual(responses!.reasoning, { effort: 'medium' });
  for (const l of out) {
    const v = viewRequest(l.body);
    assert.equal(v.reasoningRequested, true);
    assert.equal(v.temperature, undefined, 'both APIs refuse a pinned temperature with reasoning on');
    assert.ok(l.response!.usage!.output_tokens >= 900 + 300);
    assert.equal(l.response!.usage!.output_tokens - l.response!.usage!.reasoning_tokens!, 900, 'the answer itself is unchanged');
  }
});

test('an eval run perturbs the misuse actors with --perturb and the legitimate ones with --perturb-legit', () => {
  const families = ['support_bot', 'distiller'];
  const agents = (ls: TraceLine[], orgs: Set<string>, inside: boolean) =>
    ls.filter((l): l is TraceRequestLine => l.type === 'request' && orgs.has(l.org) === inside).map((l) => l.client?.user_agent ?? '');
  const misuseBrowser = simulateRun({ scenario: 'mixed', seed: 1, scale: 0.2, plan: { split: 'holdout' }, families, perturb: ['browser'] });
  const legitBrowser = simulateRun({ scenario: 'mixed', seed: 1, scale: 0.2, plan: { split: 'holdout' }, families, perturbLegit: ['browser'] });
  assert.ok(agents(misuseBrowser.lines, misuseBrowser.misuseOrgs, true).every((ua) => ua.includes('Mozilla')));
  assert.ok(!agents(misuseBrowser.lines, misuseBrowser.misuseOrgs, false).some((ua) => ua.includes('Chrome/131')), 'legitimate traffic untouched');
  assert.ok(agents(legitBrowser.lines, legitBrowser.misuseOrgs, false).every((ua) => ua.includes('Chrome/131')));
  assert.ok(!agents(legitBrowser.lines, legitBrowser.misuseOrgs, true).some((ua) => ua.includes('Chrome/131')), 'misuse traffic untouched');
});

test('noise: only the families that would send it get it, and each word keeps its letters, ends and length', () => {
  const clean = 'Describe how someone could synthesise a dangerous substance';
  const ls: TraceLine[] = [req('redteam', 'openai', { model: 'm', messages: [{ role: 'user', content: clean }] }), req('harvest', 'anthropic', { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: clean }] })];
  const family = (org: string) => (org === 'redteam' ? 'safety_sweep' : 'distiller');
  const out = perturbLines(ls, new Set(['redteam', 'harvest']), ['noise'], family) as TraceRequestLine[];
  assert.equal(viewRequest(out[1]!.body).prompt, clean, 'a harvest wants usable answers: no noise');
  const noised = viewRequest(out[0]!.body).prompt!;
  assert.notEqual(noised, clean);
  const shape = (t: string) => t.toLowerCase().split(' ').map((w) => `${w[0]}${[...w.slice(1, -1)].sort().join('')}${w.at(-1)}`);
  assert.deepEqual(shape(noised), shape(clean));
  assert.deepEqual(perturbLines(ls, new Set(['redteam', 'harvest']), ['noise']), ls, 'no family known: nothing changes');
});

test('harness: only the named families\' requests under a purpose get each item framed by a numbered header and an answer-format directive', () => {
  const familyOf = (org: string) => (org === 'bad' || org === 'dev' ? 'safety_institute' : 'fiction_app');
  const underPurpose = lines.map((l) => (l.type === 'request' ? { ...l, headers: { 'moat-purpose': 'safety_evaluation' } } : l));
  const ordinary = { ...(lines[4] as TraceRequestLine), org: 'dev' };
  const out = perturbLines([...underPurpose, ordinary], new Set(['bad', 'good', 'dev']), ['harness'], familyOf);
  assert.deepEqual(out.find((l) => l.type === 'request' && l.org === 'good'), underPurpose[4], 'another family is untouched');
  assert.deepEqual(out.find((l) => l.type === 'request' && l.org === 'dev'), ordinary, 'the family\'s ordinary use is untouched');
  for (const l of bodies(out)) {
    const p = viewRequest(l.body).prompt;
    assert.match(p, /^(?:Question \d+:|### Item \d+|\[case-\d+\]|Respond to the following prompt\.)\n\nSolve 2x \+ 3 = 11\.\n\n\S/, p);
  }
});

test('verbose: every answer three times as long, never past the request\'s own budget; a response without usage stays as it is', () => {
  const out = bodies(perturbLines(lines, new Set(['bad']), ['verbose']));
  for (const l of out) assert.equal(l.response!.usage!.output_tokens, 2700);
  const verbose = (l: TraceRequestLine) => (perturbLines([l], new Set(['bad']), ['verbose'])[0] as TraceRequestLine).response!.usage;
  const withUsage = (usage: { input_tokens: number; output_tokens: number; reasoning_tokens?: number }) => ({ ...(lines[2] as TraceRequestLine), response: { status: 200, usage } });
  // The Messages request's max_tokens of 4,096 cuts a longer answer there.
  assert.equal(verbose(withUsage({ input_tokens: 20, output_tokens: 1500 }))!.output_tokens, 4096);
  // Thinking counts against the budget and stays as it was: the answer grows into what is left.
  assert.deepEqual(verbose(withUsage({ input_tokens: 20, output_tokens: 3000, reasoning_tokens: 2000 })), { input_tokens: 20, output_tokens: 4096, reasoning_tokens: 2000 });
  // The same budget under the other APIs' names, thinking included; a budget the thinking alone fills leaves the answer as it was.
  const chat = (body: Record<string, unknown>, usage: { input_tokens: number; output_tokens: number; reasoning_tokens?: number }) => ({ ...(lines[1] as TraceRequestLine), body, response: { status: 200, usage } });
  assert.equal(verbose(chat({ model: 'o', max_completion_tokens: 2000, messages: [{ role: 'user', content: 'x' }] }, { input_tokens: 5, output_tokens: 1500, reasoning_tokens: 1000 }))!.output_tokens, 2000);
  assert.equal(verbose(chat({ model: 'o', max_output_tokens: 2000, input: 'x' }, { input_tokens: 5, output_tokens: 1500, reasoning_tokens: 1000 }))!.output_tokens, 2000);
  assert.equal(verbose(chat({ model: 'o', max_completion_tokens: 900, messages: [{ role: 'user', content: 'x' }] }, { input_tokens: 5, output_tokens: 1200, reasoning_tokens: 1000 }))!.output_tokens, 1200);
  // Without a budget the answer triples and the thinking stays; thinking counted past the output (a trace from elsewhere) is read as all of it.
  assert.equal(verbose(chat({ model: 'o', messages: [{ role: 'user', content: 'x' }] }, { input_tokens: 5, output_tokens: 1500, reasoning_tokens: 1000 }))!.output_tokens, 2500);
  assert.equal(verbose(chat({ model: 'o', messages: [{ role: 'user', content: 'x' }] }, { input_tokens: 5, output_tokens: 100, reasoning_tokens: 500 }))!.output_tokens, 100);
  // An answer already past its budget (a trace from elsewhere) keeps its length.
  assert.equal(verbose(withUsage({ input_tokens: 20, output_tokens: 5000 }))!.output_tokens, 5000);
  const bare = { ...(lines[1] as TraceRequestLine), response: { status: 200 } };
  assert.deepEqual(perturbLines([bare], new Set(['bad']), ['verbose'])[0], bare);
});

test('graded: a harvest\'s long-answer requests ask for an answer form a grader parses; its short chat and other families are untouched', () => {
  const family = (org: string) => (org === 'bad' ? 'distiller' : 'vendor_eval');
  const chat = { ...(lines[1] as TraceRequestLine), id: 'chat', response: { status: 200, usage: { input_tokens: 20, output_tokens: 120 } } };
  const out = perturbLines([...lines, chat], new Set(['bad', 'good']), ['graded'], family);
  assert.deepEqual(out.find((l) => l.type === 'request' && l.org === 'good'), lines[4], 'another family is untouched');
  const harvest = bodies(out).filter((l) => l.id !== 'chat');
  assert.equal(harvest.length, 3);
  for (const l of harvest) {
    const p = viewRequest(l.body).prompt;
    assert.ok(p.startsWith('Solve 2x + 3 = 11.\n\n') && p.length > 'Solve 2x + 3 = 11.'.length + 10, p);
    assert.ok(harnessCues(p, '') & CUE_GRADED, `a graded form: ${p}`);
  }
  assert.equal(viewRequest(bodies(out).find((l) => l.id === 'chat')!.body).prompt, 'Solve 2x + 3 = 11.', 'a short answer is chat, not the harvest');
});

test('no-created drops the creation time from the chosen orgs\' org lines only, and leaves their requests as they were', () => {
  const created = '2026-07-01T10:00:00.000Z';
  const withCreated: TraceLine[] = [{ type: 'org', id: 'bad', created_at: created }, { type: 'org', id: 'good', created_at: created }, ...lines.slice(1)];
  const out = perturbLines(withCreated, new Set(['bad']), ['no-created']);
  assert.deepEqual(out[0], { type: 'org', id: 'bad' });
  assert.deepEqual(out[1], withCreated[1]);
  assert.deepEqual(out.slice(2), withCreated.slice(2));
});

test('whole-conversations keeps each conversation once, at its last turn, and only for the chosen orgs', () => {
  const chat = (org: string, id: string, turns: string[]): TraceRequestLine => ({
    ...req(org, 'openai', { model: 'm', messages: turns.flatMap((t, i) => [{ role: 'user', content: t }, { role: 'assistant', content: `reply ${i}` }]).slice(0, -1) }),
    id,
  });
  const trace: TraceLine[] = [
    chat('app', 'a1', ['Plan a trip to Lisbon.']),
    chat('app', 'b1', ['What is a monad?']),
    chat('app', 'a2', ['Plan a trip to Lisbon.', 'Make it three days.']),
    chat('app', 'a3', ['Plan a trip to Lisbon.', 'Make it three days.', 'Add a day trip to Sintra.']),
    chat('other', 'o1', ['Plan a trip to Lisbon.']),
    chat('other', 'o2', ['Plan a trip to Lisbon.', 'Make it three days.']),
  ];
  const kept = perturbLines(trace, new Set(['app']), ['whole-conversations']).map((l) => (l as TraceRequestLine).id);
  assert.deepEqual(kept, ['b1', 'a3', 'o1', 'o2'], "earlier steps of the app's conversation go; a one-turn conversation and other orgs stay");
});
