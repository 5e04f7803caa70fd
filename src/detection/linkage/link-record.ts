// What linkage needs from one request (no text). In one process the detector applies it at once; with several
// workers each publishes its records and every worker applies all of them, so all see every account.
import type { RequestSignals } from '../signals/request-signals.js';
import type { TallyInput } from '../tally.js';
import { linkableAgent } from '../signals/client-class.js';

export interface LinkRecord extends TallyInput {
  org: string;
  /** Event time (ms). */
  ts: number;
  ip24?: string;
  ip16?: string;
  /** The client as linkage compares it (stock SDKs by family, see linkableAgent). */
  userAgent?: string;
  systemHash: number;
  prefixHash: number;
  suffixHash: number;
  shapeHash: number;
  templateHash: number;
  /** Sent under a purpose the org holds a grant for: judged by scope rules, not part of combined traffic. */
  purpose?: boolean;
}

export function linkRecordOf(org: string, s: RequestSignals, novelty: number, granted: boolean): LinkRecord {
  return {
    org,
    ts: s.ts,
    ...(s.ip24 ? { ip24: s.ip24 } : {}),
    ...(s.ip16 ? { ip16: s.ip16 } : {}),
    ...(s.userAgent ? { userAgent: linkableAgent(s.userAgent, s.client)! } : {}),
    systemHash: s.systemHash,
    prefixHash: s.prefixHash,
    suffixHash: s.suffixHash,
    shapeHash: s.shapeHash,
    templateHash: s.templateHash,
    ...(granted ? { purpose: true } : {}),
    flags: s.flags,
    cues: s.cues,
    topic: s.topic,
    harmCategory: s.harmCategory,
    script: s.script,
    novelty,
    // JSON has no NaN: unknown is -1.
    outputRatio: Number.isNaN(s.outputRatio) ? -1 : s.outputRatio,
    promptLog: s.promptLog,
  };
}
