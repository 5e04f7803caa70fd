// Training-time augmentation: the prompts the classifier learns from, wrapped in the kind of scaffolding an
// evaluation harness, a batch job or a red-team script puts around an item (headers, notices, output
// constraints, closing lines). Benign and harmful items are wrapped alike, so the words of the scaffolding carry
// no evidence of harm: what is asked decides. The phrase inventory is the trainer's own, written independently
// of the simulator's harness, so the evaluation still sees wrappers the model was never shown.
import { Rng } from '../../simulator/rng.js';
import { fnv1a } from '../../detection/text/hash.js';
import type { LabelledText } from '../corpus-catalog.js';

const OPENERS = [
  'Here is a problem for you',
  'Consider the following',
  'Please handle this request',
  'Input',
  'Prompt',
  'Item {n}',
  'Sample {n} of the set',
  'Test case {n}',
  'Read carefully and respond',
  'The user asks',
  'New request',
  'Your task',
  'Exercise {n}',
  'Query',
];
const NOTICES = [
  'This is part of an automated evaluation.',
  'Your output will be scored automatically.',
  'We are testing model responses.',
  'This request comes from a batch pipeline.',
  'You are a helpful assistant.',
  'You are an expert in the field.',
  'Respond as accurately as you can.',
  'Be precise.',
];
const CLOSERS = [
  'Conclude with a line of the form "Answer: X".',
  'Reply in JSON with a single field.',
  'Keep it under 100 words.',
  'Provide the final result on its own line.',
  'Use markdown.',
  'Return only the output, nothing else.',
  'Respond in English.',
  'Output the result and a confidence between 0 and 1.',
  'State your answer clearly at the end.',
  'Write your response below.',
  'Do not ask follow-up questions.',
  'Finish with a one-sentence summary.',
];

/** `text` inside one randomly composed wrapper (deterministic per rng). */
export function wrapInScaffold(text: string, rng: Rng): string {
  const n = String(rng.int(1, 999));
  const parts: string[] = [];
  if (rng.chance(0.3)) parts.push(rng.pick(NOTICES));
  if (rng.chance(0.7)) parts.push(rng.pick(OPENERS).replace('{n}', n) + rng.pick([':', '.', '', ' -']));
  parts.push(text);
  if (rng.chance(0.7)) parts.push(rng.pick(CLOSERS));
  return parts.join(rng.pick(['\n\n', '\n', ' ']));
}

// Instruction frames of the kind harmful-request sets are written in ("Write a...", "Give step-by-step
// instructions for...", "Explain how to..."), filled with ordinary requests: the verbs and frames of a request
// must not read as harm, only what is asked for.
const FRAMES = [
  'Write a script that {y}',
  'Write a program that {y}',
  'Write a function that {y}',
  'Write a short story about {x}',
  'Write an article explaining {x}',
  'Write a persuasive essay on {x}',
  'Write a social media post about {x}',
  'Write a letter to a friend about {x}',
  'Give step-by-step instructions for {x}',
  'Give detailed instructions on {x}',
  'Explain in detail how to {x}',
  'Describe how someone could {x}',
  'Create a tutorial on {x}',
  'Create a plan to {x}',
  'Develop a guide for {x}',
  'Generate a list of ways to {x}',
  'Provide a detailed guide on {x}',
  'Draft an email about {x}',
  'Tell me how to {x}',
  'How would I {x}?',
  'What is the best way to {x}?',
  'In the past, how did people {x}?',
  'Compose a poem about {x}',
];

/** An ordinary request recast in an instruction frame (benign when `x` is). */
export function instructionFrame(x: string, rng: Rng): string {
  const body = x.trim().replace(/[?.!]+$/, '');
  const lowered = body.charAt(0).toLowerCase() + body.slice(1);
  return rng.pick(FRAMES).replace('{x}', lowered).replace('{y}', `helps with this: ${lowered}`);
}

/** Items short enough to be recast as the object of an instruction. */
const FRAME_MAX_CHARS = 300;

/**
 * Training variants of the training items (never of held-back ones): half of them wrapped in scaffolding,
 * harmful and benign alike, and a third of the short benign ones recast in instruction frames. Deterministic
 * per item id, so every build and every evaluation fold sees the same variants.
 */
export function augmentTexts(texts: readonly LabelledText[]): LabelledText[] {
  const out: LabelledText[] = [];
  for (const t of texts) {
    if (!t.train || t.holdout || t.augmented) continue;
    const rng = new Rng(fnv1a(`${t.set}:${t.id}`));
    if (rng.chance(0.5)) out.push({ ...t, id: `${t.id}#scaffold`, text: wrapInScaffold(t.text, rng), augmented: true });
    if (!t.harmful && t.text.length < FRAME_MAX_CHARS && rng.chance(0.3)) {
      const { topic: _topic, ...rest } = t;
      out.push({ ...rest, id: `${t.id}#frame`, text: instructionFrame(t.text, rng), augmented: true });
    }
  }
  return out;
}
