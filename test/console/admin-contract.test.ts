// One source of truth for admin API answers: the admin routes answer with the schemas of src/admin-contract/,
// the console finds a schema for every path it calls, and its API boundary refuses an answer that does not fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ADMIN_RESPONSES } from '../../src/admin-contract/admin-responses.js';
import { ADMIN_ROUTES } from '../../src/admin/register-admin-routes.js';
import { caseRoutes } from '../../src/admin/routes/case-routes.js';
import type { EnforcementService } from '../../src/enforcement/enforcement-service.js';
import { ApiError, checkedAnswer } from '../../console/src/api/client.js';

const ROUTES = [...ADMIN_ROUTES, ...caseRoutes({} as EnforcementService)];
const json = (s: z.ZodType) => JSON.stringify(z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' }));

test('every route of the contract is served, and answers with exactly the contract\'s schema', () => {
  for (const [key, schema] of Object.entries(ADMIN_RESPONSES)) {
    const route = ROUTES.find((r) => `${r.method} ${r.url}` === key);
    assert.ok(route, `no admin route ${key}`);
    assert.ok(route.response, `${key} declares no response schema`);
    assert.equal(json(route.response), json(schema), `${key} answers with a schema other than the contract's`);
  }
});

function consoleSources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? consoleSources(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const KEYS = Object.keys(ADMIN_RESPONSES).map((k) => '/admin' + k.split(' ')[1]!);
const fits = (path: string, key: string) => {
  const [p, k] = [path.split('/'), key.split('/')];
  return p.length === k.length && p.every((seg, i) => seg === k[i] || seg === '*' || k[i]!.startsWith(':'));
};

test('every admin path the console calls has a response schema', () => {
  const missing: string[] = [];
  let paths = 0;
  for (const file of consoleSources(join(import.meta.dirname, '../../console/src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/[`'](\/admin\/[^`'\s]*)[`']/g)) {
      // A template part stands for any one segment, as a `:param` of the table does.
      const path = m[1]!.replace(/\$\{[^}]*\}/g, '*').split('?')[0]!;
      if (path === '/admin/events' || path.endsWith('/export')) continue; // a stream and downloads, not JSON answers
      paths++;
      if (!KEYS.some((key) => fits(path, key))) missing.push(`${file}: ${path}`);
    }
  }
  assert.ok(paths > 20, `found the console's calls (${paths})`);
  assert.deepEqual(missing, []);
});

test('the console\'s API boundary keeps answers that fit, drops unknown fields, and refuses the rest by name', () => {
  const org = { id: 'org_1', name: 'acme', status: 'active', attributes: {}, labels: [], tier: 'standard', createdAt: 'x', updatedAt: 'x', extra: 1 };
  const { extra: _extra, ...known } = org;
  assert.deepEqual(checkedAnswer('GET', '/admin/orgs/acme?x=1', 200, org), known);
  const bad = (() => {
    try {
      checkedAnswer('GET', '/admin/orgs', 200, { orgs: [{ ...org, status: 'frozen' }] });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(bad instanceof ApiError);
  assert.equal(bad.code, 'invalid_response');
  assert.match(bad.message, /GET \/orgs .*orgs\.0\.status/);
  const unknown = (() => {
    try {
      checkedAnswer('POST', '/admin/orgs/acme/teleport', 200, {});
    } catch (e) {
      return e;
    }
  })();
  assert.ok(unknown instanceof ApiError);
  assert.equal(unknown.code, 'no_contract');
});
