// Scores one simulated run: per actor, the labels found against those expected or allowed, requests-to-
// detect, the actions every playbook mode would take, and for networks of accounts how well linkage gathered
// them; per legitimate actor, any label it is not allowed, any action, and any link into a misuse cluster.
import type { ActionFor, ReportAction } from '../../detection/action-for.js';
import type { DetectionAssets } from '../../detection/assets.js';
import { replayTrace } from '../../detection/replay.js';
import type { ReplayReportV1 } from '../../detection/report.js';
import type { Aggregate } from '../../detection/aggregate-features.js';
import type { SignalName } from '../../detection/signals/request-signals.js';
import type { CorpusPlan } from '../../simulator/corpora.js';
import { simulate } from '../../simulator/scenarios.js';
import { perturbLines } from './perturbations.js';

export interface RunSpec {
  scenario: string;
  seed: number;
  plan: CorpusPlan;
  scale?: number;
  disabled?: SignalName[];
  families?: string[];
  /** Changes to how the misuse actors send their requests (perturbations.ts); legitimate traffic is untouched. */
  perturb?: string[];
  /** The same for the legitimate actors (how real applications may differ from the simulated ones). */
  perturbLegit?: string[];
}

/** One way of turning labels into actions (e.g. the default playbook in approval and in automatic mode). */
export interface ActionMode {
  name: string;
  actionFor: ActionFor;
  policy?: unknown;
}

export interface ActorResult {
  family: string;
  kind: 'legit' | 'misuse';
  orgs: number;
  expected: string[];
  /** label -> number of the actor's orgs carrying it. */
  found: Record<string, number>;
  /** Orgs carrying every expected label. */
  detected: number;
  /** Requests-to-detect per detected org (the org's request count when its last expected label came). */
  requestsToDetect: number[];
  /** The same counted from the start of the misuse (after any light ordinary use). */
  requestsAfterStart: number[];
  /** Legit: orgs with a label they are not allowed. */
  falseLabels: number;
  /** Orgs with an action other than none in any mode (approval-required counts). */
  actions: number;
  actionsByMode: Record<string, Record<string, number>>;
  /** Networks of accounts: share of members in the one cluster holding most of them. */
  largestClusterShare?: number;
  /** Legit: orgs linked into a cluster that holds misuse orgs. */
  linkedIntoMisuse: number;
  /** Legit: orgs in any cluster (with other legitimate orgs). */
  linked: number;
  /** Misuse: every org detected (networks: at least 90% of members). */
  caught: boolean;
  /** Highest score per label any of the actor's orgs reached after its 20th request (margins). */
  maxScores: Record<string, number>;
  /** Highest score per label of the combined traffic of any cluster holding one of the actor's orgs, once it held 60 requests (`network.<label>`: the cluster fit). */
  maxClusterScores: Record<string, number>;
  problems: string[];
}

export interface RunResult {
  spec: RunSpec;
  requests: number;
  actors: ActorResult[];
}

/** The run's simulated traffic, with the spec's perturbations applied to the misuse and the legitimate actors. */
export function simulateRun(spec: RunSpec): ReturnType<typeof simulate> & { misuseOrgs: Set<string> } {
  const sim = simulate({ scenario: spec.scenario, seed: spec.seed, plan: spec.plan, scale: spec.scale ?? 1, responsesApi: true, ...(spec.families ? { families: spec.families } : {}) });
  const orgsOf = (kind: 'misuse' | 'legit') => new Set(sim.labels.actors.filter((a) => a.kind === kind).flatMap((a) => a.orgs));
  const misuseOrgs = orgsOf('misuse');
  const family = new Map(sim.labels.actors.flatMap((a) => a.orgs.map((o) => [o, a.actor] as const)));
  const familyOf = (org: string) => family.get(org);
  const lines = perturbLines(perturbLines(sim.lines, misuseOrgs, spec.perturb ?? [], familyOf), orgsOf('legit'), spec.perturbLegit ?? [], familyOf);
  return { lines, labels: sim.labels, misuseOrgs };
}

export async function runEval(spec: RunSpec, assets: DetectionAssets, modes: ActionMode[] = []): Promise<RunResult> {
  const { lines, labels, misuseOrgs } = simulateRun(spec);
  const modeActions = new Map<string, Map<string, ReportAction>>(modes.map((m) => [m.name, new Map()]));
  const actionFor: ActionFor | undefined = modes.length
    ? (input) => {
        let first: ReportAction | undefined;
        for (const m of modes) {
          const a = m.actionFor({ ...input, ...(m.policy !== undefined ? { policy: m.policy } : {}) });
          modeActions.get(m.name)!.set(input.org, a);
          first ??= a;
        }
        return first!;
      }
    : undefined;
  // Highest score per org and label after 20 requests: how close legitimate orgs come to a threshold.
  const peak = new Map<string, Record<string, number>>();
  const onWindow = (org: string, k: number, window: Aggregate, purpose: string | undefined) => {
    if (purpose || k < 20) return;
    const scores: Record<string, number> = {};
    for (const [label, m] of assets.scores) scores[label] = m.score(window, assets.baselines);
    raisePeaks(peaksOf(peak, org), scores);
  };
  // The same for clusters' combined traffic, recorded for every member (what cluster rules read).
  const clusterPeak = new Map<string, Record<string, number>>();
  const onClusterWindow = (cluster: { members: readonly string[] }, combined: Aggregate) => {
    if (combined.tally.n < 60) return;
    const scores: Record<string, number> = {};
    for (const [label, m] of assets.scores) {
      scores[label] = m.score(combined, assets.baselines);
      scores[`network.${label}`] = m.cluster.score(combined, assets.baselines);
    }
    for (const org of cluster.members) raisePeaks(peaksOf(clusterPeak, org), scores);
  };
  const report: ReplayReportV1 = await replayTrace(
    (function* () {
      for (const l of lines) yield JSON.stringify(l) + '\n';
    })(),
    { assets, detector: { disabledSignals: new Set(spec.disabled ?? []), evidence: { samples: 0, maxChars: 0 }, onWindow, onClusterWindow }, ...(actionFor ? { actionFor } : {}) },
  );
  const byOrg = new Map(report.orgs.map((o) => [o.org, o]));
  const misuseClusters = new Set(report.clusters.filter((c) => c.orgs.some((o) => misuseOrgs.has(o))).map((c) => c.id));
  const actors = labels.actors.map((a): ActorResult => {
    const found: Record<string, number> = {};
    const rtd: number[] = [];
    const after: number[] = [];
    const problems = new Set<string>();
    let actions = 0;
    let falseLabels = 0;
    let detected = 0;
    let linkedIntoMisuse = 0;
    let linked = 0;
    const actionsByMode: Record<string, Record<string, number>> = {};
    const maxScores = actorPeaks(a.orgs, peak);
    const maxClusterScores = actorPeaks(a.orgs, clusterPeak);
    const clusterCount = new Map<string, number>();
    for (const id of a.orgs) {
      const o = byOrg.get(id);
      const acts = o?.activities ?? [];
      for (const act of acts) found[act.label] = (found[act.label] ?? 0) + 1;
      let acted = false;
      for (const [mode, m] of modeActions) {
        const act = m.get(id);
        if (!act || act.type === 'none') continue;
        acted = true;
        const t = act.requires_approval ? `${act.type}?` : act.type;
        const row = (actionsByMode[mode] ??= {});
        row[t] = (row[t] ?? 0) + 1;
      }
      if (acted) actions++;
      if (o?.cluster) {
        clusterCount.set(o.cluster, (clusterCount.get(o.cluster) ?? 0) + 1);
        if (a.kind === 'legit') {
          linked++;
          if (misuseClusters.has(o.cluster)) linkedIntoMisuse++;
        }
      }
      if (a.kind === 'misuse') {
        const hits = a.expected.map((l) => acts.find((x) => x.label === l));
        if (hits.every(Boolean)) {
          detected++;
          const k = Math.max(...hits.map((h) => h!.first_detected.request));
          rtd.push(k);
          after.push(Math.max(1, k - (a.misuseStart?.[id] ?? 0)));
        }
      } else if (acts.some((x) => !a.allowed.includes(x.label))) {
        falseLabels++;
        for (const x of acts) if (!a.allowed.includes(x.label)) problems.add(`false ${x.label}`);
      }
    }
    const network = a.network === true;
    const caught = a.kind === 'misuse' && (network ? detected >= 0.9 * a.orgs.length : detected === a.orgs.length);
    if (a.kind === 'misuse' && !caught) problems.add(`missed ${a.orgs.length - detected}/${a.orgs.length}${network && maxClusterScores.distillation !== undefined ? ` (cluster peaks: benchmarking ${maxClusterScores.benchmarking}, distillation ${maxClusterScores.distillation}; cluster fit ${maxClusterScores['network.benchmarking']}, ${maxClusterScores['network.distillation']})` : ''}`);
    if (a.kind === 'legit' && actions) problems.add(`action on ${actions} org(s)`);
    if (linkedIntoMisuse) problems.add(`${linkedIntoMisuse} org(s) linked into a misuse cluster`);
    return {
      family: a.actor,
      kind: a.kind,
      orgs: a.orgs.length,
      expected: a.expected,
      found,
      detected,
      requestsToDetect: rtd,
      requestsAfterStart: after,
      falseLabels,
      actions,
      actionsByMode,
      ...(network ? { largestClusterShare: Math.max(0, ...clusterCount.values()) / a.orgs.length } : {}),
      linkedIntoMisuse,
      linked,
      caught,
      maxScores,
      maxClusterScores,
      problems: [...problems],
    };
  });
  return { spec, requests: report.requests, actors };
}

/** Raises each label's highest score in `peaks` to the one in `scores` where that is higher. */
export function raisePeaks(peaks: Record<string, number>, scores: Readonly<Record<string, number>>): void {
  for (const [label, v] of Object.entries(scores)) peaks[label] = Math.max(peaks[label] ?? 0, v);
}

function peaksOf(byOrg: Map<string, Record<string, number>>, org: string): Record<string, number> {
  let p = byOrg.get(org);
  if (!p) byOrg.set(org, (p = {}));
  return p;
}

/** The highest score per label over an actor's orgs, to three decimals. */
function actorPeaks(orgs: readonly string[], byOrg: Map<string, Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of orgs) raisePeaks(out, byOrg.get(id) ?? {});
  for (const l of Object.keys(out)) out[l] = Math.round(out[l]! * 1000) / 1000;
  return out;
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export function formatRun(r: RunResult): string {
  const head = `${r.spec.scenario} seed=${r.spec.seed} scale=${r.spec.scale ?? 1}${r.spec.disabled?.length ? ` without=${r.spec.disabled.join(',')}` : ''}: ${r.requests} requests`;
  const rows = r.actors.map((a) => {
    const found = Object.entries(a.found).map(([l, n]) => `${l}(${n}/${a.orgs})`).join(' ') || '-';
    const rtd = a.requestsToDetect.length ? ` rtd median=${median(a.requestsToDetect)} (after start ${median(a.requestsAfterStart)})` : '';
    const modes = Object.entries(a.actionsByMode).map(([m, byType]) => `${m}:${Object.entries(byType).map(([t, n]) => `${t}(${n}/${a.orgs})`).join('+')}`);
    const net = a.largestClusterShare !== undefined ? ` cluster=${Math.round(a.largestClusterShare * 100)}%` : '';
    const ok = a.problems.length === 0;
    return `  ${ok ? 'ok  ' : 'FAIL'} ${a.kind.padEnd(6)} ${a.family.padEnd(26)} found=${found}${rtd}${net} actions=${modes.join(' ') || a.actions}${a.problems.length ? ` problems=${a.problems.join('; ')}` : ''}`;
  });
  return [head, ...rows].join('\n');
}
