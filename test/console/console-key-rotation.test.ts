// Rotating a key from the console in a real browser (Debian's Chromium via playwright-core) against a real
// gateway: the dialog says what happens to clients on the old secret, the new secret is shown once, both
// secrets work during the grace period, and the row shows until when the old one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserTestSkip, startConsoleBrowser } from './console-harness.js';

test('an admin rotates a key from the keys view', { skip: browserTestSkip(), timeout: 300_000 }, async (t) => {
  const { server, context, login } = await startConsoleBrowser(t);
  const { chat } = server;
  const { acme } = server.seed;
  const prod = acme.keys[0]!;
  assert.equal(await chat(prod.secret), 200);

  const page = await context.newPage();
  await login(page, server.tokens.admin);
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await page.getByRole('link', { name: 'acme-health' }).click();
  const row = page.getByRole('table', { name: 'Keys' }).getByRole('row').filter({ hasText: 'prod' });
  await row.getByRole('button', { name: /^Rotate key/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/A new secret is issued and shown once.*keep working until .*, then are refused\. It carried/).waitFor();
  await dialog.getByLabel('Old secret keeps working for').selectOption('0');
  await dialog.getByText(/are refused at once/).waitFor();
  await dialog.getByLabel('Old secret keeps working for').selectOption('1h');
  await dialog.getByLabel(/Note \(required/).fill('Quarterly rotation.');
  await dialog.getByRole('button', { name: 'Rotate key' }).click();

  const shown = page.getByRole('dialog', { name: /New secret for key prod/ });
  await shown.getByText(/The old secret keeps working until/).waitFor();
  const secret = (await shown.locator('code.secret').textContent())?.trim() ?? '';
  assert.match(secret, /^moat_[a-z]+_/);
  assert.notEqual(secret, prod.secret);
  await shown.getByRole('button', { name: 'Done' }).click();
  await row.getByText(/old secret .* works until/).waitFor();

  assert.equal(await chat(secret), 200);
  assert.equal(await chat(prod.secret), 200, 'the old secret works during the grace period');
  const audit = await server.api('GET', `/admin/audit?target=${prod.id}&action=key.rotate`);
  assert.equal(audit.entries[0]?.data.reason, 'Quarterly rotation.');
  await page.close();
});
