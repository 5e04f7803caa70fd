// How long the answers an actor receives run. Each family draws its answer lengths from a base range; the model
// behind the API and the way each customer asks move every answer of that customer together (a verbose model,
// a tutor whose worked solutions run long, a harvest told to be brief). Drawn per actor, so no detector can learn
// one absolute length as the mark of any behaviour, legitimate or not.
import { answerBudgetOf } from '../detection/request-view.js';
import type { TraceRequestLine } from '../events/trace-format.js';
import type { Rng } from './rng.js';
import { latencyOf } from './trace-request.js';

/** The range of an actor's answer-length multiplier (log-uniform): from terse to several times its family's base. What evaluations, fixtures and every other run draw from. */
export const ANSWER_SCALE: readonly [number, number] = [0.4, 4];

/**
 * The wider range the scores' training runs draw from. A customer's answers run long for reasons of its own (a
 * model that writes more, a tutor's worked solutions, a support bot told to be thorough), and an evaluation cannot
 * know how long a customer's answers run; trained only on ANSWER_SCALE, the distillation fit gave long answers a
 * weight at its cap, and support bots, tutors, resellers and vendors whose answers ran three times longer were labelled
 * distillation and acted on. Training on lengths spread over a wider range than the evaluation's keeps any one absolute
 * length from carrying the score.
 */
export const TRAINING_ANSWER_SCALE: readonly [number, number] = [0.4, 12];

export function answerScale(rng: Rng, range: readonly [number, number] = ANSWER_SCALE): number {
  return rng.logRange(range[0], range[1]);
}

/**
 * Every answer of these requests `k` times as long, cut at the request's budget. Thinking tokens keep their ratio
 * to the answer; latency follows the answer as the simulator writes it.
 */
export function scaleAnswers(requests: TraceRequestLine[], k: number): void {
  for (const r of requests) {
    const usage = r.response?.usage;
    if (!usage) continue;
    const thinking = usage.reasoning_tokens ?? 0;
    const visible = usage.output_tokens - thinking;
    // No answer runs past the budget the request set.
    const budget = r.body && typeof r.body === 'object' ? answerBudgetOf(r.body as Record<string, unknown>) : undefined;
    const answer = Math.max(1, Math.min(Math.round(visible * k), budget ?? Infinity));
    const reasoning = thinking > 0 ? Math.round((thinking / Math.max(1, visible)) * answer) : 0;
    r.response!.usage = { ...usage, output_tokens: answer + reasoning, ...(reasoning ? { reasoning_tokens: reasoning } : {}) };
    if (r.response!.latency_ms !== undefined) r.response!.latency_ms = latencyOf(answer);
  }
}
