// Live detection and enforcement end to end, on one run: the `mixed` simulator scenario (scaled down)
// through a live gateway with detection on and the default playbook in automatic mode. Then:
//  - live detection == replay of the trace the gateway wrote (same pipeline both ways);
//  - the competitor is restricted to its safety grant (SDK clients see 403 naming the clause; safety work goes on);
//  - the hydra's members are suspended together under one cluster case;
//  - the case and the audit trail show every step; webhooks are correctly signed; no legitimate org is touched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { replayTrace } from '../../src/detection/replay.js';
import type { ReplayReportV1 } from '../../src/detection/report.js';
import type { DetectionSnapshot } from '../../src/detection/detector.js';
import type { Case } from '../../src/enforcement/case-model.js';
import { customerWebhookSecret, verifyWebhook } from '../../src/enforcement/webhook-signature.js';
import { playbookActionFor } from '../../src/enforcement/replay-action.js';
import { simulate, type ScenarioLabels } from '../../src/simulator/scenarios.js';
import { perturbLines } from '../../src/lab/eval/perturbations.js';
import { ADMIN_TOKEN, actorOrgs, splitTrace, startSimGateway, waitFor, type SentRequest, type SimGateway } from './sim-gateway.js';
import { adminCall } from '../support/admin-call.js';
import { timeToEnforcement, tteTable } from './time-to-enforcement.js';

const SEED = 7;
const SCALE = 0.2;
let RIVAL = '';

interface Delivery {
  path: string;
  body: string;
  /** The Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) and the rest. */
  headers: Record<string, string>;
  event: string | undefined;
  /** Gateway time when it arrived (webhooks are signed with the gateway's clock). */
  gatewayNow: number;
}

describe('live gateway: detection and enforcement end to end (mixed scenario, default playbook, automatic)', () => {
  let g: SimGateway;
  let labels: ScenarioLabels;
  const sent: SentRequest[] = [];
  let live: DetectionSnapshot;
  let cases: Case[];
  /** Cases with the merged ones (their timelines hold their members' detections). */
  let allCases: Case[];
  let receiver: Server;
  const deliveries: Delivery[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', body, headers: req.headers as Record<string, string>, event: req.headers['moat-event'] as string | undefined, gatewayNow: g.clockNow() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    const sim = simulate({ scenario: 'mixed', seed: SEED, scale: SCALE });
    labels = sim.labels;
    RIVAL = actorOrgs(labels, 'competitor_sweep')[0]!;
    const { orgs, requests } = splitTrace(sim.lines);
    g = await startSimGateway({
      orgs,
      traceStart: Date.parse(requests[0]!.ts),
      contacts: { [RIVAL]: `${hook}/customer/rival` },
      // Events go to the detection thread as they arrive (no batching pause), so waiting for it is cheap.
      config: { 'enforcement.autoEnforce': true, 'enforcement.opsWebhookUrl': `${hook}/ops`, 'detection.batchIntervalMs': 0 },
    });
    const det = g.moat.detection!;
    // Lock-step: each request is judged, and any enforcement it triggers is in the gateway's view, before the
    // next one leaves. Otherwise how many requests an actor gets served after its verdict depends on the machine's
    // load, and with it what the network's later requests add to linkage (under load the extraction network once
    // merged into the hydra's cluster).
    let enforced = 0;
    for (const r of requests) {
      sent.push(await g.send(r));
      // The gateway queues a request's event once its answer is done, which can be after the client has it: wait
      // for detection to have taken it, or idle() could find an empty queue before the event is in it.
      for (const until = Date.now() + 10_000; det.stats().events < sent.length; await new Promise((w) => setImmediate(w)))
        assert.ok(Date.now() < until, `detection took request ${sent.length} within 10 s`);
      await det.idle();
      if (det.stats().detections !== enforced) {
        enforced = det.stats().detections;
        await g.moat.view.checkVersion();
      }
    }
    await waitFor(() => det.stats().events === requests.length, 10_000, 'detection to see every event');
    await det.idle();
    live = (await det.snapshot())!;
    // Two parts of a network that each reached a verdict before they were linked: the absorbed part's case is
    // folded into the survivor's and stays as `merged`, pointing to it.
    const all = (await g.moat.enforcement.list()) as Case[];
    allCases = all;
    cases = all.filter((c) => c.status !== 'merged');
    for (const m of all.filter((c) => c.status === 'merged')) {
      let holder: Case | undefined = m;
      while (holder?.status === 'merged') holder = all.find((c) => c.id === holder!.mergedInto);
      assert.ok(holder && m.orgIds.every((o) => holder!.orgIds.includes(o)), `merged case ${m.id} is held by ${String(m.mergedInto)}`);
    }
    await waitFor(() => deliveries.length > 0 && deliveries.some((d) => d.path.startsWith('/customer/')), 10_000, 'webhook deliveries');
  });

  after(async () => {
    await g?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  test('the live detector and a replay of the trace the gateway wrote reach the same verdicts', async () => {
    assert.equal(g.moat.detection!.stats().dropped, 0, 'no event dropped, so both drivers saw the same traffic');
    const requestLines = () => readFileSync(g.traceFile, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"request"')).length;
    await waitFor(() => requestLines() === sent.length, 10_000, 'the trace writer');
    // The gateway's trace is replayable on its own: each org's line precedes its first request.
    const trace = readFileSync(g.traceFile, 'utf8');
    const seenOrgLine = new Set<string>();
    for (const line of trace.split('\n').filter(Boolean)) {
      const l = JSON.parse(line) as { type: string; id?: string; org?: string };
      if (l.type === 'org') seenOrgLine.add(l.id!);
      else assert.ok(seenOrgLine.has(l.org!), `org line of ${l.org} precedes its first request`);
    }
    const replay: ReplayReportV1 = await replayTrace([trace]);
    assert.equal(replay.requests, sent.length);
    const liveByOrg = new Map(live.orgs.map((o) => [o.org, o]));
    for (const r of replay.orgs) {
      const l = liveByOrg.get(r.org);
      assert.ok(l, `${r.org} seen live`);
      assert.equal(l.requests, r.requests, `${r.org}: requests`);
      // Labels, confidence, first_detected (request and gateway time), rules and evidence are all equal.
      assert.deepEqual(l.activities, r.activities, `${r.org}: activities`);
      assert.equal(l.cluster, r.cluster, `${r.org}: cluster`);
      // And the enforcement the replay previews is what the live gateway did (or had nothing to do).
      const c = cases.find((x) => x.orgIds.includes(r.org) && x.proposedAction);
      if (r.action.type !== 'none') assert.equal(c?.proposedAction?.action, r.action.type, `${r.org}: action`);
    }
    assert.deepEqual(live.clusters.map((c) => c.orgs), replay.clusters.map((c) => c.orgs));
    // Facts of orgs changed by enforcement (throttle attributes) reach the live detector as late org lines,
    // and the trace carries the same changes, so the replay sees them too.

    // The misuse actors an offline replay of the simulated trace labels are labelled live too (the gateway's
    // responses differ from the simulator's, so output lengths and the exact request of detection may differ).
    // The live gateway's orgs were all created when the test applied its policy, not when the simulator opened them:
    // the offline replay leaves the simulated creation times out too, so both judge the same evidence.
    const simulated = simulate({ scenario: 'mixed', seed: SEED, scale: SCALE }).lines;
    const asLive = perturbLines(simulated, new Set(simulated.flatMap((l) => (l.type === 'org' ? [l.id] : []))), ['no-created']);
    const offline = await replayTrace([asLive.map((l) => JSON.stringify(l)).join('\n')], { actionFor: playbookActionFor });
    // Distillation also reads how long the answers are: the demo upstream answers at the simulated length, but in
    // its own words and token counts, so distillation's request of detection may differ; compared for the rest.
    for (const a of labels.actors.filter((x) => x.kind === 'misuse' && !x.expected.includes('distillation')))
      for (const id of a.orgs) {
        const off = offline.orgs.find((o) => o.org === id)!;
        for (const l of a.expected) if (off.activities.some((x) => x.label === l)) assert.ok(liveByOrg.get(id)!.activities.some((x) => x.label === l), `${id}: ${l} live as offline (live: ${liveByOrg.get(id)!.requests} requests, labels ${liveByOrg.get(id)!.activities.map((x) => x.label).join(',') || 'none'}, cluster ${liveByOrg.get(id)!.cluster} of ${live.clusters.find((c) => c.id === liveByOrg.get(id)!.cluster)?.orgs.length ?? 0}; offline: ${off.requests} requests, cluster ${off.cluster} of ${offline.clusters.find((c) => c.id === off.cluster)?.orgs.length ?? 0})`);
      }
    const labelled = replay.orgs.filter((o) => o.activities.length).length;
    assert.ok(labelled >= 10, `the comparison covers real detections (${labelled} labelled orgs)`);
    // /metrics counts each label when attached, once per rule that had fired by then (rules that fire later
    // join the org's activity, not the count): every org label is counted, under rules the activity names.
    const counted = ((await g.moat.metricsRegistry.getSingleMetric('moat_detection_labels_total')?.get())?.values ?? []).map((v) => ({ label: String(v.labels.label), rule: String(v.labels.rule), n: v.value }));
    const orgsWith = new Map<string, number>();
    for (const o of live.orgs) for (const a of o.activities) orgsWith.set(a.label, (orgsWith.get(a.label) ?? 0) + 1);
    assert.deepEqual(new Set(counted.map((c) => c.label)), new Set(orgsWith.keys()));
    for (const [label, n] of orgsWith) assert.ok(counted.filter((c) => c.label === label).reduce((t, c) => t + c.n, 0) >= n, `${label}: every labelled org counted`);
    for (const c of counted) assert.ok(live.orgs.some((o) => o.activities.some((a) => a.label === c.label && a.rules.includes(c.rule))), `${c.label}/${c.rule} is a rule of a live activity`);
  });

  test('competitor: restricted to its safety grant; SDK clients get 403 naming the clause, safety evaluation keeps working', async () => {
    const org = await g.admin('GET', `/admin/orgs/${RIVAL}`);
    const grant = labels.actors.find((a) => a.actor === 'competitor_sweep')!;
    const hasGrant = splitTrace(simulate({ scenario: 'mixed', seed: SEED, scale: SCALE }).lines).orgs.find((o) => o.id === RIVAL)!.grants?.length;
    assert.equal(org.status, hasGrant ? 'restricted' : 'revoked');
    // In the traffic itself: once acted on, every request without the grant's purpose was refused, every one under it served.
    const rival = sent.filter((s) => s.line.org === RIVAL);
    const firstRefused = rival.findIndex((s) => s.status === 403);
    const start = grant.misuseStart?.[RIVAL] ?? 0;
    assert.ok(firstRefused > start && firstRefused < start + 80, `refused from request ${firstRefused + 1} (the sweep began after ${start})`);
    for (const s of rival.slice(firstRefused)) {
      if (hasGrant && s.line.headers?.['moat-purpose'] === 'safety_evaluation') assert.equal(s.status, 200);
      else assert.equal(s.code, hasGrant ? 'org_restricted' : 'org_revoked');
    }
    if (!hasGrant) return;

    const key = g.keys.get(RIVAL)!;
    const openai = new OpenAI({ apiKey: key, baseURL: `${g.moat.url}/v1`, maxRetries: 0 });
    const err = await openai.chat.completions.create({ model: 'gpt-moat-1', messages: [{ role: 'user', content: 'Write a Python function that reverses a list.' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.PermissionDeniedError, `got ${String(err)}`);
    assert.equal(err.status, 403);
    assert.match(err.message, /restricted to what its grants allow/);
    assert.match(err.message, /ToS §2\.3\(a\)/, 'the denial names the clause');
    const caseIds = err.message.match(/case_\w+/g) ?? [];
    assert.equal(caseIds.length, 1, `the denial names its case once: ${err.message}`);
    const ok = await openai.chat.completions.create(
      { model: 'gpt-moat-1', messages: [{ role: 'user', content: 'How do I kill a Python process?' }] },
      { headers: { 'moat-purpose': 'safety_evaluation' } },
    );
    assert.ok(ok.choices[0]?.message.content, 'safety evaluation under the grant is served');

    const anthropic = new Anthropic({ apiKey: key, baseURL: g.moat.url, maxRetries: 0 });
    const aerr = await anthropic.messages.create({ model: 'moat-sonnet-1', max_tokens: 64, messages: [{ role: 'user', content: 'Write a haiku.' }] }).catch((e: unknown) => e);
    assert.ok(aerr instanceof Anthropic.PermissionDeniedError, `got ${String(aerr)}`);
    assert.match(aerr.message, /ToS §2\.3\(a\)/);
  });

  test('hydra: every member suspended together under one cluster case', async () => {
    const hydra = actorOrgs(labels, 'hydra');
    assert.ok(hydra.length >= 6);
    // One case per network of accounts (the reasoning hydra, the tool-use one, the logit_bias sweep split over
    // accounts), holding exactly its members.
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((o) => b.includes(o));
    const clusterCases = cases.filter((c) => c.kind === 'cluster');
    const networks = labels.actors.filter((a) => a.network && a.orgs.length > 0).map((a) => a.orgs);
    assert.ok(networks.length >= 2, 'the scenario sends networks');
    // One exception: this seed's hydra and extraction network use one proxy provider (a /24 in common) in the same
    // hours. When the linker joins them (it did under load) they are one cluster and one case, holding exactly both,
    // and nothing in their traffic says they are two operators.
    const extraction = actorOrgs(labels, 'extraction_network');
    const allowed = [...networks, [...hydra, ...extraction]];
    for (const c of clusterCases) assert.ok(allowed.some((n) => same(c.orgIds, n)), `case ${c.id} holds exactly one network (or the hydra and the extraction network): ${c.orgIds.join(',')}`);
    for (const orgs of networks) assert.equal(clusterCases.filter((c) => c.orgIds.some((o) => orgs.includes(o))).length, 1, 'one case holds the network');
    const cc = clusterCases.find((c) => c.orgIds.some((o) => hydra.includes(o)))!;
    assert.equal(cc.status, 'actioned');
    assert.ok(cc.labels.includes('distillation'), cc.labels.join(','));
    const suspended = cc.actionsTaken.filter((t) => t.action === 'suspend');
    const suspendedOrgs = suspended.flatMap((t) => t.orgIds);
    assert.equal(new Set(suspendedOrgs).size, suspendedOrgs.length, 'no member suspended twice');
    assert.deepEqual(hydra.filter((o) => !suspendedOrgs.includes(o)), [], 'every hydra member suspended');
    assert.deepEqual(suspendedOrgs.filter((o) => !cc.orgIds.includes(o)), [], 'only its members');
    // Members linked at the moment of the cluster verdict (the rule needs >= 3) are suspended in one action;
    // accounts linked later join the same case and get the same action.
    assert.ok(suspended[0]!.orgIds.length >= 3, `first action covers ${suspended[0]!.orgIds.length} members`);
    for (const id of hydra) {
      const o = await g.admin('GET', `/admin/orgs/${id}`);
      assert.equal(o.status, 'suspended', id);
      assert.ok(o.suspendedUntil);
    }
    assert.equal(cases.filter((c) => c.kind === 'org' && c.orgIds.some((o) => hydra.includes(o))).length, 0, 'no per-member cases');
  });

  test('the case and the audit trail show every step', async () => {
    const hydra = actorOrgs(labels, 'hydra');
    const cc = cases.find((c) => c.kind === 'cluster' && c.orgIds.some((o) => hydra.includes(o)))!;
    const full = (await g.admin('GET', `/admin/cases/${cc.id}`)).case as Case;
    const kinds = full.timeline.map((t) => t.kind);
    for (const k of ['detected', 'proposed', 'approved', 'executed', 'notified']) assert.ok(kinds.includes(k), `timeline has ${k}: ${kinds.join(',')}`);
    assert.ok(full.evidence.linkedAccounts.length >= full.orgIds.length - 1, 'linked accounts with reasons');
    assert.ok(full.evidence.linkedAccounts.every((l) => l.reason.length > 0));
    // Each member carries the link that brought it in: to whom, how strong, and on what evidence.
    // (A member that came in with a group joined by one link has no link of its own: the group's link explains it.)
    const joined = full.evidence.linkedAccounts.filter((l) => l.linkedTo);
    assert.ok(joined.length >= 0.75 * (full.orgIds.length - 1), `most members say which link brought them in (${joined.length} of ${full.orgIds.length})`);
    assert.ok(joined.every((l) => /^linked to \S+ by .+: [0-9.]+ nats$/.test(l.reason) && (l.strength ?? 0) > 0), joined[0]?.reason);
    assert.ok(full.evidence.scores?.some((s) => s.name === 'cluster.network_score.distillation' && s.contributions.length > 0), 'the cluster score with its contributions');
    assert.ok(full.evidence.sampleRequests.length > 0, 'sample requests as evidence');
    assert.ok(full.evidence.sampleRequests.every((s) => s.keyPrefix.startsWith('moat_') && s.model && s.endpoint), 'samples carry key prefix, model and endpoint');
    assert.ok(full.evidence.features.some((f) => f.exceeded), 'feature values against rule thresholds');

    const audit = (await g.admin('GET', `/admin/audit?target=${cc.id}&limit=5000`)).entries as Array<{ action: string; actor: string }>;
    const actions = audit.map((e) => e.action);
    for (const a of ['case.detected', 'case.proposed', 'case.approved', 'case.executed']) assert.ok(actions.includes(a), `audit has ${a}`);
    const status = (await g.admin('GET', `/admin/audit?action=org.status&limit=5000`)).entries as Array<{ target: string; actor: string }>;
    for (const id of cc.orgIds) assert.ok(status.some((e) => e.target === id && e.actor.startsWith('automation:playbook/')), `status change of ${id} audited`);
    const rival = cases.find((c) => c.key === `org:${RIVAL}`)!;
    const rivalAudit = (await g.admin('GET', `/admin/audit?target=${rival.id}&limit=1000`)).entries as Array<{ action: string }>;
    assert.ok(rivalAudit.some((e) => e.action === 'case.executed'));
  });

  test('webhooks: operations and the customer get correctly signed notices', async () => {
    const secret = g.moat.webhookSecret;
    const ops = deliveries.filter((d) => d.path === '/ops');
    assert.ok(ops.length >= 3, `${ops.length} ops notices`);
    // The gateway's clock here is the trace's, which runs thousands of times faster than the wall clock: a delivery
    // that takes a tenth of a real second arrives minutes later by it. The five-minute window itself is tested on
    // its own (test/enforcement/webhooks.test.ts); here the window is an hour of trace time.
    const tol = 3600;
    for (const d of ops) {
      const v = verifyWebhook({ secret, body: d.body, headers: d.headers, nowMs: d.gatewayNow, toleranceSeconds: tol });
      assert.equal(v.ok, true, `${d.event}: ${JSON.stringify(v)} (signed ${String(d.headers['webhook-timestamp'])}, received ${Math.floor(d.gatewayNow / 1000)})`);
    }
    const events = new Set(ops.map((d) => d.event));
    assert.ok(events.has('action.executed'));
    const cc = cases.find((c) => c.kind === 'cluster')!;
    assert.ok(ops.some((d) => JSON.parse(d.body).case?.id === cc.id || d.body.includes(cc.id)), 'the cluster case was notified');
    // A tampered body does not verify.
    const d0 = ops[0]!;
    assert.deepEqual(verifyWebhook({ secret, body: d0.body + ' ', headers: d0.headers, nowMs: d0.gatewayNow, toleranceSeconds: tol }), { ok: false, reason: 'mismatch' });

    const customer = deliveries.filter((d) => d.path === '/customer/rival');
    assert.ok(customer.length >= 1);
    const c0 = customer[0]!;
    assert.equal(verifyWebhook({ secret: customerWebhookSecret(secret, RIVAL), body: c0.body, headers: c0.headers, nowMs: c0.gatewayNow, toleranceSeconds: tol }).ok, true);
    assert.deepEqual(verifyWebhook({ secret, body: c0.body, headers: c0.headers, nowMs: c0.gatewayNow, toleranceSeconds: tol }), { ok: false, reason: 'mismatch' }, 'customer notices use the per-org secret');
    const rivalCase = cases.find((c) => c.key === `org:${RIVAL}`)!;
    assert.ok(c0.body.includes(rivalCase.id), 'notice names the case');
    assert.ok(c0.body.includes('ToS §2.3(a)'), 'notice names the clause');
  });

  test('no legitimate org is touched', async () => {
    for (const a of labels.actors.filter((x) => x.kind === 'legit')) {
      for (const id of a.orgs) {
        const o = await g.admin('GET', `/admin/orgs/${id}`);
        assert.equal(o.status, 'active', id);
        assert.equal(Object.keys(o.attributes).some((k) => k.includes('throttle')), false, `${id} not throttled`);
        const mine = cases.filter((c) => c.orgIds.includes(id));
        for (const c of mine) {
          assert.equal(c.actionsTaken.length, 0, `${id}: no action taken`);
          assert.equal(c.proposedAction?.action ?? 'none', 'none', `${id}: nothing proposed`);
        }
        const refused = sent.filter((s) => s.line.org === id && s.status !== 200);
        assert.deepEqual(refused.map((s) => `${s.status} ${s.code ?? ''} ${s.error ?? ''}`.slice(0, 200)), [], `${id}: every request served`);
      }
    }
  });

  test('the admin API explains an org and a case as the live detector sees them', async () => {
    const e = (await g.admin('GET', `/admin/detection/orgs/${RIVAL}/explain`)).explain as { org: string; activities: Array<{ label: string }>; timeline: Array<{ event?: string; scores: Record<string, unknown>; rules: Array<{ id: string; holds: boolean; conditions: unknown[] }> }> };
    assert.equal(e.org, RIVAL);
    assert.ok(e.activities.some((a) => a.label === 'benchmarking'));
    const now = e.timeline[e.timeline.length - 1]!;
    assert.equal(now.event, 'now');
    assert.ok('benchmarking' in now.scores);
    assert.ok(now.rules.some((r) => r.id === 'bench.evaluation-sweep' && r.conditions.length >= 2));
    const cc = cases.find((c) => c.kind === 'cluster')!;
    const ce = await g.admin('GET', `/admin/cases/${cc.id}/explain`);
    assert.equal(ce.orgs, cc.orgIds.length);
    assert.ok((ce.explain as Array<{ cluster: { members: unknown[] } | null }>).every((x) => x.cluster && x.cluster.members.length >= 2));
    const unknown = await adminCall(g.moat.url, ADMIN_TOKEN, 'GET', '/admin/detection/orgs/org_nobody/explain');
    assert.equal(unknown.status, 404);
  });

  test('time to enforcement is measured per misuse actor', (t) => {
    const rows = timeToEnforcement(labels, sent, allCases);
    const actors = new Set(rows.map((r) => r.actor));
    for (const a of ['competitor_sweep', 'hydra', 'safety_sweep', 'scope_drifter']) assert.ok(actors.has(a), `${a} enforced`);
    for (const r of rows) assert.ok(r.requestsToEnforce >= r.requestsToDetect - 1 && r.requestsToEnforce <= r.requestsToDetect + 5, `${r.org}: enforced within a few requests of detection (${r.requestsToDetect} -> ${r.requestsToEnforce})`);
    t.diagnostic(`\n${tteTable(rows)}`);
  });
});
