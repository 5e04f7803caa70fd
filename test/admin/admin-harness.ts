// A real Fastify app with the admin routes over an in-memory PGlite store, a live PolicyView and an
// in-process change bus: what the server composition wires, minus the gateway.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdminRoutes } from '../../src/admin/register-admin-routes.js';
import { WebhookAddressPolicy } from '../../src/enforcement/webhook-address.js';
import { runMigrations } from '../../src/store/migrate.js';
import { openEmptyPglite } from '../support/pgdata-template.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';
import { ChangeBroadcaster } from '../../src/view/change-broadcaster.js';
import { InProcessChangeBus } from '../../src/changes/in-process-change-bus.js';
import { startPolicyView, type PolicyView } from '../../src/view/policy-view.js';

export const BOOTSTRAP = 'bootstrap-token-for-tests-0123456789';

export interface AdminHarness {
  app: FastifyInstance;
  driver: SqlDriver;
  view: PolicyView;
  bus: InProcessChangeBus;
  routes: string[];
  /** app.inject with the bootstrap token (or `token`) and JSON body. */
  call(method: string, url: string, body?: unknown, token?: string | null): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {} };

export async function startAdminHarness(opts: { listen?: boolean } = {}): Promise<AdminHarness & { url?: string }> {
  const driver = await openEmptyPglite();
  await runMigrations(driver);
  const bus = new InProcessChangeBus();
  const view = await startPolicyView({ driver, bus, versionCheckMs: 0 });
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD' && r.url.startsWith('/admin')) routes.push(`${m} ${r.url}`);
  });
  const broadcaster = new ChangeBroadcaster({ driver, bus, attempts: 3 });
  await registerAdminRoutes(app, { driver, view, broadcaster, logger: silent, bootstrapToken: BOOTSTRAP, webhookAddresses: new WebhookAddressPolicy() });
  let url: string | undefined;
  if (opts.listen) url = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app, driver, view, bus, routes, url,
    async call(method, path, body, token = BOOTSTRAP) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.inject({ method: method as 'GET', url: path, headers, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      let json: unknown;
      try {
        json = JSON.parse(res.body);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json, text: res.body, headers: res.headers };
    },
    async close() {
      await app.close();
      await broadcaster.stop();
      await view.close();
      await bus.close();
      await driver.close();
    },
  };
}
