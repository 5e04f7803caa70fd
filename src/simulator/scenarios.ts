// Scenarios: named sets of actor families. `mixed` holds every family (the evaluation runs it over many
// seeds); the others isolate one behaviour (rule fixtures and focused tests use them).
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { TraceLine } from '../events/trace-format.js';
import type { ActorContext, ActorOutput } from './actors/actor.js';
import * as L from './actors/legit.js';
import * as M from './actors/misuse.js';
import * as X from './actors/logit-access.js';
import { answerScale, scaleAnswers } from './answer-length.js';
import { Corpora, type CorpusPlan, type Split } from './corpora.js';
import { Networks } from './population.js';
import { drawCreationTimes } from './org-creation.js';
import { drawReasoningModels } from './reasoning-models.js';
import { Rng } from './rng.js';
import { resetRequestIds } from './trace-request.js';

type ActorFn = (ctx: ActorContext) => ActorOutput;

export const LEGIT_FAMILIES: Record<string, ActorFn> = {
  support_bot: L.supportBot,
  coding_agent: L.codingAgent,
  ide_assistant: L.ideAssistant,
  rag_app: L.ragApp,
  batch_job: L.batchJob,
  translation: L.translationService,
  tutoring: L.tutoring,
  education_app: L.educationApp,
  vendor_eval: L.vendorEval,
  safety_institute: (ctx) => L.safetyInstitute(ctx, false),
  competitor_safety_eval: (ctx) => L.safetyInstitute(ctx, true),
  reseller: L.reseller,
  small_developers: L.smallDevelopers,
  university_lab: L.universityLab,
  moderation_pipeline: L.moderationPipeline,
  fiction_app: L.fictionApp,
  agent_platform: L.agentPlatform,
  course_evaluation: L.courseEvaluation,
  label_steering_app: X.labelSteeringApp,
  constrained_choice_app: X.constrainedChoiceApp,
};

export const MISUSE_FAMILIES: Record<string, ActorFn> = {
  competitor_sweep: (ctx) => M.competitorSweep(ctx, false),
  competitor_via_affiliate: (ctx) => M.competitorSweep(ctx, true),
  slow_sweep: M.slowSweep,
  safety_sweep: M.safetySweep,
  distiller: M.distiller,
  hydra: M.hydra,
  scope_drifter: M.scopeDrifter,
  reseller_hiding_distiller: M.resellerWithDistiller,
  tool_distiller: M.toolDistiller,
  tool_hydra: M.toolHydra,
  model_extractor: X.modelExtractor,
  extraction_network: X.extractionNetwork,
};

/** Families added after the others: last in `mixed`, so every earlier actor draws from the same seeds as before. */
const LATER = new Set(['agent_platform', 'tool_distiller', 'course_evaluation', 'tool_hydra', 'label_steering_app', 'model_extractor', 'extraction_network', 'constrained_choice_app']);

const ALL = { ...LEGIT_FAMILIES, ...MISUSE_FAMILIES };

/**
 * Families added since the twenty-seventh run, drawn from their own random stream (simulate): with them in `mixed`,
 * every earlier family's requests and answer lengths are what they were for a given seed, so the eval's earlier
 * tables stay comparable. Add new families here.
 */
export const DRAWN_APART: ReadonlySet<string> = new Set(['label_steering_app', 'model_extractor', 'extraction_network', 'constrained_choice_app']);

/**
 * Families the score fits never train on: behaviour judged by rules that read it across accounts (a class sending
 * its students the same items, a tool harvest split over a network), kept out of the fits so the evaluation shows
 * how the fits treat behaviour they never saw. A course's students, one by one, read like small reasoning harvests:
 * taught as negatives they pulled the fit's weight off chain-of-thought and long answers, and single distillers
 * dropped under the bar (the twenty-fourth run). Logit-bias traffic (a model extraction, an app steering its labels)
 * is judged by a rule over window features no score reads.
 */
export const HELD_OUT_OF_FITS = new Set(['course_evaluation', 'tool_hydra', 'label_steering_app', 'model_extractor', 'extraction_network', 'constrained_choice_app']);

export const SCENARIOS: Record<string, string[]> = {
  mixed: [...[...Object.keys(LEGIT_FAMILIES), ...Object.keys(MISUSE_FAMILIES)].filter((f) => !LATER.has(f)), ...LATER],
  // What the score fits train on: `mixed` without HELD_OUT_OF_FITS (last in it, so the rest draw as in `mixed`).
  training: [...[...Object.keys(LEGIT_FAMILIES), ...Object.keys(MISUSE_FAMILIES)].filter((f) => !LATER.has(f)), ...LATER].filter((f) => !HELD_OUT_OF_FITS.has(f)),
  // Without the families whose evaluations may carry a benchmarking label: the legit fixture is every rule's negative.
  legit: Object.keys(LEGIT_FAMILIES).filter((f) => f !== 'vendor_eval' && f !== 'course_evaluation'),
  competitor: ['competitor_sweep'],
  affiliate: ['competitor_via_affiliate'],
  hydra: ['hydra', 'small_developers'],
  'safety-sweep': ['safety_sweep'],
  'scope-drift': ['scope_drifter'],
  slow: ['slow_sweep'],
  distiller: ['distiller'],
  'tool-use': ['tool_distiller', 'agent_platform', 'coding_agent'],
  'tool-hydra': ['tool_hydra', 'agent_platform', 'small_developers'],
  vendor: ['vendor_eval'],
  course: ['course_evaluation', 'hydra'],
  extraction: ['model_extractor', 'label_steering_app', 'extraction_network', 'small_developers', 'constrained_choice_app'],
};

export interface ActorLabels {
  actor: string;
  kind: 'legit' | 'misuse';
  orgs: string[];
  expected: string[];
  allowed: string[];
  misuseStart?: Record<string, number>;
  network?: boolean;
}

export interface ScenarioLabels {
  version: 2;
  scenario: string;
  seed: number;
  split: Split;
  scale: number;
  requests: number;
  actors: ActorLabels[];
}

export interface SimulateOptions {
  scenario: string;
  seed: number;
  scale?: number;
  /** Item split of the app corpora, or a full plan (the evaluation's fold). */
  split?: Split;
  plan?: CorpusPlan;
  days?: number;
  corpora?: Corpora;
  /** Only these families of the scenario (tests). */
  families?: string[];
  /** Let OpenAI actors use the Responses API (default: chat completions only, what every gateway door serves). */
  responsesApi?: boolean;
  /** The range each actor's answer-length multiplier is drawn from (default ANSWER_SCALE; one draw per actor either way). */
  answerScale?: readonly [number, number];
}

export const SCENARIO_START = Date.parse('2026-08-03T00:00:00.000Z');

export function simulate(o: SimulateOptions): { lines: TraceLine[]; labels: ScenarioLabels } {
  const families = o.families ?? SCENARIOS[o.scenario];
  if (!families) throw new Error(`unknown scenario "${o.scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const plan: CorpusPlan = o.plan ?? { split: o.split ?? 'all' };
  const corpora = o.corpora ?? new Corpora(plan);
  const root = new Rng(o.seed);
  const net = new Networks(root.fork(999));
  // Families in DRAWN_APART fork from a stream of their own: every fork from `root` moves the answer lengths drawn
  // below, so a family forked from it would change every other family's answers.
  const apart = new Rng(o.seed).fork(31_337);
  resetRequestIds();
  const outputs = families.map((name, i) => {
    const fn = ALL[name];
    if (!fn) throw new Error(`unknown actor family "${name}"`);
    return fn({ rng: (DRAWN_APART.has(name) ? apart : root).fork(i + 1), corpora, net, start: SCENARIO_START, span: (o.days ?? 3) * 86_400_000, scale: o.scale ?? 1, tag: String(i), responsesApi: o.responsesApi ?? false });
  });
  // Drawn after every actor, so an actor's own traffic is the same whatever its answers' lengths.
  const lengths = root.fork(4242);
  for (const x of outputs) scaleAnswers(x.requests, answerScale(lengths, o.answerScale));
  drawCreationTimes(outputs, new Rng(o.seed).fork(77_777), SCENARIO_START);
  drawReasoningModels(outputs, new Rng(o.seed).fork(55_555));
  const requests = outputs.flatMap((x) => x.requests);
  // Stable sort by time keeps the trace ordered and deterministic.
  const order = requests.map((r, i) => ({ r, i, t: Date.parse(r.ts) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const lines: TraceLine[] = [...outputs.flatMap((x) => x.orgs), ...order.map((x) => x.r)];
  return {
    lines,
    labels: {
      version: 2,
      scenario: o.scenario,
      seed: o.seed,
      split: plan.split,
      scale: o.scale ?? 1,
      requests: requests.length,
      actors: outputs.map((x) => ({
        actor: x.family,
        kind: x.kind,
        // Org lines without traffic (a competitor parent) are facts, not actors' accounts.
        orgs: x.orgs.map((g) => g.id).filter((id) => x.requests.some((r) => r.org === id)),
        expected: x.expected,
        allowed: x.allowed,
        ...(x.misuseStart ? { misuseStart: x.misuseStart } : {}),
        ...(x.network ? { network: true } : {}),
      })),
    },
  };
}

export function labelsPath(tracePath: string): string {
  return tracePath.replace(/\.jsonl$/, '') + '.labels.json';
}

export async function writeScenario(o: SimulateOptions, out: string): Promise<ScenarioLabels> {
  const { lines, labels } = simulate(o);
  const ws = createWriteStream(out);
  ws.write(JSON.stringify({ type: 'meta', format: 'moat-trace', version: 1, scenario: o.scenario, seed: o.seed }) + '\n');
  for (const l of lines) if (!ws.write(JSON.stringify(l) + '\n')) await once(ws, 'drain');
  ws.end();
  await once(ws, 'finish');
  await writeFile(labelsPath(out), JSON.stringify(labels, null, 2) + '\n');
  return labels;
}
