// Bad policy files give errors naming file, line and path; good ones become PolicyState.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parsePolicyFile, type PolicyIssue } from '../../src/policy/parse-policy-file.js';
import { durationSchema, parseDuration } from '../../src/policy/duration.js';

const BASE = `clauses:
  c1: { text: "Clause one" }
purposes:
  safety_evaluation: { description: Safety }
tiers:
  free: {}
features:
  coding_tools:
    match:
      - toolTypes: ["bash_*"]
orgs:
  - id: org_a
    name: A
    tier: free
  - id: org_b
    name: B
    tier: free
`;

function issues(text: string, opts = {}): PolicyIssue[] {
  const r = parsePolicyFile({ text, file: 'policy.yaml' }, opts);
  assert.equal(r.ok, false, 'expected the file to be refused');
  return r.ok ? [] : r.issues;
}

test('a valid file becomes PolicyState with defaults filled in', () => {
  const r = parsePolicyFile({ text: BASE + 'grants:\n  - org: org_a\n    purpose: safety_evaluation\n    models: ["claude-*"]\n    expires: "2026-12-31T00:00:00+01:00"\n' });
  assert.ok(r.ok);
  assert.deepEqual(r.state.orgs[0], { id: 'org_a', name: 'A', tier: 'free', attributes: {}, labels: [], status: 'active' });
  assert.deepEqual(r.state.grants, [{ id: 'org_a:safety_evaluation', orgId: 'org_a', purpose: 'safety_evaluation', models: ['claude-*'], expiresAt: '2026-12-30T23:00:00.000Z' }]);
});

test('an unknown field is reported at its own line with its path', () => {
  const [i, ...rest] = issues(BASE + '    colour: blue\n');
  assert.equal(rest.length, 0);
  assert.deepEqual(i, { file: 'policy.yaml', line: 18, column: 5, path: 'orgs[1].colour', message: 'unknown field "colour"' });
});

test('references to missing orgs, features, tiers, clauses and purposes name the path and line', () => {
  const text = BASE + `denials:
  - feature: coding_tool
    subject: { org: org_c }
    clause: c2
grants:
  - org: org_zz
    purpose: research
    models: ["*"]
`;
  const got = issues(text).map((i) => `${i.line} ${i.path}: ${i.message}`);
  assert.deepEqual(got, [
    '19 denials[0].feature: unknown feature "coding_tool" (defined: coding_tools)',
    '20 denials[0].subject.org: unknown org "org_c" (defined: org_a, org_b)',
    '21 denials[0].clause: unknown clause "c2" (defined: c1)',
    '23 grants[0].org: unknown org "org_zz" (defined: org_a, org_b)',
    '24 grants[0].purpose: unknown purpose "research" (defined: safety_evaluation)',
  ]);
});

test('a cycle in parent/subsidiary affiliations is refused', () => {
  const text = BASE + `affiliations:
  - { org: org_a, affiliate: org_b, relation: parent }
  - { org: org_b, affiliate: org_a, relation: parent }
`;
  const got = issues(text);
  assert.equal(got.length, 1);
  assert.ok([19, 20].includes(got[0]!.line));
  assert.match(got[0]!.message, /ownership cycle in affiliations: org_(a|b) -> org_(a|b) -> org_(a|b)/);
  // Mutual partners are not ownership and are fine.
  assert.equal(parsePolicyFile({ text: BASE + 'affiliations:\n  - { org: org_a, affiliate: org_b, relation: partner }\n  - { org: org_b, affiliate: org_a, relation: partner }\n' }).ok, true);
});

test('bad timestamps, statuses without clause and bad regexes are refused with lines', () => {
  const text = BASE.replace('    name: B\n    tier: free\n', '    name: B\n    tier: free\n    status: { value: suspended, reason: abuse, until: next tuesday }\n') +
    'keys:\n  - { name: ci, org: org_a, expires: 2026-13-01 }\n';
  const got = issues(text).map((i) => `${i.line} ${i.path}: ${i.message}`);
  assert.equal(got.length, 3, got.join('\n'));
  assert.ok(got.some((g) => /^18 orgs\[1\]\.status\.until: invalid timestamp/.test(g)), got.join('\n'));
  assert.ok(got.some((g) => /^18 orgs\[1\]\.status\.clause: status suspended needs the clause/.test(g)), got.join('\n'));
  assert.match(got[2]!, /^20 keys\[0\]\.expires: invalid timestamp/);

  const re = issues(BASE.replace('toolTypes: ["bash_*"]', 'userAgent: "(unclosed"'));
  assert.deepEqual(re.map((i) => [i.line, i.path, i.message]), [[10, 'features.coding_tools.match[0].userAgent', 'not a valid regular expression']]);
});

test('YAML syntax errors and duplicate ids are reported with lines', () => {
  const syntax = issues('orgs:\n  - id: a\n   name: x\n');
  assert.ok(syntax[0]!.line >= 2);
  const dup = issues(BASE + '  - id: org_a\n    name: again\n    tier: free\n');
  assert.deepEqual(dup.map((i) => [i.line, i.path, i.message]), [[18, 'orgs[2].id', 'duplicate org id "org_a"']]);
});

test('opaque sections accept any mapping, or the schema their owning module supplies (bad durations)', () => {
  const withLimits = BASE + 'limits:\n  window: 5x\n';
  assert.equal(parsePolicyFile({ text: withLimits }).ok, true);
  const limits = z.strictObject({ window: durationSchema });
  const got = issues(withLimits, { limits });
  assert.equal(got.length, 1);
  assert.equal(got[0]!.line, 19);
  assert.equal(got[0]!.path, 'limits.window');
  assert.match(got[0]!.message, /invalid duration/);
  assert.equal(parseDuration('5h'), 5 * 3_600_000);
  assert.equal(parseDuration('0s'), undefined);
  assert.equal(parseDuration('5 hours'), undefined);
});

test('a file that cannot be read is one clear issue', () => {
  const r = parsePolicyFile('/nonexistent/policy.yaml');
  assert.ok(!r.ok);
  assert.equal(r.issues[0]!.file, '/nonexistent/policy.yaml');
  assert.match(r.issues[0]!.message, /cannot read/);
});
