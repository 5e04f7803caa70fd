// OpenAPI 3.1 document of the admin API, generated from the route table and its zod schemas.
import { z } from 'zod';
import { ERROR_CATALOG } from '../errors/catalog.js';
import type { AdminRoute } from './admin-route.js';
import { ErrorSchema } from './admin-schemas.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

export function buildOpenApi(routes: readonly AdminRoute[], prefix = '/admin'): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = { description: 'Error', content: { 'application/json': { schema: jsonSchema(ErrorSchema, 'output') } } };
  for (const r of routes) {
    const path = prefix + r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-moat-role': r.role,
      parameters: [
        ...parameters(r.params, 'path'),
        ...parameters(r.query, 'query'),
        ...(r.idempotent
          ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'A retry with the same key and request returns the first answer (header idempotent-replayed: true) instead of creating a second object. 16-255 printable characters, e.g. a random UUID; kept 24 h.', schema: { type: 'string', minLength: 16, maxLength: 255 } }]
          : []),
      ],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'Success',
          content: r.produces
            ? { [r.produces]: { schema: { type: 'string' } } }
            : { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output') : {} } },
        },
        default: errorResponse,
      },
    };
    if (r.role !== 'public') op.security = [{ adminToken: [] }];
    if (r.body) op.requestBody = { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Moat admin API',
      version: '1',
      description: `Roles: viewer (read) < analyst (read, annotate cases) < admin (all changes). Error codes: ${Object.keys(ERROR_CATALOG).filter((c) => c.startsWith('admin_') || c.startsWith('invalid_')).join(', ')}.`,
    },
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
