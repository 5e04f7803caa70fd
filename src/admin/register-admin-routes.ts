// The admin HTTP API as a Fastify plugin under /admin. Each mutation: write to the store (one transaction,
// audited, its broadcast owed in the outbox) -> apply to this process's view -> reply, so the change already
// holds in this process's hot path when the caller gets the answer; the broadcast to the other gateways
// happens in the background and never holds the reply. A store that does not answer gives 503
// store_unavailable with retry-after.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import type { MutationMeta, MutationOutcome } from '../store/mutation.js';
import { IdempotencyCollision } from '../store/idempotency-repo.js';
import { isDomainError } from '../errors/domain-error.js';
import { adminErrorOf } from './domain-error-codes.js';
import { propagateChange } from '../view/change-broadcaster.js';
import { idempotentCall, IDEMPOTENCY_HEADER, REPLAYED_HEADER } from './idempotency.js';
import { authenticateAdmin, requireRole } from './admin-auth.js';
import type { AdminDeps, AdminIdentity, AdminRoute } from './admin-route.js';
import { buildOpenApi } from './openapi.js';
import { affiliationRoutes } from './routes/affiliation-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { auditSearchRoutes } from './routes/audit-search-routes.js';
import { consoleRoutes } from './routes/console-routes.js';
import { enforcementActivityRoutes } from './routes/enforcement-activity-routes.js';
import { glossaryRoutes } from './routes/glossary-routes.js';
import { grantRoutes } from './routes/grant-routes.js';
import { keyActivityRoutes } from './routes/key-activity-routes.js';
import { liveRoutes } from './routes/live-routes.js';
import { endLiveStreams } from './live-events.js';
import { keyRoutes } from './routes/key-routes.js';
import { limitsRoutes } from './routes/limits-routes.js';
import { orgRoutes } from './routes/org-routes.js';
import { policyRoutes } from './routes/policy-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { usageRoutes } from './routes/usage-routes.js';
import { requestLogRoutes } from './routes/request-log-routes.js';
import type { z } from 'zod';

export type { AdminDeps } from './admin-route.js';

export const ADMIN_PREFIX = '/admin';

export const ADMIN_ROUTES: readonly AdminRoute[] = [...orgRoutes, ...keyRoutes, ...grantRoutes, ...affiliationRoutes, ...tokenRoutes, ...usageRoutes, ...auditRoutes, ...policyRoutes, ...consoleRoutes, ...limitsRoutes, ...enforcementActivityRoutes, ...auditSearchRoutes, ...glossaryRoutes, ...keyActivityRoutes, ...liveRoutes, ...requestLogRoutes];

function sendError(reply: FastifyReply, err: MoatError): FastifyReply {
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).type('application/json').send({ error: { code: err.code, message: err.message } });
}

function parseWith(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const msg = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
  throw new MoatError('invalid_request', msg);
}

function toMoatError(e: unknown): MoatError | undefined {
  if (isMoatError(e)) return e;
  const fe = e as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new MoatError('unsupported_media_type');
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new MoatError('body_too_large');
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError) return new MoatError('invalid_json');
  if (isDomainError(e)) return adminErrorOf(e);
  return undefined;
}

export async function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps, routes: readonly AdminRoute[] = ADMIN_ROUTES): Promise<void> {
  const openapi = buildOpenApi([...routes, { method: 'GET', url: '/openapi.json', role: 'public', summary: 'This document.', handler: async () => undefined }], ADMIN_PREFIX);
  await app.register(
    async (scope) => {
      // Own JSON parser: the gateway may parse /v1 bodies differently (e.g. as raw buffers for pass-through).
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        const text = String(body);
        if (text.trim() === '') return done(null, undefined);
        try {
          done(null, JSON.parse(text));
        } catch {
          done(new MoatError('invalid_json') as unknown as Error, undefined);
        }
      });
      scope.setErrorHandler((err, req, reply) => {
        const me = toMoatError(err);
        if (me) return sendError(reply, me);
        deps.logger.error({ err, url: req.url }, 'admin request failed');
        return sendError(reply, new MoatError('internal_error'));
      });
      scope.setNotFoundHandler((_req, reply) => sendError(reply, new MoatError('not_found')));
      // Open event streams (a console left open) must not hold the server open on shutdown.
      scope.addHook('preClose', async () => endLiveStreams(deps.driver));

      scope.get('/openapi.json', async () => openapi);

      for (const route of routes) {
        scope.route({
          method: route.method,
          url: route.url,
          handler: async (req: FastifyRequest, reply: FastifyReply) => {
            let identity: AdminIdentity = { name: 'anonymous', role: 'viewer' };
            if (route.role !== 'public') {
              identity = await authenticateAdmin(deps.driver, req.headers.authorization, deps.bootstrapToken);
              requireRole(identity, route.role);
            }
            const params = parseWith(route.params, req.params, 'params');
            const query = parseWith(route.query, req.query, 'query');
            const body = parseWith(route.body, req.body, 'body');
            const status = route.status ?? 200;
            const idem = route.idempotent ? idempotentCall(req.headers[IDEMPOTENCY_HEADER], identity.name, { method: route.method, url: route.url, params, body }) : undefined;
            const replayed = async () => {
              const earlier = await idem?.replay(deps.driver, new Date(deps.now?.() ?? Date.now()));
              if (earlier) reply.code(earlier.status).header(REPLAYED_HEADER, 'true');
              return earlier;
            };
            const earlier = await replayed();
            if (earlier) return earlier.body;
            const meta: MutationMeta = { actor: identity.name, ...(idem ? { idempotency: idem.claim(status) } : {}) };
            let result: unknown;
            try {
              result = await route.handler({
                params, query, body, identity, deps, reply, meta,
                commit: async <T>(outcome: MutationOutcome<T>) => {
                  await propagateChange({ ...deps, onError: (err) => deps.logger.warn({ err, version: outcome.change.version }, 'committed change not yet loaded here; the version check retries') }, outcome.change);
                  deps.logger.info({ actor: identity.name, change: { kind: outcome.change.kind, version: outcome.change.version, orgId: outcome.change.orgId }, route: `${route.method} ${route.url}` }, 'admin change');
                  return outcome.result;
                },
              });
            } catch (e) {
              // The same key in a concurrent call that committed first: answer as it did.
              if (!(e instanceof IdempotencyCollision)) throw e;
              const first = await replayed();
              if (!first) throw new MoatError('idempotency_conflict', 'This Idempotency-Key is in use by another call that has not finished; retry.');
              return first.body;
            }
            reply.code(status);
            return result;
          },
        });
      }
    },
    { prefix: ADMIN_PREFIX },
  );
}
