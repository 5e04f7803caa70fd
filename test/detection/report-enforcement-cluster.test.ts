// The cluster a replay report hands enforcement for each org must be the one the live detection tracker builds:
// only a label a cluster rule attached comes with its cluster, whose members are the orgs so labelled. An org an
// org rule labelled while it sat in a cluster is acted on alone, as the live gateway does; previewing a policy on
// replay must not propose suspending the unlabelled accounts linked with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionInput, ReportAction } from '../../src/detection/action-for.js';
import type { DetectionSnapshot, OrgSnapshot } from '../../src/detection/detector.js';
import { emptyFacts } from '../../src/detection/org-record.js';
import { buildReport } from '../../src/detection/report.js';

/** One distillation label, attached first by `rules[0]` and confirmed by the others. */
const activity = (rules: string[]) => ({ label: 'distillation' as const, confidence: 0.85, first_detected: { request: 109, ts: '2026-08-03T10:00:00.000Z' }, rules, evidence: {} });
const org = (id: string, cluster: string | null, rules: string[]): OrgSnapshot => ({ org: id, requests: 150, facts: emptyFacts(), activities: rules.length ? [activity(rules)] : [], cluster });
const snap: DetectionSnapshot = {
  requests: 600,
  orgs: [
    org('org_alone', 'cl_1', ['distill.reasoning-harvest']),
    org('org_dev', 'cl_1', []),
    org('org_h1', 'cl_2', ['distill.linked-cluster']),
    org('org_h2', 'cl_2', ['distill.linked-cluster']),
    org('org_h3', 'cl_2', []),
    // Labelled by its own harvest before its cluster was: the live tracker heard of the label once, without a cluster.
    org('org_h4', 'cl_2', ['distill.reasoning-harvest', 'distill.linked-cluster']),
  ],
  clusters: [
    { id: 'cl_1', orgs: ['org_alone', 'org_dev'], signals: [], members: [] },
    { id: 'cl_2', orgs: ['org_h1', 'org_h2', 'org_h3', 'org_h4'], signals: [], members: [] },
  ],
  diagnostics: {} as DetectionSnapshot['diagnostics'],
};

const NONE: ReportAction = { type: 'none', requires_approval: false };

test('replay hands enforcement the cluster only with a cluster rule\'s label, and only the members it labelled', () => {
  const seen = new Map<string, ActionInput['cluster']>();
  const report = buildReport(snap, { malformed: 0, skipped: [] }, (input) => {
    seen.set(input.org, input.cluster);
    return NONE;
  }, new Set(['distill.linked-cluster']));
  assert.equal(seen.get('org_alone'), null, 'an org rule\'s label: the org alone');
  assert.deepEqual(seen.get('org_h1'), { id: 'cl_2', orgs: ['org_h1', 'org_h2'] });
  assert.deepEqual(seen.get('org_h2'), { id: 'cl_2', orgs: ['org_h1', 'org_h2'] });
  assert.equal(seen.get('org_h4'), null, 'a label an org rule attached first, later confirmed by the cluster rule');
  // Linkage membership is still reported as it is.
  assert.equal(report.orgs.find((o) => o.org === 'org_alone')!.cluster, 'cl_1');
});
