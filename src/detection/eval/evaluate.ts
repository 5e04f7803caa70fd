// Detection quality on simulated scenarios: per actor, expected vs found labels, requests-to-detect, and any
// label or action on legitimate orgs. Shared by `npm run eval:detect` and the CI regression test.
import { replayTrace } from '../replay.js';
import type { ReplayReportV1 } from '../report.js';
import type { SignalName } from '../signals/request-signals.js';
import { simulate } from '../../simulator/scenarios.js';
import type { Split } from '../../simulator/corpora.js';

export interface RunSpec {
  scenario: string;
  seed: number;
  split: Split;
  scale?: number;
  disabled?: SignalName[];
}

export interface ActorResult {
  actor: string;
  kind: 'legit' | 'misuse';
  orgs: number;
  expected: string[];
  /** label -> number of the actor's orgs carrying it. */
  found: Record<string, number>;
  /** Requests-to-detect of each org for its expected labels (the later of them per org). */
  requestsToDetect: number[];
  /** Misuse: expected labels missing on at least one org. Legit: labels not in `allowed`. */
  problems: string[];
  actions: number;
  pass: boolean;
}

export interface RunResult {
  spec: RunSpec;
  requests: number;
  actors: ActorResult[];
  pass: boolean;
}

export async function runEval(spec: RunSpec): Promise<RunResult> {
  const { lines, labels } = simulate({ scenario: spec.scenario, seed: spec.seed, split: spec.split, scale: spec.scale ?? 1 });
  const report: ReplayReportV1 = await replayTrace(
    (function* () {
      for (const l of lines) yield JSON.stringify(l) + '\n';
    })(),
    { detector: { disabledSignals: new Set(spec.disabled ?? []) } },
  );
  const byOrg = new Map(report.orgs.map((o) => [o.org, o]));
  const actors = labels.actors.map((a): ActorResult => {
    const found: Record<string, number> = {};
    const rtd: number[] = [];
    const problems = new Set<string>();
    let actions = 0;
    for (const id of a.orgs) {
      const o = byOrg.get(id);
      const acts = o?.activities ?? [];
      for (const act of acts) found[act.label] = (found[act.label] ?? 0) + 1;
      if (o && o.action.type !== 'none') actions++;
      if (a.kind === 'misuse') {
        const hits = a.expected.map((l) => acts.find((x) => x.label === l));
        hits.forEach((h, i) => {
          if (!h) problems.add(`missed ${a.expected[i]}`);
        });
        if (hits.every(Boolean)) rtd.push(Math.max(...hits.map((h) => h!.first_detected.request)));
      } else {
        for (const act of acts) if (!a.allowed.includes(act.label)) problems.add(`false ${act.label}`);
      }
    }
    if (a.kind === 'legit' && actions) problems.add(`action on ${actions} org(s)`);
    return { actor: a.actor, kind: a.kind, orgs: a.orgs.length, expected: a.expected, found, requestsToDetect: rtd, problems: [...problems], actions, pass: problems.size === 0 };
  });
  return { spec, requests: report.requests, actors, pass: actors.every((a) => a.pass) };
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function formatRun(r: RunResult): string {
  const head = `${r.spec.scenario} seed=${r.spec.seed} split=${r.spec.split} scale=${r.spec.scale ?? 1}${r.spec.disabled?.length ? ` without=${r.spec.disabled.join(',')}` : ''}: ${r.requests} requests ${r.pass ? 'PASS' : 'FAIL'}`;
  const rows = r.actors.map((a) => {
    const found = Object.entries(a.found).map(([l, n]) => `${l}(${n}/${a.orgs})`).join(' ') || '-';
    const rtd = a.requestsToDetect.length ? ` rtd median=${median(a.requestsToDetect)} max=${Math.max(...a.requestsToDetect)}` : '';
    return `  ${a.pass ? 'ok  ' : 'FAIL'} ${a.kind.padEnd(6)} ${a.actor.padEnd(20)} expected=${a.expected.join(',') || '-'} found=${found}${rtd} actions=${a.actions}${a.problems.length ? ` problems=${a.problems.join('; ')}` : ''}`;
  });
  return [head, ...rows].join('\n');
}
