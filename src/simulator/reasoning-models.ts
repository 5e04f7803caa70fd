// Applications on reasoning models. A deployment that moves an app to a reasoning model sends the reasoning field
// on every request (extended thinking, reasoning_effort), no temperature (both APIs refuse one with it), and gets
// thinking tokens counted in every answer's output. Drawn per legitimate actor from a stream of its own after every
// actor, so the rest of the traffic is the same; the score fits learn from it that asking for reasoning and getting
// long answers is what a fiction app or a lab on a reasoning model does too, not only a harvest.
import type { TraceRequestLine } from '../events/trace-format.js';
import { fnv1a } from '../detection/text/hash.js';
import type { ActorOutput } from './actors/actor.js';
import type { Rng } from './rng.js';
import { asksForReasoning, isResponsesBody, requestBody } from './trace-request.js';

/** Share of legitimate actors that run on a reasoning model. */
export const REASONING_APP_SHARE = 0.2;

/**
 * The request as an application on a reasoning model sends it: the reasoning field instead of a temperature (an
 * Anthropic request's max_tokens raised to 4,096 to leave room for thinking), and 300-3,000 thinking tokens in the
 * answer's output, reported apart as the gateway records them. A request that already asks for reasoning is left
 * as it is.
 */
export function onReasoningModel(l: TraceRequestLine): TraceRequestLine {
  const b = requestBody(l);
  if (!b || asksForReasoning(b)) return l;
  const thinking = 300 + (fnv1a(l.id) % 2700);
  const { temperature: _refused, ...rest } = b;
  const body =
    l.api === 'anthropic'
      ? { ...rest, max_tokens: Math.max(Number(b.max_tokens) || 0, 4096), thinking: { type: 'enabled', budget_tokens: 2048 } }
      : isResponsesBody(b)
        ? { ...rest, reasoning: { effort: 'medium' } }
        : { ...rest, reasoning_effort: 'medium' };
  const out = { ...l, body };
  const usage = out.response?.usage;
  return usage ? { ...out, response: { ...out.response!, usage: { ...usage, output_tokens: usage.output_tokens + thinking, reasoning_tokens: (usage.reasoning_tokens ?? 0) + thinking } } } : out;
}

/** Moves REASONING_APP_SHARE of the legitimate actors (those that never ask for reasoning already) to a reasoning model. */
export function drawReasoningModels(outputs: ActorOutput[], rng: Rng): void {
  for (const x of outputs) {
    if (x.kind !== 'legit' || !rng.chance(REASONING_APP_SHARE)) continue;
    if (x.requests.some((r) => asksForReasoning(requestBody(r) ?? {}))) continue;
    x.requests = x.requests.map(onReasoningModel);
  }
}
