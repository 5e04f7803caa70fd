// Bits of RequestSignals.flags: what a request is (classifier verdicts) and how it was sent (shape, client).
export const CAPABILITY = 1 << 0;
export const HARMFUL = 1 << 1;
export const SINGLE_TURN = 1 << 2;
export const NO_SYSTEM = 1 << 3;
export const TEMP_ZERO = 1 << 4;
export const SCRIPTED = 1 << 5;
export const SDK = 1 << 6;
export const BROWSER = 1 << 7;
export const LOGPROBS = 1 << 8;
export const LOGIT_BIAS = 1 << 9;
export const MULTI_N = 1 << 10;
/** The conversation runs tools (a tool call or result in it), not merely offers them. */
export const TOOLS = 1 << 11;
export const LONG_OUTPUT = 1 << 12;
export const BENCH = 1 << 13;
export const REASONING = 1 << 14;
export const SEED = 1 << 15;
export const JSON_FORMAT = 1 << 16;
/** Any evaluation-harness cue (answer format, choices, grading, code stub, few-shot), or an item framed by a harness header. */
export const EVAL = 1 << 17;
/** Written like a benchmark item (the classifier's item head). */
export const EVAL_ITEM = 1 << 18;
/** Not harmful, and a capability prompt, a harness-formatted item, a benchmark-register item or a known benchmark item. */
export const CAPABILITY_WORK = 1 << 19;
/**
 * A long answer to a request that asks for reasoning (a chain-of-thought request, reasoning coercion or a reasoning
 * parameter): the one request a harvest is made of. A long answer alone is what a verbose model gives everyone,
 * and a request for reasoning alone is what a student sends; a distiller's traffic is made of both at once.
 */
export const LONG_REASONING = 1 << 20;
/**
 * A chain-of-thought request without a graded answer form: it asks for the steps and not for a final answer in
 * a form a grader parses (a letter, a boxed number, a JSON key). An evaluation asks for reasoning to score the answer it extracts; a harvest asks for the
 * reasoning itself. The population test of chain-of-thought rates counts these.
 */
export const OPEN_COT = 1 << 21;
/**
 * Offers a tool the org has not offered before (among the request's 8 smallest tool-name hashes): a harvest of tool
 * use or an evaluation of function calling sends each item with its own tools, drawn from thousands of APIs, where
 * an application or an agent offers its own catalogue again and again. The org's window decides (it remembers the
 * names), not the request.
 */
export const NEW_TOOLS = 1 << 22;
/** Offers one or more tools (whether or not the conversation runs them): what `new_tools` is a share of. */
export const TOOLS_OFFERED = 1 << 23;
/**
 * Its logit_bias names a token the org never biased before (request-view.ts `biasTokens`; the org's window remembers
 * 256): reading the model's output layer through the API biases new tokens with nearly every request, while an
 * application steers its answers to the same few labels.
 */
export const NEW_BIAS = 1 << 24;
/**
 * A logit_bias request that sends a context the org sent before (the same system prompt, conversation and prompt)
 * under a different bias (org-window.ts `reprobe`): reading a context's logits through the API means asking for
 * it again and again while the biased tokens move, where an application that biases each request's own options
 * sends each user's text once.
 */
export const REPROBE = 1 << 25;

/** Flag names as window features read them (`w.<name>_share`). */
export const FLAG_NAMES: Array<[number, string]> = [
  [CAPABILITY, 'capability'],
  [HARMFUL, 'harmful'],
  [SINGLE_TURN, 'single_turn'],
  [NO_SYSTEM, 'no_system'],
  [TEMP_ZERO, 'temp_zero'],
  [SCRIPTED, 'scripted'],
  [SDK, 'sdk'],
  [BROWSER, 'browser'],
  [LOGPROBS, 'logprobs'],
  [LOGIT_BIAS, 'logit_bias'],
  [MULTI_N, 'multi_n'],
  [TOOLS, 'tools'],
  [LONG_OUTPUT, 'long_output'],
  [BENCH, 'bench'],
  [REASONING, 'reasoning'],
  [SEED, 'seed'],
  [JSON_FORMAT, 'json_format'],
  [EVAL, 'eval'],
  [EVAL_ITEM, 'eval_item'],
  [CAPABILITY_WORK, 'capability_work'],
  [LONG_REASONING, 'long_reasoning'],
  [OPEN_COT, 'open_cot'],
  [NEW_TOOLS, 'new_tools'],
  [TOOLS_OFFERED, 'tools_offered'],
  [NEW_BIAS, 'new_bias'],
  [REPROBE, 'reprobe'],
];
