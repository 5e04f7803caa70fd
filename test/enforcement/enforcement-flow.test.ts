// Detection -> playbook -> case -> approval -> execution -> signed notices, over the memory store, a fake
// enforcement target and a real local webhook receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryCaseStore } from '../../src/enforcement/case-store.js';
import { CaseTransitionError, CLAIM_LEASE_MS } from '../../src/enforcement/case-transitions.js';
import { defaultPlaybooks } from '../../src/enforcement/default-playbook.js';
import type { Detection, OrgFacts } from '../../src/enforcement/detection-input.js';
import type { AuditRecord, EnforcementTarget, OrgStatusChange, ThrottleOverride } from '../../src/enforcement/enforcement-target.js';
import { EnforcementService, MergedCaseError } from '../../src/enforcement/enforcement-service.js';
import { MemoryWebhookQueue } from '../../src/enforcement/webhook-queue.js';
import { WebhookNotifier } from '../../src/enforcement/webhook-notifier.js';
import { customerWebhookSecret, verifyWebhook } from '../../src/enforcement/webhook-signature.js';
import { WebhookAddressPolicy } from '../../src/enforcement/webhook-address.js';

const SECRET = 'provider-secret-for-flow-tests';

function world(receiverUrl: string, autoEnforce = false) {
  let clockMs = Date.parse('2026-08-01T10:00:00Z');
  const clock = { now: () => clockMs };
  const audit: AuditRecord[] = [];
  const appender = { append: async (e: AuditRecord) => void audit.push(e) };
  const status = new Map<string, OrgStatusChange>();
  const throttles = new Map<string, ThrottleOverride | null>();
  const target: EnforcementTarget = {
    async setOrgStatus(org, c) {
      if (org === 'org_gone') throw new Error('no such org');
      status.set(org, c);
    },
    async setThrottle(org, t) {
      throttles.set(org, t);
    },
  };
  const orgs: Record<string, OrgFacts> = {
    org_rival: { name: 'Rival Labs', attributes: { competitor: true }, grants: ['safety_evaluation'], affiliates: [{ org: 'org_startup', relation: 'acquirer' }], contactWebhook: `${receiverUrl}/customer/org_rival` },
    org_bare: { name: 'Bare Competitor', attributes: { competitor: true }, grants: [], affiliates: [] },
    org_h1: { attributes: {}, grants: [], affiliates: [], contactWebhook: `${receiverUrl}/customer/org_h1` },
  };
  const queue = new MemoryWebhookQueue();
  const notifier = new WebhookNotifier({ queue, clock, random: () => 0, addresses: new WebhookAddressPolicy(['127.0.0.0/8']), secretFor: (t) => (t === 'ops' ? SECRET : customerWebhookSecret(SECRET, t.slice('customer:'.length))) });
  let n = 0;
  const store = new MemoryCaseStore(appender);
  const svc = new EnforcementService({
    store, target, audit: appender, notifier, opsWebhookUrl: `${receiverUrl}/ops`, clock,
    playbooks: () => defaultPlaybooks({ autoEnforce }), orgFacts: async (id) => orgs[id], clauseText: (ref) => (ref === 'tos-2.3a' ? 'ToS §2.3(a): no benchmarking competing models' : ref),
    newCaseId: () => `case_${++n}`,
  });
  return { svc, store, audit, status, throttles, notifier, queue, advance: (ms: number) => (clockMs += ms), clock };
}

const bench = (org: string, extra: Partial<Detection> = {}): Detection => ({
  org,
  requests: 57,
  activities: [{ label: 'benchmarking', confidence: 0.95, first_detected: { request: 57, ts: '2026-08-01T09:59:00.000Z' }, rules: ['bench.known-items'],
    evidence: { thresholds: [{ feature: 'w.bench_share', op: '>=', value: 0.3, actual: 0.82 }], samples: ['Solve: def add(a, b): # key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA'], benchmarks: { HumanEval: 41 } } }],
  cluster: null,
  ...extra,
});

describe('enforcement flow', () => {
  let server: Server;
  let base: string;
  const got: Array<{ path: string; body: string; headers: Record<string, string> }> = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        got.push({ path: req.url ?? '', body, headers: req.headers as Record<string, string> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('competitor benchmarking: restrict proposed, approved by an admin, executed, notified, audited', async () => {
    got.length = 0;
    const w = world(base);
    const opened = await w.svc.onDetection(bench('org_rival'));
    assert.equal(opened.status, 'open');
    assert.equal(opened.proposedAction?.action, 'restrict');
    assert.equal(opened.proposedAction?.requiresApproval, true);
    assert.equal(w.status.size, 0, 'nothing happens before approval');
    // evidence: redacted sample, benchmark, feature vs threshold, linked affiliate
    assert.ok(!JSON.stringify(opened.evidence).includes('sk-ant-api03'));
    assert.match(opened.evidence.sampleRequests[0]?.excerpt ?? '', /\[redacted\]/);
    assert.deepEqual(opened.evidence.matchedBenchmarks, [{ benchmark: 'HumanEval', matches: 41 }]);
    assert.deepEqual(opened.evidence.features[0], { name: 'w.bench_share', value: 0.82, threshold: 0.3, comparison: '>=', exceeded: true, rule: 'bench.known-items' });
    assert.equal(opened.evidence.linkedAccounts[0]?.orgId, 'org_startup');

    const again = await w.svc.onDetection(bench('org_rival'));
    assert.equal(again.id, opened.id, 'a later detection updates the same case');
    assert.equal((await w.svc.list()).length, 1);
    assert.equal(again.detections, 2);

    await assert.rejects(w.svc.approve(opened.id, 'alice', '  '), CaseTransitionError);
    const approved = await w.svc.approve(opened.id, 'alice', 'confirmed sweep of HumanEval');
    assert.equal(approved.status, 'actioned');
    assert.deepEqual(w.status.get('org_rival'), { status: 'restricted', reason: opened.title, clause: 'tos-2.3a', caseId: opened.id });
    assert.deepEqual(approved.timeline.map((s) => s.kind), ['detected', 'proposed', 'approved', 'executed', 'notified', 'notified']);
    assert.equal(approved.timeline[2]?.actor, 'alice');
    assert.deepEqual(w.audit.map((a) => a.action), ['case.detected', 'case.proposed', 'case.approved', 'enforcement.restrict', 'case.executed', 'case.notified', 'case.notified']);

    await w.notifier.deliverDue();
    const customer = got.find((g) => g.path === '/customer/org_rival');
    assert.ok(customer);
    assert.equal(verifyWebhook({ secret: customerWebhookSecret(SECRET, 'org_rival'), body: customer.body, headers: customer.headers, nowMs: w.clock.now() }).ok, true);
    const notice = JSON.parse(customer.body);
    assert.equal(notice.caseId, opened.id);
    assert.deepEqual(notice.clause, { id: 'tos-2.3a', text: 'ToS §2.3(a): no benchmarking competing models' });
    assert.ok(!customer.body.includes('HumanEval') && !customer.body.includes('Solve'), 'no internal evidence in the customer notice');
    const ops = got.filter((g) => g.path === '/ops').map((g) => JSON.parse(g.body).type);
    assert.deepEqual(ops, ['moat.action.proposed', 'moat.action.executed']);

    const appealed = await w.svc.appeal(opened.id, 'bob', 'customer says it was safety work');
    assert.equal(appealed.status, 'appealed');
    const back = await w.svc.reinstate(opened.id, 'alice', 'appeal accepted');
    assert.equal(back.status, 'reinstated');
    assert.equal(w.status.get('org_rival')?.status, 'active');
    assert.equal(w.throttles.get('org_rival'), null);
    await assert.rejects(w.svc.dismiss(opened.id, 'alice', 'x'), CaseTransitionError);
  });

  test('auto_enforce: competitor without a grant is revoked at once; dismissing needs an open case', async () => {
    const w = world(base, true);
    const c = await w.svc.onDetection(bench('org_bare'));
    assert.equal(c.status, 'actioned');
    assert.equal(w.status.get('org_bare')?.status, 'revoked');
    assert.equal(c.actionsTaken[0]?.by, 'automation:playbook/competitor-benchmarking');
  });

  test('distillation hydra: every member suspended together, one case; late members get it too; failures recorded', async () => {
    const w = world(base);
    const cluster = { id: 'cl_1', orgs: ['org_h1', 'org_h2', 'org_gone'] };
    const d = (org: string, orgs = cluster.orgs): Detection => ({ org, activities: [{ label: 'distillation', confidence: 0.9, first_detected: { request: 30, ts: '2026-08-01T09:00:00.000Z' }, rules: ['distill.linked-cluster'], evidence: { links: { cluster: 'cl_1', orgs: 3, members: [{ org: 'org_h1' }, { org: 'org_h2', via: { to: 'org_h1', strength: 9.4, reasons: [{ kind: 'ip24', value: '203.0.113.0/24', detail: '2 other orgs use it', nats: 4.1 }, { kind: 'co_activity', detail: '18 shared buckets, 4 expected', nats: 5.3 }] } }] } } }], cluster: { id: 'cl_1', orgs } });
    const c = await w.svc.onDetection(d('org_h1'));
    assert.equal(c.kind, 'cluster');
    assert.equal(c.status, 'actioned');
    assert.equal(w.status.get('org_h1')?.status, 'suspended');
    assert.equal(w.status.get('org_h2')?.until, '2026-08-31T10:00:00.000Z');
    assert.ok(c.timeline.some((s) => s.kind === 'execution_failed' && s.text.startsWith('org_gone')));
    const h2 = c.evidence.linkedAccounts.find((l) => l.orgId === 'org_h2')!;
    assert.match(h2.reason, /^linked to org_h1 by network \/24 203\.0\.113\.0\/24 \(2 other orgs use it, 4\.1\); co-activity \(18 shared buckets, 4 expected, 5\.3\): 9\.4 nats$/);
    assert.deepEqual([h2.linkedTo, h2.strength], ['org_h1', 9.4]);
    assert.equal(c.evidence.linkedAccounts.find((l) => l.orgId === 'org_h1')?.reason, 'first account of the cluster');
    const c2 = await w.svc.onDetection(d('org_h2'));
    assert.equal(c2.id, c.id);
    assert.equal(c2.actionsTaken.length, 1, 'no re-execution for a member already suspended');
    const c3 = await w.svc.onDetection(d('org_h4', [...cluster.orgs, 'org_h4']));
    assert.equal(c3.id, c.id);
    assert.equal(w.status.get('org_h4')?.status, 'suspended');
    assert.deepEqual(c3.actionsTaken.at(-1)?.orgIds, ['org_h4']);
  });

  // Two parts of one network can each reach a verdict before the linker joins them; the joined cluster keeps one
  // id and its next detection names every member.
  const linked = (org: string, id: string, orgs: string[], label: 'distillation' | 'model_extraction' = 'distillation'): Detection => ({
    org, activities: [{ label, confidence: 0.9, first_detected: { request: 30, ts: '2026-08-01T09:00:00.000Z' }, rules: [label === 'distillation' ? 'distill.linked-cluster' : 'extract.networked-logit-sweep'], evidence: {} }], cluster: { id, orgs },
  });
  const A = ['org_a1', 'org_a2', 'org_a3'];
  const B = ['org_b1', 'org_b2', 'org_b3'];
  /** Orgs each `enforcement.<action>` audit entry names, in order (one entry per org per execution). */
  const executed = (w: ReturnType<typeof world>, action: string) => w.audit.filter((e) => e.action === `enforcement.${action}`).map((e) => e.target).sort();
  const rejectsDecision = (p: Promise<unknown>) => assert.rejects(p, (e: unknown) => e instanceof CaseTransitionError && e.code === 'invalid_transition');

  test('two parts of one network, each actioned before they were linked, end under one case; the other is merged', async () => {
    const w = world(base);
    const ca = await w.svc.onDetection(linked('org_a1', 'cl_a', A));
    w.advance(60_000);
    const cb = await w.svc.onDetection(linked('org_b1', 'cl_b', B));
    assert.deepEqual([ca.status, cb.status], ['actioned', 'actioned']);
    w.advance(60_000);
    const one = await w.svc.onDetection(linked('org_b2', 'cl_a', [...A, ...B]));
    assert.equal(one.id, ca.id);
    assert.deepEqual([...one.orgIds].sort(), [...A, ...B].sort());
    assert.deepEqual(one.actionsTaken.filter((t) => t.action === 'suspend').flatMap((t) => t.orgIds).sort(), [...A, ...B].sort());
    assert.deepEqual(executed(w, 'suspend'), [...A, ...B].sort(), 'each member suspended once: the folded case brings its action, nothing runs again');
    assert.ok(one.timeline.some((s) => s.kind === 'merged' && s.data?.caseId === cb.id));
    const merged = (await w.svc.get(cb.id))!;
    assert.deepEqual([merged.status, merged.mergedInto], ['merged', ca.id]);
    assert.deepEqual((await w.svc.list()).filter((c) => c.status !== 'merged').map((c) => c.id), [ca.id]);
    for (const decide of [w.svc.approve, w.svc.dismiss, w.svc.appeal, w.svc.reinstate]) await rejectsDecision(decide.call(w.svc, cb.id, 'admin', 'ok'));
    assert.equal((await w.svc.addNote(cb.id, 'analyst', 'see the network case')).notes.length, 1, 'notes stay possible');
    // A detection still naming the absorbed cluster goes to the case that holds it.
    const again = await w.svc.onDetection(linked('org_b3', 'cl_b', B));
    assert.equal(again.id, ca.id);
    assert.equal(again.timeline.filter((s) => s.kind === 'merged').length, 1);
    // Reinstating the network's case lifts every member's suspension, those the folded case had taken included.
    await w.svc.reinstate(ca.id, 'admin', 'appeal upheld');
    for (const o of [...A, ...B]) assert.equal(w.status.get(o)?.status, 'active', o);
  });

  test('a folded part awaiting approval, or already actioned, never has its action carried out twice', async () => {
    // The survivor awaits an admin's approval; the absorbed part was suspended automatically.
    const w = world(base);
    const ca = await w.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    assert.equal(ca.status, 'open');
    await w.svc.onDetection(linked('org_b1', 'cl_b', B));
    const one = await w.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'));
    assert.equal(one.status, 'open');
    assert.deepEqual([...one.proposedAction!.orgIds].sort(), [...A, ...B].sort());
    await w.svc.approve(ca.id, 'admin', 'confirmed');
    assert.deepEqual(executed(w, 'suspend'), [...A, ...B].sort(), 'approval suspends the survivor\'s members, not the part already suspended');
    // The survivor was suspended automatically; the absorbed part awaited approval: the next detection extends it.
    const w2 = world(base);
    const cc = await w2.svc.onDetection(linked('org_a1', 'cl_a', A));
    const pending = await w2.svc.onDetection(linked('org_b1', 'cl_b', B, 'model_extraction'));
    assert.equal(pending.status, 'open');
    const joined = await w2.svc.onDetection(linked('org_a3', 'cl_a', [...A, ...B]));
    assert.equal(joined.id, cc.id);
    assert.equal(joined.status, 'actioned');
    assert.deepEqual(executed(w2, 'suspend'), [...A, ...B].sort());
    assert.equal((await w2.svc.get(pending.id))?.status, 'merged');
  });

  test('a dismissed survivor takes the folded part\'s standing action; a reinstated part brings none', async () => {
    const w = world(base);
    const ca = await w.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    await w.svc.dismiss(ca.id, 'admin', 'a course, not a network');
    await w.svc.onDetection(linked('org_b1', 'cl_b', B));
    const one = await w.svc.onDetection(linked('org_b2', 'cl_a', [...A, ...B]));
    assert.equal(one.id, ca.id);
    assert.equal(one.status, 'actioned', 'the folded suspension stands, so the case can be reinstated');
    const lifted = await w.svc.reinstate(ca.id, 'admin', 'lifted after review');
    assert.equal(lifted.status, 'reinstated');
    for (const o of B) assert.equal(w.status.get(o)?.status, 'active', o);

    // The absorbed part was reinstated by an admin: its lifted suspension is history, not an action in force.
    const w2 = world(base);
    const cb = await w2.svc.onDetection(linked('org_b1', 'cl_b', B));
    await w2.svc.reinstate(cb.id, 'admin', 'false positive');
    const cx = await w2.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    const one2 = await w2.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'));
    assert.equal(one2.id, cx.id);
    assert.deepEqual(one2.actionsTaken, [], 'no action in force came with the reinstated part');
    await w2.svc.approve(cx.id, 'admin', 'confirmed');
    assert.deepEqual(executed(w2, 'suspend'), [...B, ...A].sort(), 'B once (before its reinstatement), A once');
    for (const o of B) assert.equal(w2.status.get(o)?.status, 'active', `${o} stays reinstated`);
  });

  test('accounts a folded case adds to an action that needs approval wait for it; an appeal upheld, a dismissal and an expiry leave nothing stuck', async () => {
    // Survivor approved and actioned, absorbed part awaiting approval: the case waits again, for B only.
    const w = world(base);
    const ca = await w.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    await w.svc.approve(ca.id, 'admin', 'confirmed');
    await w.svc.onDetection(linked('org_b1', 'cl_b', B, 'model_extraction'));
    const one = await w.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'));
    assert.equal(one.status, 'open');
    await w.svc.approve(ca.id, 'admin', 'the rest of the network');
    assert.deepEqual(executed(w, 'suspend'), [...A, ...B].sort());

    // Survivor under appeal, absorbed part awaiting approval: upholding the action covers B too.
    const w2 = world(base);
    const cx = await w2.svc.onDetection(linked('org_a1', 'cl_a', A));
    await w2.svc.appeal(cx.id, 'analyst', 'the customer disputes it');
    await w2.svc.onDetection(linked('org_b1', 'cl_b', B, 'model_extraction'));
    assert.equal((await w2.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'))).status, 'appealed');
    await w2.svc.approve(cx.id, 'admin', 'appeal rejected');
    assert.deepEqual(executed(w2, 'suspend'), [...A, ...B].sort());

    // Survivor awaiting approval, absorbed part suspended: dismissing the survivor still leaves a way to lift B.
    const w3 = world(base);
    const cy = await w3.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    await w3.svc.onDetection(linked('org_b1', 'cl_b', B));
    await w3.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'));
    await w3.svc.dismiss(cy.id, 'admin', 'not a network');
    for (const o of B) assert.equal(w3.status.get(o)?.status, 'suspended', o);
    assert.equal((await w3.svc.reinstate(cy.id, 'admin', 'lift what the folded case did')).status, 'reinstated');
    for (const o of B) assert.equal(w3.status.get(o)?.status, 'active', o);

    // The absorbed part's suspension expired before the fold: approval suspends B again.
    const w4 = world(base);
    await w4.svc.onDetection(linked('org_b1', 'cl_b', B));
    w4.advance(31 * 86_400_000);
    const cz = await w4.svc.onDetection(linked('org_a1', 'cl_a', A, 'model_extraction'));
    await w4.svc.onDetection(linked('org_a2', 'cl_a', [...A, ...B], 'model_extraction'));
    await w4.svc.approve(cz.id, 'admin', 'confirmed');
    assert.deepEqual(executed(w4, 'suspend'), [...A, ...B, ...B].sort());
  });

  test('a surviving cluster with no case of its own gets a new one; the old id keeps pointing to it, along a chain', async () => {
    const w = world(base);
    const C = ['org_c1', 'org_c2', 'org_c3'];
    const first = await w.svc.onDetection(linked('org_c1', 'cl_c', C));
    const later = await w.svc.onDetection(linked('org_d1', 'cl_d', [...C, 'org_d1']));
    assert.notEqual(later.id, first.id);
    assert.equal(later.key, 'cluster:cl_d');
    assert.equal(w.status.get('org_d1')?.status, 'suspended', 'the newly linked member gets the action');
    assert.deepEqual(executed(w, 'suspend'), [...C, 'org_d1'].sort(), 'the absorbed members are not suspended again');
    assert.equal((await w.svc.get(first.id))?.mergedInto, later.id);
    const back = await w.svc.onDetection(linked('org_c2', 'cl_c', C));
    assert.equal(back.id, later.id, 'a detection naming the old cluster goes to the case holding it');
    assert.equal(back.timeline.filter((s) => s.kind === 'merged').length, 1);
    // cl_d is linked into cl_e in turn: cl_c still reaches the case that holds everything.
    const top = await w.svc.onDetection(linked('org_e1', 'cl_e', [...C, 'org_d1', 'org_e1']));
    assert.equal((await w.svc.onDetection(linked('org_c3', 'cl_c', C))).id, top.id);
    assert.deepEqual(executed(w, 'suspend'), [...C, 'org_d1', 'org_e1'].sort());
    // A merged case whose holder is gone is reported, not papered over with a second case for its key.
    const orphan = structuredClone((await w.svc.get(first.id))!);
    await w.store.save({ ...orphan, mergedInto: 'case_missing' }, []);
    await assert.rejects(w.svc.onDetection(linked('org_c1', 'cl_c', C)), (e: unknown) => e instanceof MergedCaseError && e.code === 'conflict' && /finds no case/.test(e.message));
    // Nor is a loop of merged cases followed forever.
    const holder = structuredClone((await w.svc.get(top.id))!);
    await w.store.save({ ...holder, status: 'merged', mergedInto: first.id }, []);
    await w.store.save({ ...structuredClone((await w.svc.get(first.id))!), mergedInto: top.id }, []);
    await assert.rejects(w.svc.onDetection(linked('org_c1', 'cl_c', C)), (e: unknown) => e instanceof MergedCaseError && /finds a loop/.test(e.message));
  });

  test('safety probing is throttled automatically; non-competitor benchmarking is only recorded', async () => {
    const w = world(base);
    const probe: Detection = { org: 'org_p', activities: [{ label: 'safety_probing', confidence: 0.9, first_detected: { request: 25, ts: '2026-08-01T09:00:00.000Z' }, rules: ['safety.unauthorised-sweep'], evidence: {} }], cluster: null };
    const c = await w.svc.onDetection(probe);
    assert.equal(c.status, 'actioned');
    assert.deepEqual(w.throttles.get('org_p'), { factor: 0.1, until: '2026-08-02T10:00:00.000Z', clause: 'aup-safety', caseId: c.id });
    const rec = await w.svc.onDetection(bench('org_legit'));
    assert.equal(rec.status, 'open');
    assert.equal(rec.proposedAction, undefined);
    assert.equal(w.status.has('org_legit'), false);
    const dismissed = await w.svc.dismiss(rec.id, 'alice', 'customer evaluating on its own tasks');
    assert.equal(dismissed.status, 'dismissed');
  });

  test('two workers acting on one cluster at once carry its action out once per org; a claim its worker never finished expires', async () => {
    let clockMs = Date.parse('2026-08-01T10:00:00Z');
    const audit: AuditRecord[] = [];
    const appender = { append: async (e: AuditRecord) => void audit.push(e) };
    const suspended: string[] = [];
    let entered = 0;
    let gate: Promise<void> | undefined;
    const target: EnforcementTarget = {
      async setOrgStatus(org, c) {
        entered++;
        if (gate) await gate;
        if (c.status === 'suspended') suspended.push(org);
      },
      async setThrottle() {},
    };
    const store = new MemoryCaseStore(appender);
    let n = 0;
    // Two detection workers: two services over one store and one target.
    const worker = () =>
      new EnforcementService({
        store, target, audit: appender, clock: { now: () => clockMs }, playbooks: () => defaultPlaybooks({ autoEnforce: false }),
        orgFacts: async () => ({ attributes: {}, grants: [], affiliates: [] }), clauseText: (r) => r, newCaseId: () => `case_${++n}`,
      });
    const [w1, w2] = [worker(), worker()];
    const until = async (cond: () => boolean) => {
      for (let i = 0; !cond(); i++) {
        assert.ok(i < 10_000, 'the workers got there');
        await new Promise((r) => setImmediate(r));
      }
    };
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    // Worker 1 has saved the case and is suspending the members when worker 2's detection of the same cluster,
    // one account larger, is saved after it.
    const first = w1.onDetection(linked('org_a1', 'cl_a', A));
    await until(() => entered === 1);
    const second = w2.onDetection(linked('org_a2', 'cl_a', [...A, 'org_a4']));
    await until(() => entered === 2);
    // Reinstating now would lift before the suspensions land.
    await rejectsDecision(w2.reinstate((await store.getByKey('cluster:cl_a'))!.id, 'admin', 'appeal upheld'));
    open();
    gate = undefined;
    const [, c2] = await Promise.all([first, second]);
    assert.deepEqual([...suspended].sort(), [...A, 'org_a4'].sort(), 'each member suspended once: the second worker took only the new account');
    const c = (await store.get(c2.id))!;
    assert.deepEqual(c.actionsTaken.flatMap((t) => t.orgIds).sort(), [...A, 'org_a4'].sort());
    assert.equal(c.claims, undefined, 'both workers recorded what they did');

    // A worker that dies while suspending leaves its claim: it holds the orgs for the lease, then the next
    // detection carries the action out.
    suspended.length = 0;
    gate = new Promise(() => undefined);
    const calls = entered;
    void w1.onDetection(linked('org_b1', 'cl_b', B));
    await until(() => entered === calls + 1);
    gate = undefined;
    clockMs += CLAIM_LEASE_MS - 1_000;
    await w2.onDetection(linked('org_b2', 'cl_b', B));
    assert.deepEqual(suspended, [], 'within the lease the claim holds');
    clockMs += 2_000;
    const taken = await w2.onDetection(linked('org_b3', 'cl_b', B));
    assert.deepEqual([...suspended].sort(), [...B].sort());
    assert.equal(taken.claims, undefined);

    // A case folded into another while its worker is still suspending: the claim moves with it, the survivor's
    // detection leaves those accounts alone, and the worker records what it did on the case that holds it.
    suspended.length = 0;
    const C = ['org_c1', 'org_c2', 'org_c3'];
    const D = ['org_d1', 'org_d2', 'org_d3'];
    await w2.onDetection(linked('org_c1', 'cl_c', C));
    let release!: () => void;
    gate = new Promise((r) => (release = r));
    const busy = entered;
    const slow = w1.onDetection(linked('org_d1', 'cl_d', D));
    await until(() => entered === busy + 1);
    gate = undefined;
    const joined = await w2.onDetection(linked('org_c2', 'cl_c', [...C, ...D]));
    release();
    await slow;
    const holder = (await store.get(joined.id))!;
    assert.deepEqual([...suspended].sort(), [...C, ...D].sort(), 'each account of both parts suspended once');
    assert.deepEqual(holder.actionsTaken.flatMap((t) => t.orgIds).sort(), [...C, ...D].sort(), 'the folded part\'s suspensions are recorded on the case that holds it');
    assert.equal(holder.claims, undefined);
    const merged = (await w2.list({ status: 'merged' })).find((m) => m.orgIds.includes('org_d1'))!;
    assert.equal(merged.claims, undefined);

    // An approval whose worker died: approving again is refused while its claim holds, then carries it out.
    suspended.length = 0;
    const E = ['org_e1', 'org_e2', 'org_e3'];
    const proposed = await w1.onDetection(linked('org_e1', 'cl_e', E, 'model_extraction'));
    assert.equal(proposed.status, 'open');
    gate = new Promise(() => undefined);
    const approving = entered;
    void w1.approve(proposed.id, 'admin', 'confirmed');
    await until(() => entered === approving + 1);
    gate = undefined;
    await rejectsDecision(w2.approve(proposed.id, 'admin', 'again'));
    clockMs += CLAIM_LEASE_MS + 1_000;
    const again = await w2.approve(proposed.id, 'admin', 'the first approval never finished');
    assert.deepEqual([...suspended].sort(), [...E].sort());
    assert.equal(again.claims, undefined);
    await rejectsDecision(w2.approve(proposed.id, 'admin', 'a third time'));
  });

  test('an action whose notices cannot be queued is still recorded, so it is not carried out again', async () => {
    const w = world(base);
    const down = new MemoryWebhookQueue();
    down.enqueue = async () => {
      throw new Error('the store is unavailable');
    };
    const notifier = new WebhookNotifier({ queue: down, clock: w.clock, random: () => 0, addresses: new WebhookAddressPolicy(['127.0.0.0/8']), secretFor: () => SECRET });
    const calls: string[] = [];
    const target: EnforcementTarget = { setOrgStatus: async (org) => void calls.push(org), setThrottle: async () => undefined };
    const svc = new EnforcementService({
      store: w.store, target, audit: { append: async () => undefined }, notifier, opsWebhookUrl: `${base}/ops`, clock: w.clock,
      playbooks: () => defaultPlaybooks({ autoEnforce: false }), orgFacts: async () => ({ attributes: {}, grants: [], affiliates: [] }), newCaseId: () => 'case_n1',
    });
    const c = await svc.onDetection(linked('org_a1', 'cl_a', A));
    assert.deepEqual(c.actionsTaken.flatMap((t) => t.orgIds).sort(), [...A].sort());
    assert.equal(c.claims, undefined);
    assert.match(c.timeline.find((t) => t.kind === 'notice_failed')?.text ?? '', /the store is unavailable/);
    w.advance(CLAIM_LEASE_MS + 1_000);
    await svc.onDetection(linked('org_a2', 'cl_a', A));
    assert.deepEqual(calls.sort(), [...A].sort(), 'each member suspended once');
  });
});
