// A case: everything a trust-and-safety team, the customer and a court need to follow one enforcement
// decision about one org or one cluster. Field names match the console's contract (docs/console.md).
import type { ActivityLabel } from '../model/activity.js';
import type { ActionType } from './playbook-schema.js';

/** `merged`: folded into another cluster's case (`mergedInto`) once the two clusters were linked; it takes no decisions. */
export type CaseStatus = 'open' | 'actioned' | 'dismissed' | 'reinstated' | 'appealed' | 'merged';
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface ProposedAction {
  action: ActionType;
  clause: string;
  requiresApproval: boolean;
  orgIds: string[];
  ruleId?: string;
  durationMs?: number;
  throttleFactor?: number;
  keepsGrants?: string[];
  purposeScopeRestriction?: string[];
  notifyCustomer: boolean;
}

export interface TimelineStep {
  at: string;
  /** detected | proposed | approved | executed | execution_failed | lifted | dismissed | reinstated | appealed | reopened | merged | note | notified | notice_failed */
  kind: string;
  actor: string;
  text: string;
  data?: Record<string, unknown>;
}

export interface CaseNote {
  at: string;
  actor: string;
  text: string;
}

export interface SampleRequest {
  at: string;
  orgId: string;
  keyPrefix: string;
  model: string;
  endpoint: string;
  /** Prompt excerpt with anything that looks like a credential redacted. */
  excerpt: string;
  /** The rule whose evidence kept this sample. */
  rule?: string;
  /** What the request showed that the rule reads (`w.<feature>`), the benchmark it matched, its harm category. */
  matched?: string[];
}

export interface FeatureEvidence {
  name: string;
  value: number;
  threshold: number;
  comparison: string;
  exceeded: boolean;
  rule?: string;
}

export interface CaseEvidence {
  sampleRequests: SampleRequest[];
  /** Public benchmarks whose items matched the org's prompts, with the number of matching prompts. */
  matchedBenchmarks: Array<{ benchmark: string; matches: number }>;
  features: FeatureEvidence[];
  /** Linked accounts and why each is in the cluster (the link that brought it, with its evidence). */
  linkedAccounts: Array<{ orgId: string; name: string; reason: string; linkedTo?: string; strength?: number }>;
  /** The scores the firing rules read, with what each signal contributed (logit units). */
  scores?: ScoreEvidence[];
}

export interface ScoreEvidence {
  /** e.g. score.benchmarking, cluster.score.distillation */
  name: string;
  value: number;
  rule: string;
  contributions: Array<{ feature: string; value: number | null; contribution: number }>;
}

export interface ActionTaken {
  at: string;
  action: ActionType | 'lift';
  orgIds: string[];
  by: string;
  clause?: string;
  until?: string;
}

/**
 * An action a worker saved with the case and is carrying out. Until the worker records what it did (or, if it
 * died on the way, for a lease), its orgs count as under the action, so a second worker's detection, saved
 * after it, does not carry the action out again.
 */
export interface ActionClaim {
  id: string;
  at: string;
  action: ActionType;
  orgIds: string[];
}

export interface Case {
  id: string;
  /** `org:<id>` or `cluster:<id>`: the one case per org or cluster, updated by later detections. */
  key: string;
  kind: 'org' | 'cluster';
  title: string;
  orgIds: string[];
  severity: Severity;
  status: CaseStatus;
  labels: ActivityLabel[];
  confidence: number;
  /** Clause of the terms the proposed/taken action enforces. */
  clause: string;
  proposedAction?: ProposedAction;
  actionsTaken: ActionTaken[];
  /** Actions being carried out right now (see ActionClaim); absent when none. */
  claims?: ActionClaim[];
  timeline: TimelineStep[];
  notes: CaseNote[];
  evidence: CaseEvidence;
  /** Detections folded into this case. */
  detections: number;
  /** Requests the detected org had sent when the case first proposed an action (time-to-enforcement). */
  requestsAtDetection?: number;
  openedAt: string;
  updatedAt: string;
  /** Status merged: the case that now holds this one's accounts, actions and evidence. */
  mergedInto?: string;
  /** Optimistic concurrency: bumped on every save. */
  version: number;
}

export type CaseSummary = Omit<Case, 'timeline' | 'notes' | 'evidence'>;

export function summarize(c: Case): CaseSummary {
  const { timeline: _t, notes: _n, evidence: _e, ...s } = c;
  return s;
}
