// What `moat start` prints once it listens: everything needed to make a first request.
import { servedApis, type MoatConfig } from '../config/schema.js';
import type { MoatServer } from './start-moat.js';

export function startBanner(server: MoatServer, config: MoatConfig, opts: { consoleAvailable: boolean }): string {
  const lines = [
    `Moat gateway listening on ${server.url}`,
    `  store:        ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/pgdata`}`,
    `  admin token:  ${server.adminToken}   (${server.adminTokenSource === 'config' ? 'from MOAT_ADMIN_TOKEN / config' : `kept in ${config.dataDir}/admin-token`})`,
    `  admin API:    ${server.url}/admin   (OpenAPI: ${server.url}/admin/openapi.json)`,
  ];
  if (opts.consoleAvailable) lines.push(`  console:      ${server.url}/console`);
  if (server.demo) {
    const model = config.demoUpstream.models[0] ?? 'demo-gpt';
    lines.push(
      `  upstream:     built-in DEMO upstream at ${server.demo.upstreamUrl} — a stand-in that echoes, not a model.`,
      `                Point Moat at a real model server with \`upstreams:\` in a config file (docs/configuration.md).`,
      `  demo org:     ${server.demo.orgName}`,
      `  demo API key: ${server.demo.apiKey}`,
      '',
      'Try it:',
      `  curl -s ${server.url}/v1/chat/completions -H 'Authorization: Bearer ${server.demo.apiKey}' -H 'content-type: application/json' -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
    );
  } else {
    lines.push(`  upstreams:    ${config.upstreams.map((u) => `${u.name} (${servedApis(u).join('+')}, ${u.models.join(' ')})`).join('; ')}`);
  }
  return lines.join('\n') + '\n';
}
