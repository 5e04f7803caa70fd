// One contract for every CaseStore and WebhookQueue backend.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Case } from '../../src/enforcement/case-model.js';
import { emptyEvidence } from '../../src/enforcement/case-evidence.js';
import { CaseConflictError, type CaseStore } from '../../src/enforcement/case-store.js';
import type { AuditRecord } from '../../src/enforcement/enforcement-target.js';
import type { WebhookQueue } from '../../src/enforcement/webhook-queue.js';

export interface Backend {
  cases: CaseStore;
  queue: WebhookQueue;
  /** Audit entries written so far (actions), to check saves carry them. */
  audited(): Promise<string[]>;
  /** A second handle on the same data, as after a restart. */
  reopen(): Promise<{ cases: CaseStore; queue: WebhookQueue }>;
  dispose(): Promise<void>;
}

const mk = (id: string, key: string, over: Partial<Case> = {}): Case => ({
  id, key, kind: 'org', title: 't', orgIds: [key.slice(4)], severity: 'high', status: 'open', labels: ['benchmarking'], confidence: 0.9, clause: 'c',
  actionsTaken: [], timeline: [], notes: [], evidence: emptyEvidence(), detections: 1, openedAt: '2026-08-01T10:00:00.000Z', updatedAt: '2026-08-01T10:00:00.000Z', version: 0, ...over,
});
const audit = (action: string): AuditRecord => ({ actor: 'automation:test', action, target: 'case' });

export function runEnforcementStoreContract(name: string, make: (() => Promise<Backend>) | undefined, skipMessage?: string): void {
  describe(`enforcement store contract: ${name}`, { skip: make ? false : skipMessage }, () => {
    let b: Backend;
    before(async () => {
      b = await (make as () => Promise<Backend>)();
    });
    after(async () => b?.dispose());

    test('save inserts, bumps the version, writes its audit entries; get and getByKey read it back', async () => {
      const saved = await b.cases.save(mk('case_1', 'org:org_a'), [audit('case.detected'), audit('case.proposed')]);
      assert.equal(saved.version, 1);
      assert.deepEqual((await b.cases.get('case_1'))?.labels, ['benchmarking']);
      assert.equal((await b.cases.getByKey('org:org_a'))?.id, 'case_1');
      assert.equal(await b.cases.get('nope'), undefined);
      const a = await b.audited();
      assert.ok(a.includes('case.detected') && a.includes('case.proposed'), a.join(','));
    });

    test('one case per key: a second new case for the same key conflicts', async () => {
      await assert.rejects(b.cases.save(mk('case_2', 'org:org_a'), []), CaseConflictError);
    });

    test('a stale version conflicts and writes nothing; the fresh one succeeds', async () => {
      const cur = (await b.cases.get('case_1')) as Case;
      await b.cases.save({ ...cur, status: 'actioned', updatedAt: '2026-08-01T10:01:00.000Z' }, []);
      await assert.rejects(b.cases.save({ ...cur, status: 'dismissed' }, [audit('case.stale')]), CaseConflictError);
      assert.equal((await b.cases.get('case_1'))?.status, 'actioned');
      assert.ok(!(await b.audited()).includes('case.stale'));
    });

    test('list filters by status, severity and org, newest first; data survives a reopen', async () => {
      await b.cases.save(mk('case_3', 'cluster:cl_1', { kind: 'cluster', orgIds: ['org_x', 'org_y'], severity: 'critical', updatedAt: '2026-08-01T11:00:00.000Z' }), []);
      assert.deepEqual((await b.cases.list()).map((c) => c.id), ['case_3', 'case_1']);
      assert.deepEqual((await b.cases.list({ status: 'actioned' })).map((c) => c.id), ['case_1']);
      assert.deepEqual((await b.cases.list({ severity: 'critical' })).map((c) => c.id), ['case_3']);
      assert.deepEqual((await b.cases.list({ orgId: 'org_y' })).map((c) => c.id), ['case_3']);
      const again = await b.reopen();
      assert.equal((await again.cases.get('case_3'))?.orgIds.length, 2);
    });

    test('list finds the cases holding any of several orgs, of one kind (the cases a linked cluster folds in)', async () => {
      await b.cases.save(mk('case_4', 'cluster:cl_2', { kind: 'cluster', orgIds: ['org_p', 'org_q'], updatedAt: '2026-08-01T12:00:00.000Z' }), []);
      await b.cases.save(mk('case_5', 'org:org_q', { updatedAt: '2026-08-01T12:30:00.000Z' }), []);
      const ids = async (q: Parameters<CaseStore['list']>[0]) => (await b.cases.list(q)).map((c) => c.id);
      assert.deepEqual(await ids({ anyOrg: ['org_y', 'org_q', 'org_none'] }), ['case_5', 'case_4', 'case_3']);
      assert.deepEqual(await ids({ anyOrg: ['org_y', 'org_q'], kind: 'cluster' }), ['case_4', 'case_3']);
      assert.deepEqual(await ids({ anyOrg: ['org_none'] }), []);
      assert.deepEqual(await ids({ anyOrg: ["o'; DROP TABLE enforcement_cases; --"], kind: 'org' }), []);
      assert.deepEqual(await ids({ kind: 'org', orgId: 'org_a' }), ['case_1']);
    });

    test('merged is a stored status; a case never takes a key another case holds', async () => {
      const cur = (await b.cases.get('case_4')) as Case;
      await assert.rejects(b.cases.save({ ...cur, key: 'cluster:cl_1' }, [audit('case.rekeyed')]), (e: unknown) => e instanceof CaseConflictError && e.code === 'conflict');
      assert.ok(!(await b.audited()).includes('case.rekeyed'));
      const merged = await b.cases.save({ ...cur, status: 'merged', mergedInto: 'case_3' }, []);
      assert.equal(merged.status, 'merged');
      assert.deepEqual((await b.cases.list({ status: 'merged' })).map((c) => [c.id, c.mergedInto]), [['case_4', 'case_3']]);
      assert.deepEqual((await b.cases.list({ anyOrg: ['org_p', 'org_y'], excludeStatus: 'merged' })).map((c) => c.id), ['case_3']);
      assert.deepEqual((await b.cases.list({ anyOrg: ['org_p', 'org_y', 'org_q'], limit: 1 })).map((c) => c.id), ['case_5']);
    });

    test('saveAll writes every case and its audit entries, or, when one conflicts, none', async () => {
      const three = (await b.cases.get('case_3')) as Case;
      const five = (await b.cases.get('case_5')) as Case;
      await assert.rejects(
        b.cases.saveAll([
          { case: { ...three, title: 'folded' }, audit: [audit('case.all_first')] },
          { case: { ...five, version: five.version + 5 }, audit: [audit('case.all_stale')] },
        ]),
        (e: unknown) => e instanceof CaseConflictError && e.code === 'stale_version',
      );
      assert.equal((await b.cases.get('case_3'))?.title, 't', 'the first save was rolled back');
      assert.equal((await b.cases.get('case_3'))?.version, three.version);
      assert.ok(!(await b.audited()).some((a) => a.startsWith('case.all_')));
      const saved = await b.cases.saveAll([
        { case: { ...three, title: 'folded' }, audit: [audit('case.all_first')] },
        { case: { ...five, status: 'merged', mergedInto: 'case_3' }, audit: [audit('case.all_second')] },
        { case: mk('case_6', 'cluster:cl_6', { kind: 'cluster', orgIds: ['org_z'] }), audit: [] },
      ]);
      assert.deepEqual(saved.map((c) => [c.id, c.version]), [['case_3', three.version + 1], ['case_5', five.version + 1], ['case_6', 1]]);
      assert.equal((await b.cases.get('case_5'))?.mergedInto, 'case_3');
      const a = await b.audited();
      assert.ok(a.includes('case.all_first') && a.includes('case.all_second'));
    });

    test('webhook queue: due ordering, retry scheduling, dead letters survive a reopen and can be re-driven', async () => {
      const t0 = new Date('2026-08-01T10:00:00.000Z');
      const d1 = await b.queue.enqueue({ target: 'ops', url: 'http://127.0.0.1:1/x', event: 'e', body: '{"a":1}', caseId: 'case_1' }, t0);
      const d2 = await b.queue.enqueue({ target: 'ops', url: 'http://127.0.0.1:1/y', event: 'e', body: '{"b":2}' }, new Date(t0.getTime() + 1000));
      assert.deepEqual((await b.queue.due(new Date(t0.getTime() + 5000), 10)).map((d) => d.id), [d1.id, d2.id]);
      await b.queue.markRetry(d1.id, 1, new Date(t0.getTime() + 60_000), 'HTTP 500', t0);
      assert.deepEqual((await b.queue.due(new Date(t0.getTime() + 5000), 10)).map((d) => d.id), [d2.id]);
      await b.queue.markDelivered(d2.id, 1, t0);
      await b.queue.markDead(d1.id, 8, 'HTTP 500', t0);
      const again = await b.reopen();
      const dead = await again.queue.list('dead');
      assert.deepEqual(dead.map((d) => [d.id, d.attempts, d.lastError, d.body, d.caseId]), [[d1.id, 8, 'HTTP 500', '{"a":1}', 'case_1']]);
      assert.equal(await again.queue.redrive(new Date(t0.getTime() + 100_000)), 1);
      const due = await again.queue.due(new Date(t0.getTime() + 100_000), 10);
      assert.deepEqual(due.map((d) => [d.id, d.attempts]), [[d1.id, 0]]);
      assert.equal((await again.queue.list('dead')).length, 0);
    });
  });
}
