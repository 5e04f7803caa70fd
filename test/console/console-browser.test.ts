// The console in a real browser (Debian's Chromium via playwright-core) against a real admin API server.
// Covers: login form labels and keyboard use, every page, live updates, the competitor case from evidence
// to approval with the org status and audit entry following, role gating, error and not-available states.
// Screenshots of the main pages go to docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, ensureChromium, launchChromium } from '../../scripts/ensure-chromium.mjs';
import { buildConsole, competitorSweepCase, startConsoleServer, type ConsoleServer } from './console-harness.js';

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

function browserAvailable(): string | undefined {
  try {
    ensureChromium({ log: () => {} });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const missing = existsSync(CHROMIUM_PATH) ? undefined : browserAvailable();
if (missing && process.env.CI) throw new Error(missing);

test('admin console in Chromium', { skip: missing ? `browser tests skipped: ${missing}` : false, timeout: 120_000 }, async (t) => {
  buildConsole();
  mkdirSync(SHOTS, { recursive: true });
  const server: ConsoleServer = await startConsoleServer({ withCases: true });
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const ctx: BrowserContext = browser.context;
  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });
  const login = async (page: Page, token: string) => {
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  };
  server.cases!.add(competitorSweepCase(server.seed));

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
    await page.goto(`${server.url}/console/orgs/${server.seed.rival.id}`);
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    await page.close();
  });

  await t.test('every page renders real data; keyboard navigation moves focus to the new page', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('heading', { name: 'Top organizations' }).waitFor();
    await page.getByRole('link', { name: 'acme-health' }).first().waitFor();
    await page.getByText('→ active').or(page.getByText('No data in this period.')).first().waitFor();
    await shot(page, 'overview');

    // Keyboard: Tab to the "Cases" nav link and follow it; focus lands on the page heading.
    await page.getByRole('link', { name: 'Cases', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await page.getByRole('link', { name: 'Competitor benchmark sweep' }).waitFor();
    await shot(page, 'cases');

    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    await page.getByLabel('Filter by name, status or label').fill('frontier');
    await page.getByRole('row').filter({ hasText: 'rival-ai' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'acme-health' }).count(), 0);
    await page.getByRole('link', { name: 'rival-ai' }).click();
    await page.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'safety_evaluation' }).or(page.getByRole('rowheader', { name: 'safety_evaluation' })).waitFor();
    await page.getByText('eval-harness').waitFor();
    await page.getByText(/tiny-startup/).first().waitFor();
    await page.getByText('Limits not available.').waitFor();
    await page.getByText('org.create').waitFor();
    await shot(page, 'organization');

    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    await page.getByText('Policy not available.').waitFor();

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByText(/Hash chain verified: \d+ entries/).waitFor();
    await page.getByLabel('Action (exact, e.g. org.status)').fill('grant.create');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 matching entry').waitFor();
    assert.match(page.url(), /action=grant\.create/);
    await page.goBack();
    await page.getByText(/matching entries/).waitFor();
    await shot(page, 'audit');
    await page.close();
  });

  await t.test('a new case appears in the open queue without a reload', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.analyst);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByText('1 case', { exact: true }).waitFor();
    const c = competitorSweepCase(server.seed);
    server.cases!.add({ ...c, id: 'case_probe2', title: 'Unauthorised safety probing', severity: 'critical', proposedAction: undefined as never, labels: ['safety_probing'] });
    await page.getByRole('link', { name: 'Unauthorised safety probing' }).waitFor({ timeout: 8000 });
    // Sorted by severity: the critical case comes first.
    const titles = await page.locator('tbody th a').allTextContents();
    assert.deepEqual(titles, ['Unauthorised safety probing', 'Competitor benchmark sweep']);
    server.cases!.cases.delete('case_probe2');
    await page.close();
  });

  await t.test('a viewer sees no action controls; an analyst can annotate but not approve', async () => {
    const viewer = await ctx.newPage();
    await login(viewer, server.tokens.viewer);
    await viewer.goto(`${server.url}/console/cases/case_sweep1`);
    await viewer.getByRole('heading', { name: /Competitor benchmark sweep/, level: 1 }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: /Approve/ }).count(), 0);
    assert.equal(await viewer.getByRole('button', { name: /Dismiss/ }).count(), 0);
    assert.equal(await viewer.getByLabel('Add a note').count(), 0);
    await viewer.goto(`${server.url}/console/orgs/${server.seed.rival.id}`);
    await viewer.getByRole('heading', { name: /rival-ai/, level: 1 }).waitFor();
    await viewer.getByText('eval-harness').waitFor();
    assert.equal(await viewer.getByRole('button', { name: /Revoke|Suspend|Restrict|Disable/ }).count(), 0);
    await viewer.close();

    const analyst = await ctx.newPage();
    await login(analyst, server.tokens.analyst);
    await analyst.goto(`${server.url}/console/cases/case_sweep1`);
    await analyst.getByLabel('Add a note').fill('Matches the sweep pattern from March.');
    await analyst.getByRole('button', { name: 'Add note' }).click();
    await analyst.getByText('ali-analyst: Matches the sweep pattern from March.').waitFor();
    assert.equal(await analyst.getByRole('button', { name: /Approve/ }).count(), 0);
    await analyst.close();
  });

  await t.test('competitor case: evidence, impact, typed confirmation, approval, status and audit follow', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByRole('link', { name: 'Competitor benchmark sweep' }).click();
    await page.getByRole('heading', { name: /Competitor benchmark sweep/, level: 1 }).waitFor();
    // Evidence and the clause are on the page.
    await page.getByText('ToS §2.3 (no building or benchmarking competing models)', { exact: true }).waitFor();
    await page.getByRole('row', { name: /benchmark_match_rate 0\.410 >= 0\.050 triggered/ }).waitFor();
    await page.getByRole('rowheader', { name: 'mmlu' }).waitFor();
    await page.getByText('acquirer affiliation recorded by the provider').waitFor();
    await shot(page, 'case');

    const approve = page.getByRole('button', { name: 'Approve restrict…' });
    await approve.click();
    const dialog = page.getByRole('dialog');
    // What will change: rival-ai active -> restricted, its 2 keys, 150 requests per minute (5-minute average).
    await dialog.getByText('1 organization, 2 keys, 150 requests per minute').waitFor();
    await dialog.getByText('eval-harness (120/min)').waitFor();
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
    assert.equal((await server.api('GET', `/admin/orgs/${server.seed.rival.id}`)).status, 'active');

    await approve.click();
    await dialog.getByText('1 organization, 2 keys').waitFor();
    await dialog.getByLabel(/Note \(required/).fill('Sweep confirmed; keep safety evaluation access.');
    await dialog.getByLabel(/Type rival-ai to confirm/).fill('rival-ai');
    await shot(page, 'approve-dialog');
    await submit.click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('h1 .badge-actioned').waitFor();
    await page.getByText('approve by dana-admin: Sweep confirmed').waitFor();

    // The org's status changed in the real store, with the clause and case id.
    const org = await server.api('GET', `/admin/orgs/${server.seed.rival.id}`);
    assert.equal(org.status, 'restricted');
    assert.equal(org.statusChange.caseId, 'case_sweep1');
    await page.getByRole('link', { name: 'rival-ai' }).first().click();
    await page.locator('h1 .badge-restricted').waitFor();
    await page.getByText(/restricted since .* by dana-admin: Sweep confirmed/).waitFor();

    // ... and the audit trail has the entry, chain still verified.
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'org.status' }).filter({ hasText: 'dana-admin' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    for (const part of ['from=active', 'to=restricted', 'caseId=case_sweep1', 'clause=ToS §2.3']) assert.ok(text.includes(part), `${part} in ${text}`);
    await page.getByText(/Hash chain verified/).waitFor();
    await page.close();
  });

  await t.test('revoking an org from its page needs the typed name and shows keys and traffic', async () => {
    const page = await ctx.newPage();
    await login(page, server.tokens.admin);
    await page.goto(`${server.url}/console/orgs/${server.seed.acme.id}`);
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/1 organization, 1 keys/).waitFor();
    await dialog.getByRole('rowheader', { name: 'acme-health' }).waitFor();
    assert.ok(await dialog.getByRole('button', { name: 'Revoke' }).isDisabled());
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await server.api('GET', `/admin/orgs/${server.seed.acme.id}`)).status, 'active');
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
});
