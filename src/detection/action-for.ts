// THE SEAM between detection and enforcement (issue 6). The replay report's `action` and the live consumer's
// decisions come from this one function. Until the enforcement playbooks land it recommends nothing; the
// enforcement engineer replaces the body (keeping the signature) with the playbook engine.
import type { Activity } from '../model/activity.js';
import type { OrgLineFacts } from './org-record.js';

export type ActionType = 'none' | 'notify' | 'throttle' | 'restrict' | 'suspend' | 'revoke';

export interface ReportAction {
  type: ActionType;
  requires_approval: boolean;
}

export interface ActionInput {
  org: string;
  facts: OrgLineFacts;
  activities: readonly Activity[];
  cluster: { id: string; orgs: readonly string[] } | null;
  /** The parsed `--policy FILE` (playbooks), opaque to detection. */
  policy?: unknown;
}

export type ActionFor = (input: ActionInput) => ReportAction;

export const actionFor: ActionFor = () => ({ type: 'none', requires_approval: false });
