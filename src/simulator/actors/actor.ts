// What an actor family is given and what it produces. Every parameter an actor uses is drawn from the
// seeded Rng, over wide ranges, so no detector can be tuned to one value the simulator happens to produce.
import type { ActivityLabel } from '../../model/activity.js';
import type { TraceOrgLine, TraceRequestLine } from '../../events/trace-format.js';
import type { Corpora } from '../corpora.js';
import type { Networks } from '../population.js';
import type { Rng } from '../rng.js';
import { modelName, traceRequest, type Api, type RequestSpec } from '../trace-request.js';

export interface ActorContext {
  rng: Rng;
  corpora: Corpora;
  net: Networks;
  /** Scenario start (ms) and length. */
  start: number;
  span: number;
  /** Volume multiplier. */
  scale: number;
  /** Distinguishes org ids when a scenario holds several actors of one family. */
  tag: string;
  /** OpenAI actors may send through the Responses API (replay reads it; a gateway must serve /v1/responses). */
  responsesApi: boolean;
}

export interface ActorOutput {
  family: string;
  kind: 'legit' | 'misuse';
  orgs: TraceOrgLine[];
  requests: TraceRequestLine[];
  /** Labels every org of the actor must get (misuse). */
  expected: ActivityLabel[];
  /** Labels acceptable but not required (e.g. an allowed evaluation). */
  allowed: ActivityLabel[];
  /** Per org: its request count before the misuse begins (requests-to-detect is also counted from there). */
  misuseStart?: Record<string, number>;
  /** Orgs that are one operation across accounts (linkage is judged on it). */
  network?: boolean;
}

/** Scaled volume, at least `min`. */
export function volume(ctx: ActorContext, lo: number, hi: number, min = 10): number {
  return Math.max(min, Math.round(ctx.rng.logRange(lo, hi) * ctx.scale));
}

export function pickApi(rng: Rng, pOpenai = 0.6): Api {
  return rng.chance(pOpenai) ? 'openai' : 'anthropic';
}

export function pickModel(rng: Rng, api: Api): string {
  return modelName(api, (xs) => rng.pick(xs));
}

/**
 * The gaps a script leaves between requests, averaging `step` ms: a loop with a sleep (metronome), independent
 * workers (Poisson: exponential gaps), or a harness that sends a batch of concurrent requests and then waits.
 * Drawn per actor, so no detector can learn one pacing as the mark of a sweep.
 */
export function scriptPacing(rng: Rng, step: number): () => number {
  const style = rng.pick(['metronome', 'poisson', 'batches'] as const);
  if (style === 'metronome') return () => step * rng.range(0.3, 1.7);
  if (style === 'poisson') return () => -step * Math.log(1 - rng.next());
  const k = rng.int(4, 16);
  let i = 0;
  // Within a batch the requests leave within a second of each other; the wait after it keeps the mean at `step`.
  return () => (++i % k === 0 ? Math.max(0, step * k - (k - 1) * 500) * rng.range(0.8, 1.2) : rng.range(0, 1000));
}

/** Everyday requests to mix in or to classify: voice-assistant commands and the openings of casual conversations. */
export function everydayTexts(ctx: ActorContext): string[] {
  return [...ctx.corpora.texts('snips'), ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? '')].filter(Boolean);
}

/** Collects an actor's requests. */
export class Emitter {
  readonly requests: TraceRequestLine[] = [];
  emit(spec: RequestSpec): void {
    this.requests.push(traceRequest(spec));
  }
}

/** A sampling setup pinned by an application (or left to defaults). */
export function appParams(rng: Rng, api: Api): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (rng.chance(0.7)) p.temperature = rng.pick([0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 1]);
  if (api === 'anthropic' || rng.chance(0.6)) p.max_tokens = rng.pick([256, 400, 512, 800, 1024, 2048, 4096]);
  if (rng.chance(0.2)) p.top_p = rng.pick([0.9, 0.95, 1]);
  if (rng.chance(0.3)) p.stream = true;
  return p;
}

/**
 * The field that asks for the model's reasoning (Anthropic extended thinking, OpenAI `reasoning_effort`). Both
 * APIs refuse a pinned temperature with reasoning on, so a request carrying this field carries no temperature.
 */
export function reasoningField(api: Api, effort: 'medium' | 'high'): Record<string, unknown> {
  return api === 'anthropic' ? { thinking: { type: 'enabled', budget_tokens: effort === 'high' ? 8000 : 4000 } } : { reasoning_effort: effort };
}
