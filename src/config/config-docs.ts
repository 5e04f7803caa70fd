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
that serves its front door's API (\`api\` or \`apis\`) and whose \`models\` globs match its \`model\`.
Credentials come from the server's environment (\`apiKeyEnv\`), never from clients: the caller's Moat key is
checked and dropped; the credential is sent the way the door's API sends it (\`Authorization: Bearer\` on the
OpenAI doors, \`x-api-key\` on the Anthropic doors).

vLLM, Ollama and llama.cpp server serve Anthropic's \`/v1/messages\` natively beside the OpenAI endpoints, so
one model can be reached through both doors (\`apis: [openai, anthropic]\`):

\`\`\`yaml
upstreams:
  # vLLM (vllm serve meta-llama/Llama-3.1-8B-Instruct): /v1/chat/completions, /v1/responses, /v1/completions,
  # /v1/embeddings and /v1/messages
  - { name: vllm, apis: [openai, anthropic], baseUrl: "http://127.0.0.1:8000", models: ["meta-llama/*"] }
  # Ollama: the OpenAI-compatible endpoints under /v1 and the Anthropic-compatible /v1/messages
  - { name: ollama, apis: [openai, anthropic], baseUrl: "http://127.0.0.1:11434", models: ["llama3*", "qwen*"] }
  # llama.cpp server (llama-server --port 8080): OpenAI endpoints and /v1/messages
  - { name: llamacpp, apis: [openai, anthropic], baseUrl: "http://127.0.0.1:8080", models: ["local-*"] }
  # OpenAI
  - { name: openai, api: openai, baseUrl: "https://api.openai.com", apiKeyEnv: OPENAI_API_KEY, models: ["gpt-*", "o3*", "o4*"] }
  # Anthropic
  - { name: anthropic, api: anthropic, baseUrl: "https://api.anthropic.com", apiKeyEnv: ANTHROPIC_API_KEY, models: ["claude-*"] }
\`\`\`

A request whose model is served only through the other API's doors is refused with \`api_mismatch\` naming the
door to use (Moat does not translate between formats); a model no upstream serves is \`unknown_model\`.

### Pools

Upstreams sharing a \`pool\` name form a pool: a request that matches the first of them is balanced over every
member serving its door and model, by \`weight\`. A member that fails to connect or answers 5xx or 429 before
anything reached the client is retried on another member (at most \`routing.retries\` more attempts, with
jittered backoff); once a byte of the answer reached the client the request is never sent again. After
\`routing.ejectAfterFailures\` consecutive failures a member is ejected for \`routing.ejectMs\`, then one
request probes it back. \`moat_upstream_requests_total{upstream,outcome}\` and \`moat_upstream_healthy{upstream}\`
count per member.

\`\`\`yaml
upstreams:
  - { name: vllm-a, pool: llama, weight: 3, apis: [openai, anthropic], baseUrl: "http://10.0.0.1:8000", models: ["meta-llama/*"] }
  - { name: vllm-b, pool: llama, weight: 1, apis: [openai, anthropic], baseUrl: "http://10.0.0.2:8000", models: ["meta-llama/*"] }
\`\`\`

## Scale-out

Set \`databaseUrl\` (PostgreSQL) and \`redisUrl\` on every gateway process: they share the store, limits are
counted in Redis (\`limits.backend\` defaults to \`redis\` then), and policy changes reach every process through
Redis pub/sub plus a version check every \`view.versionCheckMs\` (docs/propagation.md).
`;
}
