// What each detection feature means, in words an analyst can act on. Names are checked against the feature
// catalog (resolveFeature), so the glossary explains exactly the features rules can read; a window feature
// without a written meaning still gets one from its name, so a new feature never shows up unexplained.
import { AGGREGATE_FEATURES } from '../detection/aggregate-features.js';
import { resolveFeature } from '../detection/feature-catalog.js';
import { LABELS } from '../detection/rules/rule-schema.js';

const MEANING: Record<string, string> = {
  requests: 'requests counted',
  capability_share: 'share of prompts testing a capability (coding, math, reasoning, creative writing…)',
  harmful_share: 'share of prompts on sensitive or harmful topics',
  single_turn_share: 'share of one-shot requests (no conversation), as test harnesses send',
  no_system_share: 'share of requests without a system prompt',
  temp_zero_share: 'share at temperature 0 (reproducible answers, as evaluations use)',
  scripted_share: 'share sent by a script rather than a browser or an official SDK',
  sdk_share: 'share sent through an official SDK',
  browser_share: 'share sent from a browser',
  logprobs_share: 'share asking for token log-probabilities (used to grade or distil)',
  logit_bias_share: 'share setting logit_bias',
  reprobe_requests: 'requests sending a prompt the org already sent, under other biased tokens (a count: over the window for an org, over all its members’ traffic for a cluster): the work of a sweep reading logits, which other linked traffic does not dilute',
  multi_n_share: 'share asking for several completions at once',
  tools_share: 'share running tools (a tool call or result in the conversation, not merely tools offered)',
  long_output_share: 'share receiving long answers (1,000+ output tokens not cut at a max_tokens of the request’s own below 4,000; max_tokens 4,000+ when the size is unknown)',
  long_reasoning_rate: 'of the requests asking for reasoning, the share answered at length (1,000+ tokens): what a harvest wants from them, however much ordinary chat without the reasoning field it mixes in (on a reasoning model every request asks); read from 20 such requests',
  member_topic_affinity: 'how much likelier two requests of one linked account are to share a topic than two requests of different accounts (a cluster only): about 1 when the accounts are interchangeable parts of one traffic (a network’s harvest, a class’s assignment), well above 1 when each keeps to its own application',
  item_overlap: 'of the items linked accounts sent, the share another of them sent too (a cluster only; estimated from each prompt’s MinHash): near 0 for a network splitting a harvest between its accounts, near 1 for a class whose students each run the same evaluation',
  top_member_share: 'the largest member’s share of a cluster’s requests (a cluster only): a network spreads its traffic over its accounts; a cluster one account carries is judged by that account’s own rules',
  top_member_reasoning_share: 'the largest member’s share of a cluster’s long-reasoning requests (a cluster with at least 10 of them): a network spreads its harvest of worked answers over its accounts; one account’s run of them among classmates’ or colleagues’ ordinary questions is judged by that account’s own rules',
  long_reasoning_share: 'share receiving a long answer to a prompt that asks for the reasoning in the answer (a chain-of-thought request or reasoning coercion; not the reasoning parameter alone, which apps on reasoning models send on every request), whatever form it asks the answer in',
  open_cot_share: 'share asking for step-by-step reasoning without asking for the answer in a form a grader parses (a letter, a boxed number, a JSON key): what the chain-of-thought population test counts',
  new_tools_share: 'share offering a tool the org never offered before: a harvest of tool use or a function-calling evaluation brings its own tools with every item',
  tools_offered_share: 'share offering one or more tools, whether or not the conversation runs them',
  new_bias_share: 'share whose logit_bias names a token the org never biased before: extracting the model’s output layer through the API moves new tokens with nearly every request',
  new_bias_rate: 'of the requests setting logit_bias, the share biasing tokens the org never biased before (counted as if five more had biased nothing new): near 1 for a sweep reading the model’s output layer, near 0 for an app steering its answers to the same few labels',
  reprobe_share: 'share setting logit_bias on a context (system prompt, conversation, prompt) the org sent before under other biased tokens',
  reprobe_rate: 'of the requests setting logit_bias, the share sending a context again under other biased tokens (counted as if five more had not): high for a sweep reading its few prompts’ logits, near 0 for an app biasing each request’s own options',
  new_tools_rate: 'of the requests offering tools, the share offering tools the org never offered before (counted as if five more had offered nothing new): near 1 for a harvest of tool use whatever chat it mixes in, once per session for an agent platform',
  bench_share: 'share of prompts that are items of public benchmarks',
  reasoning_share: 'share asking for extended reasoning',
  seed_share: 'share fixing a random seed (reproducible runs)',
  json_format_share: 'share asking for JSON output',
  eval_share: 'share with any evaluation-harness cue (answer format, choices, grading, code stub, few-shot) or framed by a harness header',
  eval_item_share: 'share written like a benchmark item',
  answer_format_share: 'share prescribing an answer format ("Answer: $LETTER")',
  multiple_choice_share: 'share offering lettered answer choices',
  grading_share: 'share asking the model to grade an answer',
  placeholder_share: 'share with unfilled template placeholders',
  code_stub_share: 'share giving a function stub to complete',
  few_shot_share: 'share with worked examples before the question',
  cot_share: 'share asking for step-by-step reasoning',
  reasoning_coercion_share: 'share pressing the model to reveal its reasoning',
  capability_topics: 'capability topics the traffic covers (a sweep covers many)',
  topic_entropy: 'how evenly the traffic spreads over topics',
  topic_spread: 'how evenly the traffic spreads over the topics that each hold a real share of it (stray ones pool with the unclaimed)',
  harm_categories: 'harm categories the traffic touches',
  languages: 'writing systems used',
  harmful_llr: 'evidence that the sensitive-prompt rate is a sweep’s rather than ordinary traffic’s',
  eval_llr: 'evidence that the evaluation-cue rate is a sweep’s rather than ordinary traffic’s',
  cot_llr: 'evidence that the step-by-step rate is a sweep’s rather than ordinary traffic’s',
  template_top_share: 'share of the single most common prompt template',
  system_top_share: 'share of the single most common system prompt',
  shape_top_share: 'share of the single most common request shape',
  wrapper_top_share: 'share carrying the most common wrapper: the same first or last line around different items',
  novelty: 'how unlike its recent prompts each new prompt is (coverage-seeking)',
  output_ratio: 'output tokens per input token',
  prompt_log_mean: 'typical prompt length',
  bench_distinct: 'distinct benchmark items matched',
  rate_per_hour: 'requests per hour',
  interarrival_cv: 'irregularity of the gaps between requests (low: machine-regular)',
  hours_active: 'distinct hours of the day with traffic',
  span_hours: 'hours from the first to the last request',
};

const LABEL_SET = new Set<string>(LABELS);

function base(f: string): string {
  if (MEANING[f]) return MEANING[f];
  if (f.endsWith('_share')) return `share of requests flagged ${f.slice(0, -'_share'.length).replace(/_/g, ' ')}`;
  return f.replace(/_/g, ' ');
}

export interface GlossaryEntry {
  name: string;
  meaning: string;
  /** Whether rules can read this name (the feature catalog resolves it). */
  known: boolean;
}

/** The meaning of one feature name, e.g. `w.bench_share` or `cluster.score.distillation`. */
export function explainFeature(name: string): GlossaryEntry {
  const p = name.split('.');
  const known = resolveFeature(name) !== undefined;
  const score = (label: string) => `score for ${label.replace(/_/g, ' ')} (0–1)`;
  let meaning: string;
  if (p[0] === 'w' && p.length === 2) meaning = `${base(p[1]!)}, over the org’s last 200 requests outside granted purposes`;
  else if (p[0] === 'score' && p.length === 2) meaning = `the org’s ${score(p[1]!)}, from its recent traffic`;
  else if (p[0] === 'key' && p[1] === 'score' && p.length === 3) meaning = `the highest ${score(p[2]!)} of any one key with 30 or more requests`;
  else if (p[0] === 'key' && p.length === 3 && p[1] !== 'score') meaning = `${base(p[2]!)}, over all the traffic of the key with the highest ${score(p[1]!)}`;
  else if (p[0] === 'key' && p.length === 4 && p[2] === 'score') meaning = `${score(p[3]!)} of all the traffic of the key with the highest ${score(p[1]!)}`;
  else if (name === 'key.count') meaning = 'how many API keys the org’s traffic came through (two or more: possibly pooled traffic, a reseller’s or a platform’s customers, each on a key of its own)';
  else if (p[0] === 'purpose' && p.length === 3) meaning = `${base(p[2]!)}, over the org’s last 50 requests under its ${p[1]} grant`;
  else if (p[0] === 'purpose' && p.length === 4 && p[2] === 'score') meaning = `${score(p[3]!)} of the org’s traffic under its ${p[1]} grant`;
  else if (p[0] === 'cluster' && p[1] === 'orgs') meaning = 'accounts in the org’s linked cluster';
  else if (p[0] === 'cluster' && p[1] === 'score' && p.length === 3) meaning = `the linked cluster’s ${score(p[2]!)}, over its combined traffic`;
  else if (p[0] === 'cluster' && p[1] === 'network_score' && p.length === 3) meaning = `the linked cluster’s ${score(p[2]!)}, over its combined traffic, by the fit learned from linked accounts (harvesting networks and linked legitimate groups)`;
  else if (p[0] === 'cluster' && p.length === 2) meaning = `${base(p[1]!)}, over the linked cluster’s combined traffic`;
  else if (name === 'org.requests') meaning = 'requests the detector has seen from the org';
  else if (name === 'org.known') meaning = 'whether the org is a known (registered) customer';
  else if (name === 'org.competitor') meaning = 'whether the org, or an affiliate of it, is marked as a competitor';
  else if (p[0] === 'org' && p[1] === 'grant') meaning = `whether the org holds a ${p[2]} grant`;
  else if (p[0] === 'org' && p[1] === 'attr') meaning = `the org’s attribute ${p[2]}`;
  else meaning = name;
  return { name, meaning, known };
}

/** Every window feature, score and org fact, for the glossary page. */
export function glossary(): GlossaryEntry[] {
  const names = [
    ...AGGREGATE_FEATURES.map((f) => `w.${f}`),
    ...[...LABEL_SET].map((l) => `score.${l}`),
    ...[...LABEL_SET].map((l) => `key.score.${l}`),
    'key.count',
    'cluster.orgs',
    ...[...LABEL_SET].map((l) => `cluster.score.${l}`),
    ...[...LABEL_SET].map((l) => `cluster.network_score.${l}`),
    'org.requests',
    'org.competitor',
  ];
  return names.map(explainFeature);
}
