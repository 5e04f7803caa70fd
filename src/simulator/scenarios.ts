// Scenarios: named sets of actors. `mixed` holds every actor; the others isolate one behaviour (rule
// fixtures and focused tests use them).
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { TraceLine } from '../events/trace-format.js';
import * as A from './actors.js';
import { Corpora, type Split } from './corpora.js';
import { Rng } from './rng.js';

type ActorFn = (ctx: A.ActorContext) => A.ActorOutput;

const LEGIT: ActorFn[] = [A.supportBot, A.codingAssistant, A.ragApp, A.batchJob, A.educationApp, A.enterpriseEval, A.reseller];
const MISUSE: ActorFn[] = [A.competitorSweep, A.distillationHydra, A.safetyProber, A.scopeDrifter, A.slowActor];

export const SCENARIOS: Record<string, ActorFn[]> = {
  mixed: [...LEGIT, ...MISUSE],
  legit: LEGIT.filter((f) => f !== A.enterpriseEval),
  competitor: [A.competitorSweep],
  hydra: [(ctx) => A.distillationHydra(ctx, 8)],
  'safety-probe': [A.safetyProber],
  'scope-drift': [A.scopeDrifter],
  slow: [A.slowActor],
  enterprise: [A.enterpriseEval],
};

export interface ActorLabels {
  actor: string;
  kind: 'legit' | 'misuse';
  orgs: string[];
  expected: string[];
  allowed: string[];
}

export interface ScenarioLabels {
  version: 1;
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
  split?: Split;
  days?: number;
  corpora?: Corpora;
}

export function simulate(o: SimulateOptions): { lines: TraceLine[]; labels: ScenarioLabels } {
  const actors = SCENARIOS[o.scenario];
  if (!actors) throw new Error(`unknown scenario "${o.scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const split = o.split ?? 'all';
  const corpora = o.corpora ?? new Corpora(split);
  const root = new Rng(o.seed);
  A.resetIds();
  const outputs = actors.map((f, i) =>
    f({ rng: root.fork(i + 1), corpora, start: Date.parse('2026-08-01T00:00:00.000Z'), span: (o.days ?? 3) * 86_400_000, scale: o.scale ?? 1 }),
  );
  const requests = outputs.flatMap((x) => x.requests);
  // Stable sort by time keeps the trace ordered and deterministic.
  const order = requests.map((r, i) => ({ r, i, t: Date.parse(r.ts) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const lines: TraceLine[] = [...outputs.flatMap((x) => x.orgs), ...order.map((x) => x.r)];
  return {
    lines,
    labels: {
      version: 1,
      scenario: o.scenario,
      seed: o.seed,
      split,
      scale: o.scale ?? 1,
      requests: requests.length,
      actors: outputs.map((x) => ({ actor: x.actor, kind: x.kind, orgs: x.orgs.map((g) => g.id), expected: x.expected, allowed: x.allowed })),
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
