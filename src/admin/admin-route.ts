// One admin route = method, path, minimum role, zod schemas and a handler. The same table registers the
// Fastify routes and builds the OpenAPI document, so the two cannot drift apart.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { AdminRole } from '../model/admin.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { MutationMeta, MutationOutcome } from '../store/mutation.js';
import type { ChangeBroadcaster } from '../view/change-broadcaster.js';
import type { PolicyView } from '../view/policy-view.js';
import type { LimitInspector } from '../limits/limiter.js';
import type { KeyObject } from 'node:crypto';
import type { AuditKey } from '../audit/audit-chain.js';
import type { AuditCheckpoint } from '../audit/checkpoint.js';
import type { RequestLogSettings } from '../request-log/request-log-settings.js';

export interface AdminLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AdminDeps {
  driver: SqlDriver;
  view: Pick<PolicyView, 'applyChange'>;
  /** Broadcasts committed changes to the other gateways (in the background; no admin call waits for it). */
  broadcaster?: Pick<ChangeBroadcaster, 'publish'> | undefined;
  logger: AdminLogger;
  /** Accepted as role admin, named "bootstrap" (from config or `<dataDir>/admin-token`). */
  bootstrapToken?: string | undefined;
  /** The gateway's limiter, read-only: lets `GET /admin/orgs/:org/limits` report current usage. */
  limitInspector?: LimitInspector;
  /** The gateway's clock (injected in tests). */
  now?: () => number;
  /** Where webhooks may be sent (enforcement.webhookAllowNetworks); contact webhooks are checked against it. */
  webhookAddresses?: { urlProblem(url: string): string | undefined };
  /** What the request log records (config `requestLog`); absent: the log is off. */
  requestLog?: RequestLogSettings;
  /** What `GET /admin/audit/verify` checks beyond the chain: entry MACs and the latest signed checkpoint. */
  audit?: { key: AuditKey; publicKey: KeyObject; latestCheckpoint(): AuditCheckpoint | undefined };
}

export interface AdminIdentity {
  name: string;
  role: AdminRole;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  identity: AdminIdentity;
  deps: AdminDeps;
  reply: FastifyReply;
  /** Who is changing the store, and the call's Idempotency-Key (create calls) to commit with the change. */
  meta: MutationMeta;
  /** Makes a store change effective here, hands it to the broadcaster, and returns its result. */
  commit<T>(outcome: MutationOutcome<T>): Promise<T>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface AdminRoute {
  method: Method;
  /** Fastify path under /admin, e.g. `/orgs/:org`. */
  url: string;
  /** Minimum role; `public` needs no token. */
  role: AdminRole | 'public';
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success status (default 200) and its body schema. */
  status?: number;
  response?: z.ZodType;
  /** Non-JSON success responses, e.g. application/x-ndjson. */
  produces?: string;
  /** Create calls: an `Idempotency-Key` header makes a retry return the first answer instead of a second object. */
  idempotent?: boolean;
  handler(ctx: RouteContext<any, any, any>): Promise<unknown>;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** Typed constructor: the handler sees the parsed types of its own schemas. */
export function adminRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  r: Omit<AdminRoute, 'handler' | 'params' | 'query' | 'body'> & {
    params?: P;
    query?: Q;
    body?: B;
    handler(ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>>): Promise<unknown>;
  },
): AdminRoute {
  return r as AdminRoute;
}
