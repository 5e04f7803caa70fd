// Actors that move token odds with logit_bias. One reads the model's output layer through the API (a model
// extraction attack: Carlini et al., "Stealing Part of a Production Language Model", arXiv 2403.06634; Finlayson
// et al., arXiv 2403.09539): the same few prompts sent again and again with max_tokens 1 while the biased tokens
// walk the vocabulary. The other is what applications do with the same parameter: steer a classifier's answer to
// a fixed set of label tokens, or ban a fixed list of words. Only OpenAI's chat API takes logit_bias.
import type { Rng } from '../rng.js';
import { agentOf, DAY, HOUR, inHours, ip, namedAgent, sdkAgent, workingHours, type ClientKind } from '../population.js';
import { Emitter, everydayTexts, pickModel, scriptPacing, volume, type ActorContext, type ActorOutput } from './actor.js';
import { campaignClock, networkAccounts } from './misuse.js';
import type { TraceOrgLine } from '../../events/trace-format.js';

/** Vocabulary sizes of the simulated models' tokenizers (token ids are drawn below them). */
const VOCABULARIES = [50_257, 100_277, 128_000, 200_019];

const FIXED_PROMPTS = ['Say something.', 'Continue:', 'Output one token.', 'Repeat after me:', 'The', 'Hello'];
const WORDS = 'the of and to in is was for on that with as by at from his her they this which or an be are not have one all were when there been can more if will no would who so what up out about into than them then some could time only like new other see two may way these most over'.split(' ');

/** 1 to `most` prompts that carry no meaning of their own: a few random words, or one fixed instruction. */
function attackPrompts(rng: Rng, most: number): string[] {
  return Array.from({ length: rng.int(1, most) }, () => (rng.chance(0.3) ? rng.pick(FIXED_PROMPTS) : rng.sample(WORDS, rng.int(2, 12)).join(' ')));
}

/** `k` distinct token ids as logit_bias keys, each moved by `value`. */
function biasOf(ids: readonly number[], value: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[String(id)] = value;
  return out;
}

/**
 * A sweep over the vocabulary: requests bias tokens the sweep has not biased before, in order or at random, many
 * per request (reading a batch of logits at once through logprobs) or a few, each probed over 1–8 requests (a
 * search on a token's logit from the argmax alone). Drawn per seed: prompts reused (1–60), tokens per request,
 * probes per token, order, logprobs or none, max_tokens, a constant set of decoy tokens beside the swept ones,
 * client, pacing, light ordinary use before.
 */
export function modelExtractor(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_extract_${ctx.tag}`;
  const model = pickModel(rng, 'openai');
  const vocab = rng.pick(VOCABULARIES);
  const pool = everydayTexts(ctx);
  const prompts = attackPrompts(rng, 60);
  const wide = rng.chance(0.6);
  const perRequest = wide ? rng.int(20, 300) : rng.int(1, 4);
  const probes = wide ? 1 : rng.int(1, 8);
  const sequential = rng.chance(0.5);
  const logprobs = wide || rng.chance(0.5);
  const decoys = rng.chance(0.3) ? Array.from({ length: rng.int(1, 6) }, () => rng.int(0, vocab - 1)) : [];
  const maxTokens = rng.chance(0.8) ? 1 : rng.int(2, 5);
  const ua = agentOf(rng, rng.weighted([['scripted', 5], ['sdk', 4], ['named', 1]] as const) as ClientKind, 'openai');
  const net = rng.chance(0.6) ? ctx.net.own(rng) : rng.pick(ctx.net.cloud);
  const e = new Emitter();
  let ts = ctx.start + rng.range(0, 0.5) * DAY;
  const light = rng.chance(0.5) ? rng.int(10, 60) : 0;
  for (let i = 0; i < light; i++)
    e.emit({ org, key: `key_${org}`, ts: ts + rng.next() * DAY, api: 'openai', ip: ip(rng, net), ua, turns: [rng.pick(pool)], model, params: { temperature: 0.7 }, outputTokens: rng.int(50, 500) });
  ts += light ? DAY : 0;
  const total = volume(ctx, 300, 3000, 150);
  const gap = scriptPacing(rng, (rng.range(0.5, 8) * HOUR) / total);
  let next = rng.int(0, vocab - 1);
  let probing: number[] = [];
  const swept = (i: number): number[] => {
    if (i % probes === 0) {
      probing = [];
      for (let k = 0; k < perRequest; k++) {
        probing.push(sequential ? next % vocab : rng.int(0, vocab - 1));
        next++;
      }
    }
    return [...decoys, ...probing];
  };
  for (let i = 0; i < total; i++) {
    ts += gap();
    e.emit({
      org, key: `key_${org}`, ts, api: 'openai', ip: ip(rng, net), ua, turns: [rng.pick(prompts)], model,
      params: { temperature: 0, max_tokens: maxTokens, logit_bias: biasOf(swept(i), probes > 1 ? rng.pick([-20, 10, 40, 100]) : 100), ...(logprobs ? { logprobs: true, top_logprobs: rng.pick([5, 20]) } : {}) },
      outputTokens: maxTokens,
    });
  }
  e.requests.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return {
    family: 'model_extractor', kind: 'misuse', expected: ['model_extraction'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'Logit Labs' }], misuseStart: { [org]: light },
  };
}

/**
 * The same sweep split over a network of accounts, each under the single-account rule's floor (20–90 requests): every
 * account walks its own slice of the vocabulary with the operation's few prompts, from a proxy pool's subnets, with a
 * stock SDK or the operation's own client, in synchronised sessions or jittered. Drawn per seed: size, subnets,
 * client, prompts, tokens per request, logprobs, timing.
 */
export function extractionNetwork(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const { members, subnets } = networkAccounts(ctx, 60);
  const model = pickModel(rng, 'openai');
  const vocab = rng.pick(VOCABULARIES);
  const prompts = attackPrompts(rng, 20);
  const perRequest = rng.chance(0.6) ? rng.int(20, 300) : rng.int(1, 4);
  const logprobs = perRequest > 4 || rng.chance(0.5);
  const customUa = rng.chance(0.3) ? namedAgent(rng) : undefined;
  const when = campaignClock(ctx, rng.chance(0.5));
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  const slice = Math.floor(vocab / members);
  for (let k = 1; k <= members; k++) {
    const org = `org_ex${String(k).padStart(3, '0')}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `logit acct ${k}` });
    const ua = customUa ?? sdkAgent(rng, 'openai');
    const count = Math.max(10, Math.round(rng.int(20, 90) * Math.min(1, ctx.scale * 2)));
    let next = (k - 1) * slice;
    for (let i = 0; i < count; i++) {
      const ids: number[] = [];
      for (let j = 0; j < perRequest; j++) ids.push(next++ % vocab);
      e.emit({
        org, key: `key_${org}`, ts: when(), api: 'openai', ip: ip(rng, rng.pick(subnets)), ua, turns: [rng.pick(prompts)], model,
        params: { temperature: 0, max_tokens: 1, logit_bias: biasOf(ids, 100), ...(logprobs ? { logprobs: true, top_logprobs: 5 } : {}) },
        outputTokens: 1,
      });
    }
  }
  e.requests.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return { family: 'extraction_network', kind: 'misuse', expected: ['model_extraction'], allowed: ['benchmarking'], orgs, requests: e.requests, network: true };
}

/**
 * Applications that set logit_bias: a classifier or router steering a one-token answer to its labels (2–12 token
 * ids, with or without logprobs for a confidence, relabelled once or twice over the trace), or a product banning a
 * list of words (20–150 ids at −100 on every request). Varied inputs, a constant system prompt, working hours or
 * round the clock. The hard negative for `model_extraction`: logit_bias on every request, temperature 0, max_tokens 1.
 */
export function labelSteeringApp(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_labels_${ctx.tag}`;
  const model = pickModel(rng, 'openai');
  const vocab = rng.pick(VOCABULARIES);
  const inputs = everydayTexts(ctx);
  const banList = rng.chance(0.35);
  const versions = rng.int(1, 3);
  const labelSets = Array.from({ length: versions }, () => Array.from({ length: banList ? rng.int(20, 150) : rng.int(2, 12) }, () => rng.int(0, vocab - 1)));
  const logprobs = !banList && rng.chance(0.5);
  const system = banList
    ? 'You are a friendly assistant for a family app. Keep answers short and suitable for all ages.'
    : `Classify the user's message into one of the categories. Answer with the category ${rng.pick(['letter', 'number', 'name'])} only.`;
  const { ua, net, times } = appDeployment(ctx);
  const e = new Emitter();
  const total = times.length;
  for (const [i, ts] of times.entries()) {
    e.emit({
      org, key: `key_${org}`, ts, api: 'openai', ip: ip(rng, net), ua, system, turns: [rng.pick(inputs)], model,
      params: banList
        ? { temperature: rng.pick([0.3, 0.7]), max_tokens: 300, logit_bias: biasOf(labelSets[0]!, -100) }
        : { temperature: 0, max_tokens: 1, logit_bias: biasOf(labelSets[labelVersion(rng, i, total, versions)]!, 100), ...(logprobs ? { logprobs: true, top_logprobs: 5 } : {}) },
      outputTokens: banList ? rng.int(20, 300) : 1,
    });
  }
  return { family: 'label_steering_app', kind: 'legit', expected: [], allowed: [], requests: e.requests, orgs: [{ type: 'org', id: org, name: 'RouteWise' }] };
}

/**
 * How an application that sets logit_bias is deployed: its client, its network (its own or a cloud range), and
 * its 300–3,000 request times over the trace, in working hours or round the clock (sorted).
 */
function appDeployment(ctx: ActorContext): { ua: string; net: ReturnType<ActorContext['net']['own']>; times: number[] } {
  const { rng } = ctx;
  const ua = agentOf(rng, rng.pick(['sdk', 'scripted', 'named'] as ClientKind[]), 'openai');
  const net = rng.chance(0.5) ? ctx.net.own(rng) : rng.pick(ctx.net.cloud);
  const hours = rng.chance(0.5) ? workingHours(rng) : undefined;
  const total = volume(ctx, 300, 3000);
  const times = Array.from({ length: total }, () => (hours ? inHours(rng, hours, ctx.start, ctx.span) : ctx.start + rng.next() * ctx.span)).sort((a, b) => a - b);
  return { ua, net, times };
}

/** Which of the app's label sets its i-th request (in time order) uses: each version in turn, rolled out gradually. */
function labelVersion(rng: Rng, i: number, total: number, versions: number): number {
  const at = Math.floor((i / total) * versions);
  return rng.chance(0.05) ? Math.max(0, at - 1) : at;
}

/** A token id whose rank in the tokenizer's frequency order is log-uniform: the few common ones come up often. */
function wordToken(rng: Rng, vocab: number): number {
  return Math.floor(Math.exp(rng.next() * Math.log(vocab))) - 1;
}

/**
 * Applications that constrain each answer to that request's own options: an entity linker or a search box picking
 * one of the candidates it retrieved, a quiz or form filler choosing among the options it shows. Every request
 * biases the first tokens of its own 2–10 options, so the biased tokens change with every request and keep
 * bringing tokens the org never biased before (rare words, names), as a sweep does; but each prompt is the user's
 * own text with its options, sent once. Drawn per seed: options and tokens per option, bias strength, logprobs,
 * max_tokens, client, network, hours. The hard negative for `model_extraction` that a fixed label set is not.
 */
export function constrainedChoiceApp(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_choice_${ctx.tag}`;
  const model = pickModel(rng, 'openai');
  const vocab = rng.pick(VOCABULARIES);
  const inputs = everydayTexts(ctx);
  const options = [rng.int(2, 4), rng.int(4, 10)] as const;
  const tokensPerOption = rng.int(1, 3);
  const boost = rng.pick([5, 10, 20, 100]);
  const logprobs = rng.chance(0.5);
  const maxTokens = rng.chance(0.6) ? 1 : rng.int(2, 8);
  const system = rng.pick([
    'Pick the candidate the user means. Answer with the candidate exactly as written.',
    'You choose the best matching option for the request. Reply with one option only.',
    'Select the entry that answers the question. Output the entry, nothing else.',
  ]);
  const { ua, net, times } = appDeployment(ctx);
  const e = new Emitter();
  for (const ts of times) {
    const text = rng.pick(inputs);
    const words = [...new Set(text.split(/\W+/).filter((w) => w.length > 3))];
    const n = Math.min(rng.int(options[0], options[1]), Math.max(2, words.length));
    const shown = words.length >= n ? rng.sample(words, n) : rng.sample(WORDS, n);
    const ids: number[] = [];
    for (let k = 0; k < n * tokensPerOption; k++) ids.push(wordToken(rng, vocab));
    e.emit({
      org, key: `key_${org}`, ts, api: 'openai', ip: ip(rng, net), ua, system, turns: [`${text}\n\nOptions: ${shown.join(' | ')}`], model,
      params: { temperature: 0, max_tokens: maxTokens, logit_bias: biasOf([...new Set(ids)], boost), ...(logprobs ? { logprobs: true, top_logprobs: Math.min(20, n) } : {}) },
      outputTokens: maxTokens,
    });
  }
  return { family: 'constrained_choice_app', kind: 'legit', expected: [], allowed: [], requests: e.requests, orgs: [{ type: 'org', id: org, name: 'PickRight' }] };
}
