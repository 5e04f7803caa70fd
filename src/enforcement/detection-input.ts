// What enforcement needs to know about a detection and the org it concerns: plain data, filled either from
// the detection pipeline's snapshot/label events or from the store (live), so the engine stays pure.
import type { Activity } from '../model/activity.js';

export interface Detection {
  org: string;
  activities: readonly Activity[];
  /** The org's cluster of linked accounts, when it belongs to one. */
  cluster: { id: string; orgs: readonly string[] } | null;
  /** Requests seen from this org when the detection was made (for time-to-enforcement). */
  requests?: number;
  /** Sample requests with their metadata (live); replayed activities carry bare prompt samples instead. */
  samples?: ReadonlyArray<{ at: string; keyPrefix?: string; model?: string; endpoint?: string; text: string; rule?: string; matched?: readonly string[] }>;
}

export interface OrgFacts {
  name?: string;
  attributes: Readonly<Record<string, string | number | boolean>>;
  /** Purposes of grants the org currently holds. */
  grants: ReadonlySet<string> | readonly string[];
  affiliates: ReadonlyArray<{ org: string; relation: string; name?: string; attributes?: Readonly<Record<string, string | number | boolean>> }>;
  contactWebhook?: string;
}

export function holdsGrant(facts: OrgFacts, purpose: string): boolean {
  return facts.grants instanceof Set ? facts.grants.has(purpose) : (facts.grants as readonly string[]).includes(purpose);
}

export function grantList(facts: OrgFacts): string[] {
  return [...(facts.grants as Iterable<string>)].sort();
}

/** Per sample of `evidence.samples`, the signals detection recorded it showed (`evidence.sampleSignals`). */
export function matchedSignals(evidence: Readonly<Record<string, unknown>>): Array<string[] | undefined> {
  const all = Array.isArray(evidence.sampleSignals) ? (evidence.sampleSignals as unknown[]) : [];
  return all.map((tags) => (Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : undefined));
}
