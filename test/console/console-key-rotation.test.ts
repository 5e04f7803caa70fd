// Rotating a key from the console in a real browser (Debian's Chromium via playwright-core) against a real
// gateway: the dialog says what happens to clients on the old secret, the new secret is shown once, both
// secrets work during the grace period, and the row shows until when the old one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH, ensureChromium, launchChromium } from '../../scripts/ensure-chromium.mjs';
import { buildConsole, startConsoleServer } from './console-harness.js';

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

test('an admin rotates a key from the keys view', { skip: missing ? `browser tests skipped: ${missing}` : false, timeout: 300_000 }, async (t) => {
  buildConsole();
  const server = await startConsoleServer();
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const chat = (secret: string) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
    }).then(async (r) => (await r.arrayBuffer(), r.status));
  const { acme } = server.seed;
  const prod = acme.keys[0]!;
  assert.equal(await chat(prod.secret), 200);

  const page = await browser.context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByLabel('Admin token').fill(server.tokens.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
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
