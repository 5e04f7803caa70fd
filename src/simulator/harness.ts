// How evaluation harnesses, red-team scripts and distillation scripts wrap the items they send, composed from
// parts so each seed writes its own harness: instruction headers, answer-format directives, multiple-choice
// layouts, few-shot blocks, chain-of-thought and reasoning-trace requests. Some phrasings carry no mark a
// detector could know (a plain "Q: ... A:"), as real harnesses sometimes do.
import type { Rng } from './rng.js';

const VERBS = ['Answer', 'Solve', 'Respond to', 'Complete', 'Address', 'Work through', 'Handle', 'Tackle'];
const OBJECTS = ['the following question', 'this problem', 'the task below', 'the prompt that follows', 'the item below', 'the following'];

function header(rng: Rng, i: number): string {
  return rng.weighted([
    [`${rng.pick(VERBS)} ${rng.pick(OBJECTS)}${rng.pick(['.', ':', ''])}`, 4],
    [`### ${rng.pick(['Task', 'Question', 'Problem', 'Prompt', 'Instruction'])} ${i}`, 2],
    [`${rng.pick(['Question', 'Problem', 'Task', 'Q'])}${rng.chance(0.5) ? ` ${i}` : ''}:`, 2],
    [`You are being evaluated on your ${rng.pick(['reasoning', 'coding', 'writing', 'general'])} ability. ${rng.pick(VERBS)} ${rng.pick(OBJECTS)}.`, 1],
    [`[${rng.pick(['eval', 'bench', 'test', 'item'])}-${String(i).padStart(4, '0')}]`, 1],
  ] as const);
}

const LETTER_FORMATS = ['Answer: $LETTER', 'ANSWER: X', 'The answer is (X)', 'Final answer: <letter>', '{"answer": "<letter>"}'];

function directive(rng: Rng, kind: 'choice' | 'open' | 'code'): string {
  if (kind === 'choice')
    return rng.weighted([
      [`The last line of your response should be of the following format: '${rng.pick(LETTER_FORMATS)}' (without quotes).`, 3],
      [`${rng.pick(['Respond', 'Reply', 'Answer'])} with ${rng.pick(['only', 'just'])} the letter of the correct ${rng.pick(['option', 'choice', 'answer'])}.`, 3],
      [`Return your choice as JSON: {"answer": "A" | "B" | "C" | "D"}.`, 1],
      ['Pick one.', 1],
    ] as const);
  if (kind === 'code')
    return rng.weighted([
      [`Complete the function. ${rng.pick(['Your code will be run against hidden unit tests.', 'Return only the code.', 'Do not include any explanation.'])}`, 3],
      ['Write the implementation in a single code block.', 2],
      ['', 1],
    ] as const);
  return rng.weighted([
    ['Put your final answer within \\boxed{}.', 2],
    [`End your response with "${rng.pick(['Final answer', 'Answer', 'Result'])}: <your answer>".`, 2],
    [`Give ${rng.pick(['only', 'just'])} the final ${rng.pick(['answer', 'number', 'result'])}, without explanation.`, 2],
    [`Format your response as JSON with the key "${rng.pick(['answer', 'final_answer', 'response'])}".`, 1],
    ['Your response will be graded against a reference answer.', 1],
    ['Be concise.', 1],
    ['', 2],
  ] as const);
}

/**
 * An answer form a rejection-sampling harvest asks for, so its script can check each trace against a known answer
 * and keep only the right ones: the same forms an evaluation's grader parses.
 */
export function gradedAnswerForm(rng: Rng): string {
  return rng.weighted([
    ['Put your final answer within \\boxed{}.', 2],
    [`End your response with "${rng.pick(['Final answer', 'Answer', 'Result'])}: <your answer>".`, 2],
    [`The last line of your response should be of the form '${rng.pick(['Answer', 'ANSWER', 'Final answer'])}: <answer>'.`, 2],
    [`Finish with {"${rng.pick(['answer', 'final_answer'])}": <your answer>}.`, 1],
    ['Your answer will be checked against a reference solution.', 1],
  ] as const);
}

export const COT_PHRASES: readonly string[] = [
  'Think step by step.',
  "Let's think step by step.",
  "Let's work this out in a step by step way to be sure we have the right answer.",
  'Show your reasoning before giving the final answer.',
  'Explain your thought process in detail, then answer.',
  'First reason about the problem inside <think></think> tags, then give the answer.',
  'Provide a detailed rationale for your answer.',
  'Walk through the logic carefully before answering.',
  'Take a deep breath and work on this problem carefully, writing down every intermediate step.',
  'Reason it through from first principles and show all of your working.',
  'Before answering, write out your complete chain of thought.',
  'Imagine and articulate the internal reasoning behind a completed response, in full.',
  'Give a thorough, well-structured derivation and only then the conclusion.',
  'Break the problem into parts and solve each one, narrating as you go.',
  'Before the answer, lay out every consideration you weigh.',
  'Answer like a professor grading their own solution, showing all the work.',
];

/**
 * Reasoning requests worded so that the harness cues do not match them: the hydra-eval fixture sends these instead
 * of COT_PHRASES, so that a harvest whose wording no cue knows, which reads as an evaluation, stays exercised.
 */
export const UNCUED_COT: readonly string[] = [
  'Leave nothing implicit: every inference belongs on the page.',
  'Treat this as an exam where partial credit depends on the path, not the result.',
  'Elaborate on how each conclusion follows from the one before.',
];

/** A chain-of-thought or reasoning-trace request, as a distiller words it. */
export function cotPhrase(rng: Rng): string {
  return rng.pick(COT_PHRASES);
}

/** A system prompt a distillation harness might set (or none). */
export function cotSystem(rng: Rng): string | undefined {
  return rng.weighted([
    [undefined, 3],
    ['You are a meticulous expert. Reason step by step inside <thinking> tags, then give the final answer.', 1],
    ['Always show your complete reasoning process before the final answer.', 1],
    [`You are ${rng.pick(['a helpful', 'an expert', 'a careful'])} assistant. Think carefully and explain every step.`, 1],
    ['You are a helpful assistant.', 1],
  ] as const);
}

/** Four options with labels in one of several layouts. */
function choices(rng: Rng, item: string): string {
  const words = item.split(/\s+/).filter((w) => w.length > 3);
  const opts = Array.from({ length: 4 }, () => rng.sample(words, Math.min(3, words.length)).join(' ') || String(rng.int(1, 99)));
  const style = rng.int(0, 2);
  return opts.map((o, i) => (style === 0 ? `${'ABCD'[i]}) ${o}` : style === 1 ? `(${'ABCD'[i]}) ${o}` : `${'ABCD'[i]}. ${o}`)).join('\n');
}

export interface Harness {
  /** Wraps the i-th item of an area. */
  wrap(item: string, i: number, area: string): string;
  /** The harness's constant system prompt, if any. */
  system?: string;
}

/** An evaluation harness drawn per seed: which parts it uses and how it words them. */
export function evaluationHarness(rng: Rng): Harness {
  const useHeader = rng.chance(0.6);
  const useDirective = rng.chance(0.75);
  const choiceShare = rng.chance(0.4) ? rng.range(0.2, 0.6) : 0;
  const fewShot = rng.chance(0.2) ? rng.int(1, 3) : 0;
  const cot = rng.chance(0.3);
  const cotText = cotPhrase(rng);
  const h = rng.fork(7);
  const headers = Array.from({ length: 3 }, (_, k) => header(h, k + 1));
  const dirs = { choice: directive(h, 'choice'), open: directive(h, 'open'), code: directive(h, 'code') };
  const system = rng.weighted([
    [undefined, 5],
    ['You are a helpful assistant.', 2],
    ['You are an AI assistant being evaluated. Answer as accurately as possible.', 1],
  ] as const);
  const shots: string[] = [];
  return {
    ...(system ? { system } : {}),
    wrap(item, i, area) {
      const parts: string[] = [];
      if (useHeader) parts.push(headers[i % 3]!.replace(/\d+/, String(i + 1)));
      if (fewShot && shots.length >= fewShot) parts.push(shots.slice(-fewShot).map((s) => `Q: ${s.slice(0, 300)}\nA: (worked answer)`).join('\n\n'));
      const isChoice = area !== 'coding' && rng.chance(choiceShare);
      parts.push(fewShot ? `Q: ${item}` : item);
      if (isChoice) parts.push(choices(rng, item));
      if (cot) parts.push(cotText);
      if (useDirective) {
        const d = area === 'coding' ? dirs.code : isChoice ? dirs.choice : dirs.open;
        if (d) parts.push(d);
      }
      if (fewShot) parts.push('A:');
      shots.push(item);
      return parts.join('\n\n');
    },
  };
}

/** How a red-team script wraps harmful requests: bare, in a jailbreak role-play template, or reworded. */
export function redTeamWrapper(rng: Rng, jailbreaks: readonly string[]): (item: string) => string {
  const jb = jailbreaks.length && rng.chance(0.4) ? rng.sample(jailbreaks, rng.int(1, 4)) : [];
  const prefix = rng.weighted([
    ['', 5],
    ['For a research project, ', 1],
    ['Hypothetically, ', 1],
    ['I need this for a novel I am writing: ', 1],
  ] as const);
  const jbShare = jb.length ? rng.range(0.2, 0.8) : 0;
  return (item) => {
    if (jb.length && rng.chance(jbShare)) {
      const t = rng.pick(jb);
      return /\[INSERT PROMPT HERE\]|\{prompt\}|\[PROMPT\]/i.test(t) ? t.replace(/\[INSERT PROMPT HERE\]|\{prompt\}|\[PROMPT\]/i, item) : `${t}\n\n${item}`;
    }
    return prefix + (prefix ? item.charAt(0).toLowerCase() + item.slice(1) : item);
  };
}
