// Turns the detector's label events into the Detection records enforcement expects. Label events arrive one
// per (org, label); enforcement wants the org's activities so far, its cluster with every known member, and
// sample requests with their metadata. Kept in one place so the local and the streams driver build them alike.
import type { LabelEvent } from '../detection/detector.js';
import type { Activity } from '../model/activity.js';
import { matchedSignals, type Detection } from './detection-input.js';
import { redactSecrets } from './redact-secrets.js';

/** What the gateway knew about an org's latest request (no prompt text): fills sample metadata. */
export interface RequestMeta {
  keyPrefix: string;
  model: string;
  endpoint: string;
}

export class DetectionTracker {
  private readonly activities = new Map<string, Activity[]>();
  private readonly clusterOfOrg = new Map<string, string>();
  private readonly members = new Map<string, Set<string>>();
  private readonly pending = new Map<string, LabelEvent[]>();
  private readonly meta = new Map<string, RequestMeta>();
  labels = 0;

  /** The org's latest request metadata (one small record per org). */
  noteRequest(org: string, m: RequestMeta): void {
    this.meta.set(org, m);
  }

  onLabel(e: LabelEvent): void {
    this.labels++;
    const { org, cluster, ...activity } = e;
    const list = this.activities.get(org) ?? [];
    if (!list.some((a) => a.label === activity.label)) list.push(activity);
    this.activities.set(org, list);
    if (cluster) {
      // An org is in one cluster at a time: one that left a split cluster for a part of its own is no longer one of
      // the members the first cluster's next action reaches.
      const before = this.clusterOfOrg.get(org);
      if (before !== undefined && before !== cluster) this.members.get(before)?.delete(org);
      this.clusterOfOrg.set(org, cluster);
      let m = this.members.get(cluster);
      if (!m) this.members.set(cluster, (m = new Set()));
      m.add(org);
    }
    const p = this.pending.get(org) ?? [];
    p.push(e);
    this.pending.set(org, p);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * One Detection per org labelled since the last call. Call it after a whole batch of events was ingested,
   * so a cluster rule's labels (one per member, attached together) all count as the cluster's members.
   */
  drain(): Detection[] {
    const out: Detection[] = [];
    for (const [org, events] of this.pending) {
      const clusterId = this.clusterOfOrg.get(org);
      const members = clusterId ? [...(this.members.get(clusterId) ?? [])].sort() : [];
      const newest = events[events.length - 1]!;
      const meta = this.meta.get(org);
      const samples: NonNullable<Detection['samples']>[number][] = [];
      for (const e of events) {
        const texts = Array.isArray(e.evidence.samples) ? e.evidence.samples : [];
        const signals = matchedSignals(e.evidence);
        texts.forEach((t, i) => {
          if (typeof t === 'string') samples.push({ at: e.first_detected.ts, ...(meta ?? {}), text: redactSecrets(t), ...(e.rules[0] ? { rule: e.rules[0] } : {}), ...(signals[i] ? { matched: signals[i] } : {}) });
        });
      }
      out.push({
        org,
        // Samples travel once, redacted and with their request metadata; the activity keeps the rest of its evidence.
        activities: (this.activities.get(org) ?? []).map((a) => ({ ...a, rules: [...a.rules], evidence: withoutSamples(a.evidence) })),
        cluster: clusterId && members.length ? { id: clusterId, orgs: members } : null,
        requests: newest.first_detected.request,
        ...(samples.length ? { samples } : {}),
      });
    }
    this.pending.clear();
    return out;
  }

  /** Labels attached so far to an org (live view of what the detector found). */
  activitiesOf(org: string): readonly Activity[] {
    return this.activities.get(org) ?? [];
  }
}

function withoutSamples(ev: Record<string, unknown>): Record<string, unknown> {
  const { samples: _s, sampleSignals: _t, ...rest } = ev;
  return rest;
}
