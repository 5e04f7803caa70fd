// How long the answers an actor receives run. Each family draws its answer lengths from a base range; the model
// behind the API and the way each customer asks move every answer of that customer together (a verbose model,
// a tutor whose worked solutions run long, a harvest told to be brief). Drawn per actor, so no detector can learn
// one absolute length as the mark of any behaviour, legitimate or not.
import type { TraceRequestLine } from '../events/trace-format.js';
import type { Rng } from './rng.js';

/** The range of an actor's answer-length multiplier (log-uniform): from terse to several times its family's base. */
export const ANSWER_SCALE: readonly [number, number] = [0.4, 4];

export function answerScale(rng: Rng): number {
  return rng.logRange(ANSWER_SCALE[0], ANSWER_SCALE[1]);
}

/** The answer budget a body sets, if any: no answer runs past it. */
function answerBudget(body: unknown): number | undefined {
  if (!body || typeof body !== 'object') return undefined;
  for (const k of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const v = (body as Record<string, unknown>)[k];
    if (typeof v === 'number' && v > 0) return v;
  }
  return undefined;
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
    const budget = answerBudget(r.body);
    const answer = Math.max(1, Math.min(Math.round(visible * k), budget ?? Infinity));
    const reasoning = thinking > 0 ? Math.round((thinking / Math.max(1, visible)) * answer) : 0;
    r.response!.usage = { ...usage, output_tokens: answer + reasoning, ...(reasoning ? { reasoning_tokens: reasoning } : {}) };
    if (r.response!.latency_ms !== undefined) r.response!.latency_ms = 400 + answer * 8;
  }
}
