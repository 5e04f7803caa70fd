// Everything the pipeline keeps about one org: facts from `org` lines, bounded windows, counters, labels, and
// a tiny ring of prompt snippets that only ever leaves memory as evidence once the org is flagged.
import { OrgWindow } from './org-window.js';
import { PurposeWindow, Totals } from './purpose-window.js';
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
}

export function emptyFacts(): OrgFacts {
  return { known: false, attributes: {}, grants: new Set(), affiliates: [] };
}
