// `moat rules test`: replays each rule's positive and negative fixture traces and checks the rule fires
// (positive: for the named org, or any org) or stays silent (negative: for the named org, or every org).
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { DetectionAssets } from '../assets.js';
import { replayTrace } from '../replay.js';
import type { ReplayReportV1 } from '../report.js';

export interface FixtureResult {
  rule: string;
  kind: 'positive' | 'negative';
  trace: string;
  org?: string;
  pass: boolean;
  detail: string;
}

function firedFor(report: ReplayReportV1, rule: string): string[] {
  return report.orgs.filter((o) => o.activities.some((a) => a.rules.includes(rule))).map((o) => o.org);
}

export async function runRuleFixtures(root: string, assets: DetectionAssets): Promise<FixtureResult[]> {
  const reports = new Map<string, Promise<ReplayReportV1>>();
  const reportOf = (trace: string) => {
    let p = reports.get(trace);
    if (!p) reports.set(trace, (p = replayTrace(createReadStream(join(root, trace)), { assets })));
    return p;
  };
  const out: FixtureResult[] = [];
  for (const rule of assets.rules) {
    const id = rule.spec.id;
    for (const kind of ['positive', 'negative'] as const) {
      for (const fx of rule.spec.fixtures[kind]) {
        let fired: string[];
        try {
          fired = firedFor(await reportOf(fx.trace), id);
        } catch (e) {
          out.push({ rule: id, kind, trace: fx.trace, pass: false, detail: `cannot replay: ${(e as Error).message}` });
          continue;
        }
        const hit = fx.org ? fired.includes(fx.org) : fired.length > 0;
        const pass = kind === 'positive' ? hit : !hit;
        const who = fx.org ?? 'any org';
        const detail = pass
          ? `${kind === 'positive' ? 'fired for' : 'silent for'} ${who}`
          : kind === 'positive'
            ? `did not fire for ${who} (fired for: ${fired.join(', ') || 'none'})`
            : `fired for ${fx.org ?? fired.join(', ')}`;
        out.push({ rule: id, kind, trace: fx.trace, ...(fx.org ? { org: fx.org } : {}), pass, detail });
      }
    }
  }
  return out;
}
