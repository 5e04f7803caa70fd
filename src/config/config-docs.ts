// Generates docs/configuration.md from the config schema itself, so the documentation cannot drift from
// what is validated at boot (a test compares the two; `moat config docs` prints it).
import { z } from 'zod';
import { ConfigSchema, ENV_BINDINGS } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  anyOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
};

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  return s.type ?? 'value';
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const env = ENV_BINDINGS.find((b) => b.path.join('.') === path)?.env;
    if (prop.type === 'object' && prop.properties) {
      rows(prop, path, out);
      continue;
    }
    const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    const required = schema.required?.includes(name) && prop.default === undefined ? ' (required)' : '';
    out.push(`| \`${path}\`${required} | ${typeOf(prop)} | ${def} | ${env ? `\`${env}\`` : ''} | ${(prop.description ?? '').replaceAll('|', '\\|')} |`);
    if (prop.type === 'array' && prop.items?.properties) rows(prop.items, `${path}[]`, out);
  }
}

export function configurationMarkdown(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const table: string[] = [];
  rows(schema, '', table);
  return `# Configuration

<!-- Generated from src/config/schema.ts by \`moat config docs\`; test/config-docs.test.ts keeps it current. -->

Moat reads one YAML file (\`--config FILE\` or \`MOAT_CONFIG\`) and environment variables; the environment wins.
Everything is validated at boot: an unknown or mistyped field stops the start with a message naming it,
e.g. \`invalid configuration (moat.yaml): server.port: Invalid input: expected number, received string\`.
With no configuration at all, Moat uses the embedded PGlite store in \`.moat/\` and the built-in demo upstream.

## Fields

| field | type | default | environment | meaning |
| --- | --- | --- | --- | --- |
${table.join('\n')}

## Pointing Moat at a real model server

The demo upstream is a stand-in that echoes; it starts only while \`upstreams\` is empty (or
\`demoUpstream.enabled: true\`). List real servers under \`upstreams\`; a request goes to the first upstream
whose \`models\` globs match its \`model\`. Credentials come from the server's environment (\`apiKeyEnv\`), never
from clients: the caller's Moat key is checked and dropped.

\`\`\`yaml
upstreams:
  # vLLM (OpenAI-compatible server: vllm serve meta-llama/Llama-3.1-8B-Instruct)
  - { name: vllm, api: openai, baseUrl: "http://127.0.0.1:8000", models: ["meta-llama/*"] }
  # Ollama (OpenAI-compatible endpoint under /v1)
  - { name: ollama, api: openai, baseUrl: "http://127.0.0.1:11434", models: ["llama3*", "qwen*"] }
  # llama.cpp server (llama-server --port 8080)
  - { name: llamacpp, api: openai, baseUrl: "http://127.0.0.1:8080", models: ["local-*"] }
  # OpenAI
  - { name: openai, api: openai, baseUrl: "https://api.openai.com", apiKeyEnv: OPENAI_API_KEY, models: ["gpt-*", "o3*", "o4*"] }
  # Anthropic
  - { name: anthropic, api: anthropic, baseUrl: "https://api.anthropic.com", apiKeyEnv: ANTHROPIC_API_KEY, models: ["claude-*"] }
\`\`\`

OpenAI-format requests (\`POST /v1/chat/completions\`) must route to \`api: openai\` upstreams and Anthropic-format
requests (\`POST /v1/messages\`) to \`api: anthropic\` ones; a mismatch is refused with \`api_mismatch\`.

## Scale-out

Set \`databaseUrl\` (PostgreSQL) and \`redisUrl\` on every gateway process: they share the store, limits are
counted in Redis (\`limits.backend\` defaults to \`redis\` then), and policy changes reach every process through
Redis pub/sub plus a version check every \`view.versionCheckMs\` (docs/propagation.md).
`;
}
