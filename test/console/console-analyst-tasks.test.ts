// The analyst's daily work in a real browser (Debian's Chromium via playwright-core) against a real gateway:
// seeing what was refused after an action, following links between orgs, cases and the audit trail, finding
// an audit entry by org name, re-enabling a key, and every page at phone width. Screenshots of the pages these
// tasks use go to docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserTestSkip, SHOTS, startConsoleBrowser } from './console-harness.js';

test('analyst tasks in Chromium', { skip: browserTestSkip(), timeout: 300_000 }, async (t) => {
  const { server, context, login, shot: screenshot } = await startConsoleBrowser(t);
  const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });
  const { rival } = server.seed;
  const { chat } = server;
  const sweep = await server.trafficToCase('competitor', 'org_rival_0', rival, { requests: 300 });
  let clusterCaseId = '';
  assert.equal(sweep.proposedAction?.action, 'restrict');

  await t.test('after approving a restriction the analyst sees the refusals on the overview and the org page', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.admin);
    await page.goto(`${server.url}/console/cases/${sweep.id}`);
    await page.getByRole('button', { name: 'Approve restrict…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Note \(required/).fill('Benchmark sweep confirmed.');
    await dialog.getByLabel(/Type rival-ai to confirm/).fill('rival-ai');
    await dialog.getByRole('button', { name: 'Approve restrict' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The answer of the approval is shown at once: what was done, by whom, the new state, and the note.
    await page.getByRole('status').filter({ hasText: 'Done — restrict taken by dana-admin on rival-ai. The case is now actioned.' }).waitFor();
    await page.locator('h1 .badge-actioned').waitFor();
    await page.getByText(/restrict of rival-ai by dana-admin .* — note: “Benchmark sweep confirmed\.”/).waitFor();
    await page.getByRole('link', { name: '0 open cases' }).waitFor();
    // The rival keeps calling without its safety-evaluation purpose: the gateway refuses every call.
    for (let i = 0; i < 7; i++) assert.equal(await chat(rival.keys[0]!.secret), 403);

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const reasons = page.getByRole('region', { name: 'Refusals by reason' });
    await reasons.getByRole('listitem').filter({ hasText: 'org_restricted' }).filter({ hasText: '7' }).waitFor();
    const topDenied = page.getByRole('region', { name: 'Top organizations by refusals' });
    await topDenied.getByRole('link', { name: 'rival-ai (restricted)' }).waitFor();
    // The rival's sweep was admitted before the restriction: it leads the requests list as well, not hidden.
    await page.getByRole('region', { name: 'Top organizations by requests' }).getByRole('link', { name: 'rival-ai (restricted)' }).waitFor();
    const traffic = page.getByRole('region', { name: 'Traffic' });
    await traffic.getByRole('listitem').filter({ hasText: 'Refused: 7' }).waitFor();
    await traffic.getByRole('listitem').filter({ hasText: /Admitted: \d+/ }).waitFor();
    // Hovering the hour shows its numbers.
    assert.match((await traffic.locator('svg g.bucket title').last().textContent()) ?? '', /Refused: 7/);
    await page.getByRole('region', { name: 'Enforcement actions' }).getByRole('listitem').filter({ hasText: 'restrict: 1' }).waitFor();
    await shot(page, 'overview');

    await topDenied.getByRole('link', { name: 'rival-ai (restricted)' }).click();
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    const refusals = page.getByRole('table', { name: 'Refused and rate-limited requests, last 24 hours' });
    await refusals.getByRole('row').filter({ hasText: 'org_restricted' }).filter({ hasText: 'eval-harness' }).filter({ hasText: '7' }).waitFor();
    await page.getByRole('region', { name: 'Usage' }).getByRole('listitem').filter({ hasText: 'Refused: 7' }).waitFor();
    await page.close();
  });

  await t.test('the request log shows the refused requests, each linked to its org, key and case; the case says which sample matched what', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.analyst);
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
    await page.getByText(/Sampled: 10% of admitted requests and every refused/).waitFor();
    await page.getByLabel('Outcome').selectOption('refused,rate_limited');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('table', { name: 'Requests, newest first' }).getByRole('row').filter({ hasText: 'org_restricted' });
    await rows.first().waitFor();
    assert.equal(await rows.count(), 7, 'every refusal is logged');
    assert.match(page.url(), /outcome=refused%2Crate_limited/);
    const row = rows.first();
    await row.getByRole('link', { name: 'rival-ai', exact: true }).waitFor();
    await row.getByRole('link', { name: 'eval-harness' }).waitFor();
    // Prompt excerpts are shown because this gateway allows them (requestLog.prompts: excerpt).
    await row.getByText('hi', { exact: true }).waitFor();
    await shot(page, 'requests');
    await row.getByRole('link', { name: sweep.title }).click();
    await page.getByRole('heading', { name: new RegExp(sweep.title), level: 1 }).waitFor();
    const samples = page.locator('table.samples');
    await samples.getByRole('columnheader', { name: 'Matched' }).waitFor();
    await samples.locator('td.matched').filter({ hasText: 'rule bench.' }).first().waitFor();
    await samples.screenshot({ path: `${SHOTS}case-samples.png` });
    await page.close();
  });

  await t.test('org → case → audit by links, and back to the org from the audit entry', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.viewer);
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('link', { name: 'rival-ai' }).click();
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    // The status line names the case that restricted it; the Cases section lists it.
    await page.getByRole('region', { name: 'Cases' }).getByRole('link', { name: sweep.title }).click();
    await page.getByRole('heading', { name: new RegExp(sweep.title), level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Audit trail of this case' }).click();
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    const approved = page.getByRole('row').filter({ hasText: 'case.approved' }).filter({ hasText: 'Benchmark sweep confirmed.' });
    await approved.waitFor();
    // The status change the approval made is found by the case id too, its target shown by name.
    const status = page.getByRole('row').filter({ hasText: 'org.status' });
    await status.getByRole('link', { name: 'rival-ai' }).click();
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    assert.match(page.url(), new RegExp(`/console/orgs/${rival.id}$`));
    await page.close();
  });

  await t.test('an audit entry is found by org name (partial, any case), narrowed by action, exported', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.viewer);
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByLabel(/^Search \(org name/).fill('RIVAL');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText(/\d+ matching entries/).waitFor();
    assert.match(page.url(), /q=RIVAL/);
    // Its keys' entries are found by the org's name, shown as "key of rival-ai".
    await page.getByRole('row').filter({ hasText: 'key.create' }).getByRole('link', { name: 'key of rival-ai' }).first().waitFor();
    await page.getByLabel('Action').selectOption('org.status');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('1 matching entry').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'org.status' });
    await row.getByRole('link', { name: 'rival-ai', exact: true }).waitFor();
    await row.getByRole('definition').filter({ hasText: 'restricted' }).waitFor();
    await shot(page, 'audit-search');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'moat-audit.csv');
    const { readFile } = await import('node:fs/promises');
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\r\n');
    assert.equal(csv[0], 'seq,ts,actor,action,target,target_org,details');
    assert.equal(csv.length, 2, 'exactly the one matching entry');
    assert.match(csv[1]!, /org\.status,org_\w+,rival-ai,/);
    await page.close();
  });

  await t.test('a cluster case reads in a minute: why, members as a table with status and link kinds, collapsed timeline', async () => {
    // Eight small accounts, linked by a shared network and system prompt: a distillation hydra.
    const members = [];
    for (let i = 0; i < 8; i++) {
      const o = await server.api('POST', '/admin/orgs', { name: `hydra-${i}`, tier: 'starter' });
      const k = await server.api('POST', `/admin/orgs/${o.id}/keys`, { name: 'app' });
      members.push({ id: o.id as string, secret: k.secret as string });
    }
    for (const m of members) for (let i = 0; i < 3; i++) assert.equal(await chat(m.secret), 200);
    const ids = members.map((m) => m.id);
    const links = {
      cluster: 'cl_9',
      members: ids.map((org, i) =>
        i === 0
          ? { org }
          : { org, via: { to: ids[0], strength: 9.5, reasons: [{ kind: 'ip24', value: '45.12.33.0/24', detail: '8 orgs', nats: 3.7 }, { kind: 'system_prompt', value: 'a1b2c3', detail: '8 orgs', nats: 5.8 }] } },
      ),
    };
    let c: Awaited<ReturnType<typeof server.moat.enforcement.onDetection>> | undefined;
    for (const org of ids) {
      c = await server.moat.enforcement.onDetection({
        org,
        activities: [{
          label: 'distillation',
          confidence: 0.93,
          first_detected: { request: 120, ts: new Date().toISOString() },
          rules: ['distill.linked-cluster'],
          evidence: { thresholds: [{ feature: 'cluster.orgs', op: '>=', value: 5, actual: 8 }, { feature: 'cluster.cot_share', op: '>=', value: 0.35, actual: 0.71 }], links },
        }],
        cluster: { id: 'cl_9', orgs: ids },
        requests: 24,
      });
    }
    assert.equal(c!.kind, 'cluster');
    clusterCaseId = c!.id;
    assert.equal(c!.status, 'actioned', 'the playbook suspends a distillation cluster automatically');
    // After the suspension the members are refused: the combined chart shows it.
    assert.equal(await chat(members[0]!.secret), 403);

    const page = await context.newPage();
    await login(page, server.tokens.analyst);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByLabel('Status').selectOption('all');
    await page.getByRole('link', { name: c!.title }).click();
    await page.getByRole('heading', { name: new RegExp(c!.title), level: 1 }).waitFor();
    const why = page.getByRole('region', { name: 'Why this case' });
    await why.getByText('A cluster of 8 linked accounts').waitFor();
    await why.getByText(/distilling the model/).waitFor();
    // Each triggered feature in words from the glossary, with its value against the threshold.
    await why.getByRole('listitem').filter({ hasText: 'Share asking for step-by-step reasoning, over the linked cluster’s combined traffic' }).filter({ hasText: '71%' }).waitFor();
    await why.getByText(/linked by network \/24 \(7 accounts\), system prompt \(7 accounts\)/).waitFor();
    const table = page.getByRole('table', { name: 'Linked accounts' });
    assert.equal(await table.getByRole('row').count(), 1 + 8, 'one row per member');
    const second = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'hydra-1', exact: true }) });
    await second.getByText('suspended').waitFor();
    await second.getByText('network /24', { exact: true }).waitFor();
    await second.getByRole('cell', { name: '3', exact: true }).waitFor();
    await second.getByText('why').click();
    await second.getByText(/linked to hydra-0 by network \/24 45\.12\.33\.0\/24/).waitFor();
    await page.getByText('8 suspended', { exact: false }).first().waitFor();
    // Eight detections are one line of the timeline, opened on demand.
    const timeline = page.getByRole('region', { name: 'Timeline' });
    const run = timeline.getByText(/×\d+/).first();
    await run.waitFor();
    assert.ok((await timeline.locator('li:visible').count()) <= 8, 'the timeline is collapsed');
    const combined = page.getByRole('region', { name: /Combined activity/ });
    await combined.getByRole('listitem').filter({ hasText: 'Admitted: 24' }).waitFor();
    await combined.getByRole('listitem').filter({ hasText: 'Refused: 1' }).waitFor();
    await shot(page, 'cluster-case');
    await page.close();
  });

  await t.test('keys: disable with its impact shown, refused at the gateway, re-enabled, served again', async () => {
    const { acme } = server.seed;
    const prod = acme.keys[0]!;
    for (let i = 0; i < 5; i++) assert.equal(await chat(prod.secret), 200);
    const page = await context.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('link', { name: 'acme-health' }).click();
    const keys = page.getByRole('table', { name: 'Keys' });
    const row = keys.getByRole('row').filter({ hasText: 'prod' });
    await row.getByText(/s ago|min ago/).first().waitFor(); // created and last used, as ages with the time on hover
    await row.getByRole('cell', { name: '5', exact: true }).waitFor();
    await row.getByRole('button', { name: /^Disable key/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/Every request with this key will be refused\. It carried .* requests per minute over the last 5 minutes and 5 in the last 24 hours; last used/).waitFor();
    await dialog.getByText('The organization keeps 0 other active keys.').waitFor();
    await dialog.getByLabel(/Note \(required/).fill('Key leaked in a public repo.');
    await dialog.getByRole('button', { name: 'Disable key' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('disabled', { exact: true }).waitFor();
    assert.equal(await chat(prod.secret), 401);

    await row.getByRole('button', { name: /Re-enable key/ }).click();
    await dialog.getByText(/will be served again/).waitFor();
    await dialog.getByLabel(/Note \(required/).fill('Rotated upstream; customer confirmed.');
    await dialog.getByRole('button', { name: 'Re-enable key' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('active', { exact: true }).waitFor();
    assert.equal(await chat(prod.secret), 200);
    await shot(page, 'organization-keys');
    // The refusal while it was disabled is on the org's page, with its reason and key.
    await page.getByRole('table', { name: 'Refused and rate-limited requests, last 24 hours' }).getByRole('row').filter({ hasText: 'key_disabled' }).filter({ hasText: 'prod' }).waitFor();
    await page.close();
  });

  await t.test('organizations: search, sort by refusals, status per row', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.viewer);
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('button', { name: 'Refused (24 h)' }).click();
    const firstRow = page.locator('tbody tr').first();
    await firstRow.getByRole('link', { name: 'rival-ai' }).waitFor();
    await firstRow.getByText('restricted').waitFor();
    assert.equal(await page.getByRole('columnheader', { name: /Refused/ }).getAttribute('aria-sort'), 'descending');
    await page.getByLabel('Filter by name, status or label').fill('hydra');
    await page.getByText('8 organizations').waitFor();
    assert.equal(await page.locator('tbody tr').filter({ hasText: 'suspended' }).count(), 8);
    await page.close();
  });

  await t.test('the queue by keyboard: / searches, j/k move, a opens the approval of the selected case', async () => {
    const { startup } = server.seed;
    const single = await server.moat.enforcement.onDetection({
      org: startup.id,
      activities: [{ label: 'distillation', confidence: 0.8, first_detected: { request: 200, ts: new Date().toISOString() }, rules: ['distill.cot-harvest'], evidence: { thresholds: [{ feature: 'w.cot_share', op: '>=', value: 0.4, actual: 0.62 }] } }],
      cluster: null,
      requests: 200,
    });
    assert.equal(single.status, 'open');
    const page = await context.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByRole('link', { name: single.title }).waitFor();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'case-search');
    await page.keyboard.type('tiny');
    await page.getByText('1 case', { exact: true }).waitFor();
    await page.locator('h1').click(); // leave the field: letters are shortcuts again
    await page.keyboard.press('j');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), single.title);
    await page.keyboard.press('a');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: /Approve suspend/ }).waitFor();
    await dialog.getByText('1 organization, 1 keys').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await server.api('GET', `/admin/cases/${single.id}`)).case.status, 'open', 'nothing approved without the dialog');
    await page.close();
  });

  await t.test('every page fits a 390 px phone without sideways scrolling; dark mode follows the system', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await overflow(), 0, 'login page');
    await login(page, server.tokens.admin);
    const pages = ['/console/', '/console/?range=7d', '/console/cases?status=all', `/console/cases/${sweep.id}`, `/console/cases/${clusterCaseId}`, '/console/orgs', `/console/orgs/${rival.id}`, '/console/requests', `/console/requests?org=${rival.id}`, '/console/policy', '/console/audit', '/console/audit?q=rival'];
    for (const path of pages) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForFunction(() => document.querySelectorAll('.state.loading').length === 0);
      assert.equal(await overflow(), 0, `${path} scrolls sideways at 390 px`);
      if (path === '/console/') await shot(page, 'overview-390px');
      if (path.startsWith('/console/cases/case')) await page.getByRole('heading', { name: 'Why this case' }).waitFor();
    }
    // The header's links stay readable and usable: every nav link inside the viewport.
    for (const box of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').evaluateAll((as) => as.map((a) => a.getBoundingClientRect().right))) assert.ok(box <= 390);

    await page.setViewportSize({ width: 1366, height: 768 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${server.url}/console/`);
    await page.getByRole('heading', { name: 'Traffic' }).waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(15, 17, 21)');
    await shot(page, 'overview-dark');
    await page.close();
  });

  await t.test('the time range picker re-reads the charts for the chosen range and keeps it in the address', async () => {
    const page = await context.newPage();
    await login(page, server.tokens.viewer);
    await page.getByLabel('Time range').selectOption('7d');
    await page.getByText('Requests per day by outcome, last 7 days').waitFor();
    assert.match(page.url(), /range=7d/);
    const traffic = page.getByRole('region', { name: 'Traffic' });
    assert.equal(await traffic.locator('svg g.bucket').count(), 7, 'one bar per day');
    await traffic.getByRole('listitem').filter({ hasText: 'Refused:' }).waitFor();
    await page.getByLabel('Time range').selectOption('1h');
    await page.getByText('Requests per minute by outcome, last hour').waitFor();
    assert.equal(await traffic.locator('svg g.bucket').count(), 60, 'one bar per minute');
    await page.close();
  });
});
