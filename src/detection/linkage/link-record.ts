// What linkage needs from one request (no text). In one process the detector applies it at once; with several
// workers each publishes its records and every worker applies all of them, so all see every account.
import type { RequestSignals } from '../signals/request-signals.js';
import type { TallyInput } from '../tally.js';
import { linkableAgent } from '../signals/client-class.js';
import { itemKey } from '../signals/item-key.js';

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
  /** The shape without the number of tools (request-signals.ts); absent from older workers' records. */
  habitHash?: number;
  templateHash: number;
  /** The prompt as an item (item-key.ts; absent for none): counts how far linked accounts send the same items. */
  itemKey?: number;
  /** Sent under a purpose the org holds a grant for: judged by scope rules, not part of combined traffic. */
  purpose?: boolean;
  /** When the org was created (ms), from its org line: the cohort it was opened in, beside that of its first use. */
  created?: number;
}

// Stock SDK user agents repeat across requests: their linkable form is remembered (bounded), per client class.
const AGENT_CACHE_MAX = 4096;
const agentCaches: Map<string, string>[] = [];

function agentOf(userAgent: string, cls: number): string {
  const cache = (agentCaches[cls] ??= new Map());
  let v = cache.get(userAgent);
  if (v === undefined) {
    v = linkableAgent(userAgent, cls)!;
    if (cache.size >= AGENT_CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(userAgent, v);
  }
  return v;
}

export function linkRecordOf(org: string, s: RequestSignals, novelty: number, granted: boolean, created?: number): LinkRecord {
  // One object shape for every record (absent values are undefined, which JSON drops).
  return {
    org,
    ts: s.ts,
    ip24: s.ip24,
    ip16: s.ip16,
    userAgent: s.userAgent ? agentOf(s.userAgent, s.client) : undefined,
    systemHash: s.systemHash,
    prefixHash: s.prefixHash,
    suffixHash: s.suffixHash,
    shapeHash: s.shapeHash,
    habitHash: s.habitHash,
    templateHash: s.templateHash,
    itemKey: itemKey(s.prompt, s.toolNames) || undefined,
    purpose: granted ? true : undefined,
    created,
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
