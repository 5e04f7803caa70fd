// axe-core on every console page in Debian's Chromium, in light and dark colours: no serious or critical
// violation (contrast, names of controls, landmarks, table headers, ARIA use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seriousViolations } from './axe-check.js';
import { browserTestSkip, startConsoleBrowser } from './console-harness.js';

test('every console page passes axe-core with no serious or critical violation, light and dark', { skip: browserTestSkip(), timeout: 300_000 }, async (t) => {
  const { server, context, shot } = await startConsoleBrowser(t);
  const { rival } = server.seed;
  const kase = await server.trafficToCase('competitor', 'org_rival_0', rival, { requests: 300 });
  // A throttle, so the org pages show that state too.
  await server.api('PATCH', `/admin/orgs/${server.seed.acme.id}`, { attributes: { country: 'US', 'moat.throttle.factor': 0.5, 'moat.throttle.until': new Date(Date.now() + 3_600_000).toISOString() } });
  const pages = ['/console/', '/console/cases?status=all', `/console/cases/${kase.id}`, '/console/orgs', `/console/orgs/${rival.id}`, `/console/orgs/${server.seed.acme.id}`, '/console/requests', `/console/requests?org=${rival.id}`, '/console/policy', '/console/audit'];

  // Every page and scheme is checked before the assertion, so one run lists everything to fix.
  const problems: string[] = [];
  const check = async (page: import('playwright-core').Page, where: string) => problems.push(...(await seriousViolations(page)).map((v) => `${where}: ${v}`));
  for (const scheme of ['light', 'dark'] as const) {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Admin token').waitFor();
    await check(page, `login page (${scheme})`);
    await page.getByLabel('Admin token').fill(server.tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    for (const path of pages) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForFunction(() => document.querySelectorAll('.state.loading').length === 0);
      await check(page, `${path} (${scheme})`);
      if (scheme === 'light' && path === `/console/orgs/${server.seed.acme.id}`) {
        await page.getByText(/every limit of this organization is at 50% until/).waitFor();
        await page.locator('h1 .badge-throttled').filter({ hasText: /throttled 50% · ends in \d+ min/ }).waitFor();
        await shot(page, 'organization-throttled');
      }
      if (scheme === 'light' && path === '/console/orgs') {
        // The list shows the throttle as a state, and no page shows the attributes that encode it.
        await page.getByRole('row').filter({ hasText: 'acme-health' }).locator('.badge-throttled').waitFor();
        assert.equal(await page.getByText('moat.throttle').count(), 0);
      }
    }
    await page.close();
  }
  assert.deepEqual(problems, []);
});
