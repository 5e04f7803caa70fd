// The seam between detection and enforcement: the replay report's `action` comes from an ActionFor. Detection
// recommends nothing on its own (the default below); `moat replay --policy` and the evaluation pass the
// enforcement engine's playbooks in (src/enforcement/replay-action.ts), so detection never imports enforcement.
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
