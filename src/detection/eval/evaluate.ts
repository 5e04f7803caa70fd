// Detection quality on simulated scenarios: per actor, expected vs found labels, requests-to-detect, and any
// label or action on legitimate orgs. Shared by `npm run eval:detect` and the CI regression test.
import type { ActionFor, ReportAction } from '../action-for.js';
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

/**
 * One way of turning labels into actions, e.g. the default playbook in automatic and in approval mode.
 * Detection does not import enforcement; the caller (scripts/eval-detect.ts, e2e tests) passes the engine in.
 */
export interface ActionMode {
  name: string;
  actionFor: ActionFor;
  policy?: unknown;
}

export interface EvalOptions {
  /** Every mode is applied to the same replay. Without modes, detection's placeholder (always none) is used. */
  actions?: ActionMode[];
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
  /** Orgs of this actor with an action other than `none` in any mode (approval-required counts). */
  actions: number;
  /** Per mode: action type -> number of the actor's orgs receiving it (`none` omitted). */
  actionsByMode: Record<string, Record<string, number>>;
  pass: boolean;
}

export interface RunResult {
  spec: RunSpec;
  requests: number;
  actors: ActorResult[];
  pass: boolean;
}

export async function runEval(spec: RunSpec, opts: EvalOptions = {}): Promise<RunResult> {
  const { lines, labels } = simulate({ scenario: spec.scenario, seed: spec.seed, split: spec.split, scale: spec.scale ?? 1 });
  // Every mode judges the same detections: the report's own action slot gets the first mode, and each mode's
  // verdict per org is kept aside.
  const modes = opts.actions ?? [];
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
  const report: ReplayReportV1 = await replayTrace(
    (function* () {
      for (const l of lines) yield JSON.stringify(l) + '\n';
    })(),
    { detector: { disabledSignals: new Set(spec.disabled ?? []) }, ...(actionFor ? { actionFor } : {}) },
  );
  const byOrg = new Map(report.orgs.map((o) => [o.org, o]));
  const actors = labels.actors.map((a): ActorResult => {
    const found: Record<string, number> = {};
    const rtd: number[] = [];
    const problems = new Set<string>();
    let actions = 0;
    const actionsByMode: Record<string, Record<string, number>> = {};
    for (const id of a.orgs) {
      const o = byOrg.get(id);
      const acts = o?.activities ?? [];
      for (const act of acts) found[act.label] = (found[act.label] ?? 0) + 1;
      let acted = !!o && o.action.type !== 'none';
      for (const [mode, m] of modeActions) {
        const act = m.get(id);
        if (!act || act.type === 'none') continue;
        acted = true;
        const t = act.requires_approval ? `${act.type}?` : act.type; // `?`: waits for an admin's approval
        const row = (actionsByMode[mode] ??= {});
        row[t] = (row[t] ?? 0) + 1;
      }
      if (acted) actions++;
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
    return { actor: a.actor, kind: a.kind, orgs: a.orgs.length, expected: a.expected, found, requestsToDetect: rtd, problems: [...problems], actions, actionsByMode, pass: problems.size === 0 };
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
    const modes = Object.entries(a.actionsByMode).map(([m, byType]) => `${m}:${Object.entries(byType).map(([t, n]) => `${t}(${n}/${a.orgs})`).join('+')}`);
    const acts = modes.length ? modes.join(' ') : String(a.actions);
    return `  ${a.pass ? 'ok  ' : 'FAIL'} ${a.kind.padEnd(6)} ${a.actor.padEnd(20)} expected=${a.expected.join(',') || '-'} found=${found}${rtd} actions=${acts}${a.problems.length ? ` problems=${a.problems.join('; ')}` : ''}`;
  });
  return [head, ...rows].join('\n');
}
