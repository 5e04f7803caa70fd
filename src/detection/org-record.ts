// Everything the pipeline keeps about one org: facts from `org` lines, its bounded windows (all traffic, and
// per granted purpose), labels, and a tiny ring of prompt snippets that only ever leaves memory as evidence
// once the org is flagged.
import type { Aggregate } from './aggregate-features.js';
import { OrgWindow, type OrgWindowState } from './org-window.js';
import { LinkAggregate, type LinkAggregateState } from './linkage/link-aggregate.js';
import type { LinkRecord } from './linkage/link-record.js';
import type { Activity, ActivityLabel } from '../model/activity.js';
import { sampleSignals, type SampleMarks } from './signals/sample-signals.js';

export const ORG_WINDOW = 200;
export const PURPOSE_WINDOW = 50;
const MAX_PURPOSES = 4;
/** API keys followed on their own (a reseller's customers, a team's members); more keys share the last slots. */
export const MAX_KEYS = 16;
/** A followed key with fewer requests than this may give its slot to a new key. */
const KEY_SLOT_MIN = 10;

/** An org's facts as the detector learns them from `org` trace lines. */
export interface OrgLineFacts {
  known: boolean;
  name?: string;
  attributes: Record<string, string | number | boolean>;
  grants: Set<string>;
  affiliates: Array<{ org: string; relation: string; attributes?: Record<string, string | number | boolean> }>;
  /** When the account was created (ms), if its org line says. */
  created?: number;
}

export class OrgRecord {
  /**
   * Traffic outside the org's granted purposes (requests under a purpose it holds are judged in purposes).
   * Allocated on first use, so an org compacted after a long idle spell costs only its facts and labels.
   */
  get window(): OrgWindow {
    return (this.ownWindow ??= new OrgWindow(ORG_WINDOW, this.timing));
  }
  private ownWindow: OrgWindow | undefined;
  /** The window of traffic outside purposes if the org has one (reading it allocates nothing). */
  get windowIfAny(): OrgWindow | undefined {
    return this.ownWindow;
  }
  readonly purposes = new Map<string, OrgWindow>();
  /** Each key's own combined traffic, so one customer's behaviour shows inside pooled traffic. */
  readonly keys = new Map<string, LinkAggregate>();
  readonly activities = new Map<ActivityLabel, Activity>();
  readonly firedRules = new Set<string>();
  /** Requests in a row each rule's condition has held (rules with `sustain`). */
  readonly streaks = new Map<string, number>();
  requests = 0;
  lastTsMs = 0;
  /** Scores of the current window, cleared at each request (clearScores). */
  readonly scoreCache = new Map<string, number>();
  /** Per label, the key whose own traffic scores highest (null: none), cleared with the scores. */
  readonly topKeys = new Map<string, { agg: Aggregate; score: number } | null>();
  /** Forgets what was read of the traffic before this request. */
  clearScores(): void {
    this.scoreCache.clear();
    this.topKeys.clear();
  }
  /** ISO time of the org's latest request (formatted only when a label needs it). */
  get lastTs(): string {
    return new Date(this.lastTsMs).toISOString();
  }
  private readonly samples: string[] = [];
  /** What each kept sample showed (sample-signals.ts), at the same ring position. */
  private readonly sampleTags: Array<SampleMarks | string[]> = [];
  private sampleHead = 0;

  constructor(
    readonly id: string,
    readonly order: number,
    public facts: OrgLineFacts,
    private readonly timing = true,
  ) {
  }

  /** True while the org holds no window: it has sent nothing yet, or compact() dropped it and nothing came since. */
  get compacted(): boolean {
    return this.ownWindow === undefined;
  }

  /**
   * Drops everything that describes recent traffic (windows, per-key and per-purpose traffic, rule streaks,
   * prompt snippets) and keeps the facts, labels and counts: an org idle for days starts its windows afresh
   * when it returns, as a new org would, and memory stays bounded by the orgs active recently.
   */
  compact(): void {
    this.ownWindow = undefined;
    this.purposes.clear();
    this.keys.clear();
    this.streaks.clear();
    this.clearScores();
    this.samples.length = 0;
    this.sampleTags.length = 0;
    this.sampleHead = 0;
  }

  purposeWindow(purpose: string): OrgWindow | undefined {
    let w = this.purposes.get(purpose);
    if (!w && this.purposes.size < MAX_PURPOSES) this.purposes.set(purpose, (w = new OrgWindow(PURPOSE_WINDOW, this.timing)));
    return w;
  }

  /** Counts a request into its key's traffic (bounded: MAX_KEYS keys, the quietest replaced first). */
  addKeyTraffic(key: string, rec: LinkRecord): void {
    let a = this.keys.get(key);
    if (!a) {
      if (this.keys.size >= MAX_KEYS) {
        let quiet: string | undefined;
        let min = Infinity;
        for (const [k, v] of this.keys)
          if (v.tally.n < min) {
            min = v.tally.n;
            quiet = k;
          }
        if (quiet === undefined || min >= KEY_SLOT_MIN) return;
        this.keys.delete(quiet);
      }
      this.keys.set(key, (a = new LinkAggregate(false)));
    }
    a.add(rec);
  }

  keepSample(prompt: string, max: number, maxChars: number, marks: SampleMarks | string[] = []): void {
    if (max <= 0 || !prompt) return;
    const s = prompt.length > maxChars ? prompt.slice(0, maxChars) + '…' : prompt;
    if (this.samples.length < max) {
      this.samples.push(s);
      this.sampleTags.push(marks);
    } else {
      this.samples[this.sampleHead] = s;
      this.sampleTags[this.sampleHead] = marks;
      this.sampleHead = (this.sampleHead + 1) % max;
    }
  }

  sampleList(): string[] {
    return [...this.samples.slice(this.sampleHead), ...this.samples.slice(0, this.sampleHead)];
  }

  /** The signals of each sample of sampleList(), in the same order ([] for samples restored without them). */
  sampleSignalList(): string[][] {
    const tags = this.samples.map((_, i) => {
      const t = this.sampleTags[i] ?? [];
      return Array.isArray(t) ? t : sampleSignals(t);
    });
    return [...tags.slice(this.sampleHead), ...tags.slice(0, this.sampleHead)];
  }

  /**
   * Checkpoint of everything above. Prompt snippets are included only for flagged orgs (privacy: raw text
   * leaves memory only as evidence), so an unflagged org's evidence ring restarts empty after a restore.
   */
  toState(): OrgState {
    const flagged = this.activities.size > 0;
    return {
      id: this.id,
      order: this.order,
      facts: { ...this.facts, grants: [...this.facts.grants] },
      window: this.ownWindow ? this.ownWindow.toState() : null,
      purposes: [...this.purposes].map(([p, w]) => [p, w.toState()]),
      keys: [...this.keys].map(([k, a]) => [k, a.toState()]),
      activities: [...this.activities.values()],
      fired: [...this.firedRules],
      streaks: [...this.streaks],
      requests: this.requests,
      lastTsMs: this.lastTsMs,
      samples: flagged ? this.sampleList() : [],
      ...(flagged ? { sampleSignals: this.sampleSignalList() } : {}),
    };
  }

  static fromState(st: OrgState, timing = true): OrgRecord {
    const o = new OrgRecord(st.id, st.order, { ...st.facts, grants: new Set(st.facts.grants) }, timing);
    if (st.window) o.window.restore(st.window);
    for (const [p, w] of st.purposes) o.purposeWindow(p)?.restore(w);
    for (const [k, a] of st.keys) o.keys.set(k, LinkAggregate.fromState(a, false));
    for (const a of st.activities) o.activities.set(a.label, a);
    for (const r of st.fired) o.firedRules.add(r);
    for (const [r, n] of st.streaks) o.streaks.set(r, n);
    o.requests = st.requests;
    o.lastTsMs = st.lastTsMs;
    o.samples.push(...st.samples);
    o.sampleTags.push(...st.samples.map((_, i) => st.sampleSignals?.[i] ?? []));
    return o;
  }
}

export interface OrgState {
  id: string;
  order: number;
  facts: Omit<OrgLineFacts, 'grants'> & { grants: string[] };
  /** null for an org compacted after an idle spell. */
  window: OrgWindowState | null;
  purposes: Array<[string, OrgWindowState]>;
  keys: Array<[string, LinkAggregateState]>;
  activities: Activity[];
  fired: string[];
  streaks: Array<[string, number]>;
  requests: number;
  lastTsMs: number;
  samples: string[];
  /** Signals of each sample (absent in checkpoints written before they were kept). */
  sampleSignals?: string[][];
  /** Set by the detector for an org whose requests it judges (with several workers, each judges some orgs). */
  local?: boolean;
}

export function emptyFacts(): OrgLineFacts {
  return { known: false, attributes: {}, grants: new Set(), affiliates: [] };
}
