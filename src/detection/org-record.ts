// Everything the pipeline keeps about one org: facts from `org` lines, bounded windows, counters, labels, and
// a tiny ring of prompt snippets that only ever leaves memory as evidence once the org is flagged.
import { OrgWindow, type OrgWindowState } from './org-window.js';
import { PurposeWindow, Totals, type PurposeWindowState, type TotalsState } from './purpose-window.js';
import type { ActivityLabel } from './rules/rule-schema.js';

export const ORG_WINDOW = 200;
export const PURPOSE_WINDOW = 50;
const MAX_PURPOSES = 4;

export interface OrgFacts {
  known: boolean;
  name?: string;
  attributes: Record<string, string | number | boolean>;
  grants: Set<string>;
  affiliates: Array<{ org: string; relation: string }>;
}

export interface Activity {
  label: ActivityLabel;
  confidence: number;
  first_detected: { request: number; ts: string };
  rules: string[];
  evidence: Record<string, unknown>;
}

export class OrgRecord {
  readonly window: OrgWindow;
  readonly purposes = new Map<string, PurposeWindow>();
  readonly totals = new Totals();
  readonly activities = new Map<ActivityLabel, Activity>();
  readonly firedRules = new Set<string>();
  requests = 0;
  lastTsMs = 0;
  /** ISO time of the org's latest request (formatted only when a label needs it). */
  get lastTs(): string {
    return new Date(this.lastTsMs).toISOString();
  }
  private readonly samples: string[] = [];
  private sampleHead = 0;

  constructor(
    readonly id: string,
    readonly order: number,
    public facts: OrgFacts,
    timing = true,
  ) {
    this.window = new OrgWindow(ORG_WINDOW, timing);
  }

  purposeWindow(purpose: string): PurposeWindow | undefined {
    let w = this.purposes.get(purpose);
    if (!w && this.purposes.size < MAX_PURPOSES) this.purposes.set(purpose, (w = new PurposeWindow(PURPOSE_WINDOW)));
    return w;
  }

  keepSample(prompt: string, max: number, maxChars: number): void {
    if (max <= 0 || !prompt) return;
    const s = prompt.length > maxChars ? prompt.slice(0, maxChars) + '…' : prompt;
    if (this.samples.length < max) this.samples.push(s);
    else {
      this.samples[this.sampleHead] = s;
      this.sampleHead = (this.sampleHead + 1) % max;
    }
  }

  sampleList(): string[] {
    return [...this.samples.slice(this.sampleHead), ...this.samples.slice(0, this.sampleHead)];
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
      window: this.window.toState(),
      purposes: [...this.purposes].map(([p, w]) => [p, w.toState()]),
      totals: this.totals.toState(),
      activities: [...this.activities.values()],
      fired: [...this.firedRules],
      requests: this.requests,
      lastTsMs: this.lastTsMs,
      samples: flagged ? this.sampleList() : [],
    };
  }

  static fromState(st: OrgState, timing = true): OrgRecord {
    const o = new OrgRecord(st.id, st.order, { ...st.facts, grants: new Set(st.facts.grants) }, timing);
    o.window.restore(st.window);
    for (const [p, w] of st.purposes) o.purposeWindow(p)?.restore(w);
    o.totals.restore(st.totals);
    for (const a of st.activities) o.activities.set(a.label, a);
    for (const r of st.fired) o.firedRules.add(r);
    o.requests = st.requests;
    o.lastTsMs = st.lastTsMs;
    o.samples.push(...st.samples);
    return o;
  }
}

export interface OrgState {
  id: string;
  order: number;
  facts: Omit<OrgFacts, 'grants'> & { grants: string[] };
  window: OrgWindowState;
  purposes: Array<[string, PurposeWindowState]>;
  totals: TotalsState;
  activities: Activity[];
  fired: string[];
  requests: number;
  lastTsMs: number;
  samples: string[];
}

export function emptyFacts(): OrgFacts {
  return { known: false, attributes: {}, grants: new Set(), affiliates: [] };
}
