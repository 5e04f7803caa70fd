// Mounts the console handler on a Fastify instance: GET/HEAD /console and /console/*. The raw handler
// writes the response itself, so the reply is hijacked (Fastify's serialisers and hooks after this skip).
import type { FastifyInstance } from 'fastify';
import { createConsoleHandler, type ConsoleHandler } from './serve-console.js';

export function registerConsoleRoutes(app: FastifyInstance, opts: { distDir?: string; handler?: ConsoleHandler } = {}): void {
  const handler = opts.handler ?? createConsoleHandler(opts);
  const route = (req: { raw: import('node:http').IncomingMessage }, reply: { hijack(): void; raw: import('node:http').ServerResponse }) => {
    reply.hijack();
    if (!handler(req.raw, reply.raw)) reply.raw.writeHead(404).end();
  };
  app.get('/console', route);
  app.get('/console/*', route);
}
