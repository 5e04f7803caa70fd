// Time to enforcement per misuse org, from what the gateway answered and what the case recorded: from the
// org's first request to the execution of the action that covers it (requests the org had sent by then,
// simulated seconds), plus the wall-clock delay from the labelling request to the execution.
import type { Case } from '../../src/enforcement/case-model.js';
import type { ScenarioLabels } from '../../src/simulator/scenarios.js';
import type { SentRequest } from './sim-gateway.js';

export interface TteRow {
  actor: string;
  org: string;
  action: string;
  /** The org's requests up to and including the one at which it was labelled. */
  requestsToDetect: number;
  /** The org's requests whose gateway time is at or before the execution of the action. */
  requestsToEnforce: number;
  /** Simulated seconds from the org's first request to the execution. */
  seconds: number;
  /** Wall-clock ms from the response to the labelling request to the execution (bounded by the next response). */
  wallMsAfterLabel: number;
  /** Status actions (restrict/suspend/revoke): the org's first refused request, and wall ms from the labelling response to it. */
  firstRefused?: number;
  wallMsToRefusal?: number;
}

export function timeToEnforcement(labels: ScenarioLabels, sent: readonly SentRequest[], cases: readonly Case[]): TteRow[] {
  // The gateway clock only moves when a request is sent, so an execution stamped at gateway time T happened
  // while the last request sent at or before T was in flight: its response time bounds the wall clock.
  const wallAt = (t: number) => {
    let w = NaN;
    for (const s of sent) if (s.virtualMs <= t) w = s.wallMs;
    return w;
  };
  const rows: TteRow[] = [];
  for (const a of labels.actors) {
    if (a.kind !== 'misuse') continue;
    for (const org of a.orgs) {
      const mine = sent.filter((s) => s.line.org === org);
      const c = cases.find((x) => x.status !== 'merged' && x.orgIds.includes(org) && x.actionsTaken.some((t) => t.action !== 'lift' && t.orgIds.includes(org)));
      const taken = c?.actionsTaken.find((t) => t.action !== 'lift' && t.orgIds.includes(org));
      if (!c || !taken || !mine.length) continue;
      const at = Date.parse(taken.at);
      // The detection that led to the action: the org's last one before it (an earlier label may have had no action).
      // Cases folded into this one (their clusters were linked to this case's, maybe along a chain) kept their own timelines.
      const folded = [c];
      for (let i = 0; i < folded.length; i++) folded.push(...cases.filter((x) => x.mergedInto === folded[i]!.id));
      const timeline = folded.flatMap((x) => x.timeline).sort((p, q) => Date.parse(p.at) - Date.parse(q.at));
      const detected = timeline.filter((t) => t.kind === 'detected' && t.data?.org === org && Date.parse(t.at) <= at).at(-1);
      const reqDetect = Number(detected?.data?.request ?? NaN);
      const labelled = mine[reqDetect - 1];
      rows.push({
        actor: a.actor,
        org,
        action: taken.action,
        requestsToDetect: reqDetect,
        requestsToEnforce: mine.filter((s) => s.virtualMs <= at).length,
        seconds: Math.round((at - mine[0]!.virtualMs) / 1000),
        wallMsAfterLabel: labelled ? Math.max(0, wallAt(at) - labelled.wallMs) : NaN,
        ...refusal(mine, labelled),
      });
    }
  }
  return rows;
}

function refusal(mine: readonly SentRequest[], labelled: SentRequest | undefined): Pick<TteRow, 'firstRefused' | 'wallMsToRefusal'> {
  const i = mine.findIndex((s) => s.status === 403 && /^org_(restricted|suspended|revoked)$/.test(s.code ?? ''));
  if (i < 0) return {};
  return { firstRefused: i + 1, ...(labelled ? { wallMsToRefusal: mine[i]!.wallMs - labelled.wallMs } : {}) };
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One markdown row per actor (hydra members summarised as median (max)). */
export function tteTable(rows: readonly TteRow[]): string {
  const byActor = new Map<string, TteRow[]>();
  for (const r of rows) byActor.set(r.actor, [...(byActor.get(r.actor) ?? []), r]);
  const out = ['| actor | orgs | action | requests to detect | requests to enforcement | simulated seconds to enforcement | first refused request | wall ms label → first refusal |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  const opt = (xs: Array<number | undefined>) => (xs.some((x) => x !== undefined) ? fmt(xs.map((x) => x ?? NaN)) : '— (no status change)');
  const fmt = (xs: number[]) => (xs.length === 1 ? String(xs[0]) : `${median(xs)} (max ${Math.max(...xs.filter(Number.isFinite))})`);
  for (const [actor, rs] of byActor)
    out.push(`| ${actor} | ${rs.length} | ${[...new Set(rs.map((r) => r.action))].join(', ')} | ${fmt(rs.map((r) => r.requestsToDetect))} | ${fmt(rs.map((r) => r.requestsToEnforce))} | ${fmt(rs.map((r) => r.seconds))} | ${opt(rs.map((r) => r.firstRefused))} | ${opt(rs.map((r) => r.wallMsToRefusal))} |`);
  return out.join('\n');
}
