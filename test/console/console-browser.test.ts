// The console in a real browser (Debian's Chromium via playwright-core) against a real gateway (startMoat):
// simulator traffic goes through /v1 with real keys, the gateway's trace runs through the real detector and
// the enforcement service opens the cases. Covers: login form labels and keyboard use, every page, live
// updates, the competitor case from evidence to approval with the org status and audit entry following,
// role gating, error and loading states. Screenshots of the main pages go to docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserTestSkip, startConsoleBrowser } from './console-harness.js';

test('admin console in Chromium', { skip: browserTestSkip(), timeout: 300_000 }, async (t) => {
  const { server, context: ctx, login, shot } = await startConsoleBrowser(t);
  const { rival, acme, prober } = server.seed;
  // Ordinary customer traffic (opens no case) and the competitor's sweep (opens one) through the gateway.
  const legit = await server.sendTraffic('legit', 'org_support_0', acme, { requests: 30 });
  assert.equal(await server.detect(acme, legit), undefined, 'ordinary support traffic is not flagged');
  assert.deepEqual(await server.casesOf(acme), [], 'no case for an ordinary customer');
  const sweep = await server.trafficToCase('competitor', 'org_rival_0', rival, { requests: 300 });
  assert.equal(sweep.status, 'open');
  assert.equal(sweep.proposedAction?.action, 'restrict', 'autoEnforce off: the restriction waits for approval');
  const sweepTitle = sweep.title; // "benchmarking by rival-ai"

  await t.test('login form: labelled, keyboard-driven, wrong token refused with focus kept', async () => {
    const page = await ctx.newPage();
    await page.goto(`${server.url}/console/`);
    const input = page.getByLabel('Admin token');
    assert.equal(await input.getAttribute('type'), 'password');
    assert.ok(await input.evaluate((el) => el === document.activeElement), 'token field focused on load');
    await shot(page, 'login');
    await page.keyboard.type('not-a-real-token');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'This token is not valid.' }).waitFor();
    assert.ok(await input.evaluate((el) => el === document.activeElement), 'focus back on the token field');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await input.fill(server.tokens.admin);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('moat.console.token')), server.tokens.admin);
    await page.getByText('dana-admin').waitFor();
    // The session survives a reload of a deep link (served by the SPA fallback).
    await page.goto(`${server.url}/console/orgs/${rival.id}`);
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    await page.close();
  });

  await t.test('every page renders real data; keyboard navigation moves focus to the new page', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('heading', { name: 'Top organizations by requests' }).waitFor();
    await page.getByRole('link', { name: 'acme-health' }).first().waitFor();
    await page.getByRole('region', { name: 'Enforcement actions' }).getByText('No data in this period.').waitFor();

    // Keyboard: Tab to the "Cases" nav link and follow it; focus lands on the page heading.
    await page.getByRole('link', { name: 'Cases', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await page.getByRole('link', { name: sweepTitle }).waitFor();
    await page.getByRole('row').filter({ hasText: sweepTitle }).filter({ hasText: 'restrict (needs approval)' }).waitFor();
    await shot(page, 'cases');

    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    await page.getByLabel('Filter by name, status or label').fill('frontier');
    await page.getByRole('row').filter({ hasText: 'rival-ai' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'acme-health' }).count(), 0);
    await page.getByRole('link', { name: 'rival-ai' }).click();
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    const grants = page.getByRole('region', { name: 'Grants' });
    await grants.getByRole('cell', { name: 'safety_evaluation' }).or(grants.getByRole('rowheader', { name: 'safety_evaluation' })).waitFor();
    await page.getByRole('region', { name: 'Keys' }).getByText('eval-harness', { exact: true }).waitFor();
    await page.getByText(/tiny-startup/).first().waitFor();
    // Effective limits per key, resolved by the gateway's limiter from the applied policy (tier limits).
    await page.getByRole('heading', { name: 'Limits', level: 2 }).waitFor();
    await page.getByRole('table').filter({ hasText: 'requests per minute' }).first().waitFor();
    await page.getByText('org.create').waitFor();
    await shot(page, 'organization');

    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    await page.getByRole('heading', { name: 'Policy', level: 1 }).waitFor();
    const playbookRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'competitor-benchmarking-keeps-safety-grant' }) });
    await playbookRow.filter({ hasText: 'restrict' }).filter({ hasText: 'needs approval' }).filter({ hasText: 'ToS §2.3(a)' }).waitFor();
    await page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'distillation-cluster' }) }).filter({ hasText: 'automatic' }).waitFor();
    await page.getByLabel('Policy document (YAML)').filter({ hasText: 'safety_evaluation' }).waitFor();
    await shot(page, 'policy');

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByText(/Hash chain verified: \d+ entries/).waitFor();
    await page.getByLabel('Action').selectOption('grant.create');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 matching entry').waitFor();
    assert.match(page.url(), /action=grant\.create/);
    await page.goBack();
    await page.getByText(/matching entries/).waitFor();
    await page.close();
  });

  await t.test('a new case opened by live traffic appears in the queue without a reload', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.analyst);
    await page.goto(`${server.url}/console/cases?status=all`);
    await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor();
    await page.getByText('1 case', { exact: true }).waitFor();
    // A safety prober without a grant sends its sweep while the page is open; the playbook throttles it
    // automatically, so the case arrives already actioned.
    const probe = await server.trafficToCase('safety-sweep', 'org_redteam_0', prober, { seed: 3, requests: 200 });
    assert.equal(probe.status, 'actioned');
    await page.getByRole('link', { name: probe.title }).waitFor({ timeout: 8000 });
    await page.getByText('2 cases', { exact: true }).waitFor();
    // Cases waiting for a decision come first: the open competitor case above the actioned probe.
    const titles = await page.locator('tbody th a').allTextContents();
    assert.deepEqual(titles, [sweepTitle, probe.title]);
    const row = page.getByRole('row').filter({ hasText: probe.title });
    for (const part of ['unknown-research', 'throttle', 'actioned']) await row.filter({ hasText: part }).waitFor();
    await page.close();
  });

  await t.test('a viewer sees no action controls; an analyst can annotate but not approve', async () => {
    const viewer = await ctx.newPage();
    await login(viewer, server.tokens.viewer);
    await viewer.goto(`${server.url}/console/cases/${sweep.id}`);
    await viewer.getByRole('heading', { name: new RegExp(sweepTitle), level: 1 }).waitFor();
    await viewer.getByRole('heading', { name: 'Evidence' }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: /Approve/ }).count(), 0);
    assert.equal(await viewer.getByRole('button', { name: /Dismiss/ }).count(), 0);
    assert.equal(await viewer.getByLabel('Add a note').count(), 0);
    await viewer.goto(`${server.url}/console/orgs/${rival.id}`);
    await viewer.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    await viewer.getByRole('region', { name: 'Keys' }).getByText('eval-harness', { exact: true }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: /Revoke|Suspend|Restrict|Disable/ }).count(), 0);
    // A webhook URL's credentials are for admins: the viewer's policy document shows scheme and host only.
    const hook = 'https://ops:hunter2@hooks.acme.example/services/T1/B2/s3cr3tpath?token=t0k3n';
    const set = await fetch(`${server.url}/admin/orgs/${acme.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${server.tokens.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ contactWebhook: hook }) });
    assert.equal(set.status, 200);
    await viewer.goto(`${server.url}/console/policy`);
    const doc = viewer.getByLabel('Policy document (YAML)');
    await doc.filter({ hasText: 'https://hooks.acme.example/***' }).waitFor();
    const text = (await doc.textContent()) ?? '';
    for (const secret of ['hunter2', 's3cr3tpath', 't0k3n']) assert.ok(!text.includes(secret), `${secret} shown to a viewer`);
    await viewer.close();

    const analyst = await ctx.newPage();
    await login(analyst, server.tokens.analyst);
    await analyst.goto(`${server.url}/console/cases/${sweep.id}`);
    await analyst.getByLabel('Add a note').fill('Matches the sweep pattern from March.');
    await analyst.getByRole('button', { name: 'Add note' }).click();
    await analyst.getByRole('region', { name: 'Notes' }).getByText('ali-analyst: Matches the sweep pattern from March.').waitFor();
    assert.equal(await analyst.getByRole('button', { name: /Approve|Dismiss|Reinstate/ }).count(), 0);
    // The API refuses the analyst too (the console only hides what the server enforces).
    const refused = await fetch(`${server.url}/admin/cases/${sweep.id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.tokens.analyst}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'trying' }),
    });
    assert.equal(refused.status, 403);
    await analyst.close();
  });

  await t.test('competitor case: evidence, impact, typed confirmation, approval, status and audit follow', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByRole('link', { name: sweepTitle }).click();
    await page.getByRole('heading', { name: new RegExp(sweepTitle), level: 1 }).waitFor();
    // The clause in words, the proposal and the evidence the detector produced from the traffic.
    await page.getByText('ToS §2.3(a): no building, training or benchmarking competing models', { exact: true }).waitFor();
    await page.getByText(/restrict — keeps its grants \(safety_evaluation\) — playbook rule competitor-benchmarking-keeps-safety-grant — requires approval/).waitFor();
    // Whichever rule fired, the case shows each feature it compared, with its meaning from the glossary.
    const fired = sweep.evidence.features.find((f) => f.exceeded && f.name.startsWith('w.'));
    assert.ok(fired, `the detector recorded a window feature over its threshold: ${JSON.stringify(sweep.evidence.features)}`);
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const shown = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3));
    await page.getByRole('row', { name: new RegExp(`^${esc(fired.name)} \\S.* ${esc(fired.rule ?? '')} ${shown(fired.value)} ${esc(fired.comparison)} ${shown(fired.threshold)} triggered$`) }).waitFor();
    assert.ok(sweep.evidence.matchedBenchmarks.length > 0, `the sweep's known benchmark items are in the evidence: ${JSON.stringify(sweep.evidence.features.map((f) => [f.rule, f.name, f.value]))}`);
    const top = [...sweep.evidence.matchedBenchmarks].sort((x, y) => y.matches - x.matches)[0]!;
    await page.getByRole('row', { name: `${top.benchmark} ${top.matches}` }).waitFor();
    await page.getByText('tiny-startup').first().waitFor();
    await page.getByRole('region', { name: 'Why this case' }).getByText(/tiny-startup — acquirer affiliation recorded by the provider/).waitFor();
    const sample = sweep.evidence.sampleRequests.find((x) => x.keyPrefix)!;
    await page.getByRole('cell', { name: sample.excerpt.slice(0, 40) }).first().waitFor();
    await page.getByRole('region', { name: 'Notes' }).getByText('ali-analyst: Matches the sweep pattern from March.').waitFor();
    await shot(page, 'case');

    // Traffic the restriction will cut, per key, over the impact window (from the gateway's metering).
    const usage = (await server.api('GET', `/admin/usage?org=${rival.id}&group_by=key`)).usage as Array<{ keyId: string; requests: number }>;
    const rpm = (keyId: string) => Math.round(((usage.find((u) => u.keyId === keyId)?.requests ?? 0) / 5) * 10) / 10;
    const total = Math.round(usage.reduce((n, u) => n + u.requests, 0) / 5 * 10) / 10;
    assert.ok(total > 0, 'metering recorded the sweep');

    const approve = page.getByRole('button', { name: 'Approve restrict…' });
    await approve.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`1 organization, 2 keys, ${total} requests per minute`).waitFor();
    await dialog.getByText(`eval-harness (${rpm(rival.keys[0]!.id)}/min)`).waitFor();
    const submit = dialog.getByRole('button', { name: 'Approve restrict' });
    assert.ok(await submit.isDisabled(), 'disabled without note and confirmation');
    await dialog.getByLabel(/Note \(required/).fill('Sweep confirmed; keep safety evaluation access.');
    assert.ok(await submit.isDisabled(), 'still disabled without the typed name');
    await dialog.getByLabel(/Type rival-ai to confirm/).fill('rival');
    assert.ok(await submit.isDisabled(), 'a partial name does not confirm');
    // Escape closes without acting and returns focus to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await approve.evaluate((el) => el === document.activeElement), 'focus returned to the opener');
    assert.equal((await server.api('GET', `/admin/orgs/${rival.id}`)).status, 'active');
    assert.equal((await server.api('GET', `/admin/cases/${sweep.id}`)).case.status, 'open');

    await approve.click();
    await dialog.getByText('1 organization, 2 keys').waitFor();
    await dialog.getByLabel(/Note \(required/).fill('Sweep confirmed; keep safety evaluation access.');
    await dialog.getByLabel(/Type rival-ai to confirm/).fill('rival-ai');
    await shot(page, 'approve-dialog');
    await submit.click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('h1 .badge-actioned').waitFor();
    await page.getByText('approved by dana-admin: Sweep confirmed; keep safety evaluation access.').waitFor();
    await page.getByText(/restrict of rival-ai by dana-admin/).waitFor();

    // The org's status changed in the real store, with the clause and case id ...
    const org = await server.api('GET', `/admin/orgs/${rival.id}`);
    assert.equal(org.status, 'restricted');
    assert.equal(org.statusChange.caseId, sweep.id);
    assert.equal(org.statusChange.clause, 'tos-2.3a');
    await page.getByRole('link', { name: 'rival-ai' }).first().click();
    await page.locator('h1 .badge-restricted').waitFor();
    await page.getByText(/restricted since .* by dana-admin/).waitFor();
    // ... and the gateway enforces it: general traffic is refused, the safety-evaluation grant still works.
    const call = (headers: Record<string, string>) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rival.keys[0]!.secret}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    assert.equal(await call({}), 403);
    assert.equal(await call({ 'moat-purpose': 'safety_evaluation' }), 200);

    // The audit trail has the approval and the status change, newest first, chain still verified.
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'org.status' }).filter({ hasText: 'dana-admin' });
    await row.waitFor();
    // Details as fields; the case id links to the case.
    const fields = Object.fromEntries(
      await row.locator('dl.fields > div').evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')?.textContent, d.querySelector('dd')?.textContent])),
    );
    assert.equal(fields.from, 'active');
    assert.equal(fields.to, 'restricted');
    assert.equal(fields.clause, 'tos-2.3a');
    assert.equal(await row.locator('dd a[data-id]').first().getAttribute('data-id'), sweep.id);
    await page.getByRole('row').filter({ hasText: 'case.approved' }).filter({ hasText: 'Sweep confirmed' }).waitFor();
    await page.getByText(/Hash chain verified/).waitFor();
    await shot(page, 'audit');
    await page.close();
  });

  await t.test('revoking an org from its page needs the typed name and shows keys and traffic', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.goto(`${server.url}/console/orgs/${acme.id}`);
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/1 organization, 1 keys/).waitFor();
    await dialog.getByRole('rowheader', { name: 'acme-health' }).waitFor();
    assert.ok(await dialog.getByRole('button', { name: 'Revoke' }).isDisabled());
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await server.api('GET', `/admin/orgs/${acme.id}`)).status, 'active');
    await page.close();
  });

  await t.test('errors render as an error state with retry, and keep the rest of the page', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    let fail = true;
    await page.route('**/admin/orgs', (route) =>
      fail
        ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal_error', message: 'database unavailable' } }) })
        : route.continue(),
    );
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load organizations: database unavailable' });
    await alert.waitFor();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    fail = false;
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('link', { name: 'rival-ai' }).waitFor();
    await page.close();
  });

  await t.test('a slow API shows a loading state, then the data; a missing endpoint shows "not available"', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.viewer);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/admin/cases?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/console/cases?status=actioned`);
    await page.getByRole('status').filter({ hasText: 'Loading cases…' }).waitFor();
    release();
    await page.getByRole('link', { name: sweepTitle }).waitFor();
    assert.equal(await page.getByText('Loading cases…').count(), 0);
    // A gateway without the limits endpoint (an older version) shows "not available" instead of failing.
    await page.route('**/admin/orgs/*/limits', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'No such endpoint.' } }) }),
    );
    await page.goto(`${server.url}/console/orgs/${acme.id}`);
    await page.getByText('Limits not available.').waitFor();
    await page.close();
  });
});
