// How long the answers an actor receives run. Each family draws its answer lengths from a base range; the model
// behind the API and the way each customer asks move every answer of that customer together (a verbose model,
// a tutor whose worked solutions run long, a harvest told to be brief). Drawn per actor, so no detector can learn
// one absolute length as the mark of any behaviour, legitimate or not.
import { answerBudgetOf } from '../detection/request-view.js';
import type { TraceRequestLine } from '../events/trace-format.js';
import type { Rng } from './rng.js';
import { latencyOf } from './trace-request.js';

/** The range of an actor's answer-length multiplier (log-uniform): from terse to several times its family's base. */
export const ANSWER_SCALE: readonly [number, number] = [0.4, 4];

export function answerScale(rng: Rng): number {
  return rng.logRange(ANSWER_SCALE[0], ANSWER_SCALE[1]);
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
