// A finished model call as one OpenTelemetry span (a pure function): GenAI semantic-convention attributes
// (https://opentelemetry.io/docs/specs/semconv/gen-ai/) plus Moat's own. Never prompt or completion text.
import type { AttributeValue, FinishedSpan, RequestTrace } from '../ops/otlp-tracer.js';
import type { Exchange } from './exchange.js';

/** `gen_ai.operation.name` of a front door's endpoint (new doors fall back to `chat`). */
function operationOf(endpoint: string): string {
  if (endpoint.endsWith('/embeddings')) return 'embeddings';
  if (endpoint === '/v1/completions') return 'text_completion';
  return 'chat';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function requestSpan(
  x: Exchange & { trace: RequestTrace },
  usage: { input_tokens: number; output_tokens: number },
  latencyMs: number,
  outcome: string,
): FinishedSpan {
  const op = operationOf(x.endpoint);
  const a: Array<readonly [string, AttributeValue]> = [
    ['gen_ai.operation.name', op],
    ['gen_ai.provider.name', x.api],
    ['gen_ai.system', x.api],
    ['http.request.method', x.req.method ?? 'POST'],
    ['http.route', x.endpoint],
    ['http.response.status_code', x.status],
    ['moat.request.id', x.id],
    ['moat.outcome', outcome],
  ];
  if (x.model) a.push(['gen_ai.request.model', x.model]);
  const body = x.body;
  if (body) {
    const maxTokens = num(body.max_tokens) ?? num(body.max_completion_tokens);
    if (maxTokens !== undefined) a.push(['gen_ai.request.max_tokens', maxTokens]);
    const temperature = num(body.temperature);
    if (temperature !== undefined) a.push(['gen_ai.request.temperature', temperature]);
    const topP = num(body.top_p);
    if (topP !== undefined) a.push(['gen_ai.request.top_p', topP]);
    a.push(['moat.stream', x.stream]);
  }
  if (x.upstreamCalled) a.push(['gen_ai.usage.input_tokens', usage.input_tokens], ['gen_ai.usage.output_tokens', usage.output_tokens]);
  if (x.upstream) a.push(['moat.upstream', x.upstream.name], ['server.address', hostOf(x.upstream.baseUrl)]);
  if (x.orgId !== undefined) a.push(['moat.org.id', x.orgId]);
  else if (x.refusedOwner) a.push(['moat.org.id', x.refusedOwner.orgId]);
  if (x.keyId !== undefined) a.push(['moat.key.id', x.keyId]);
  else if (x.refusedOwner) a.push(['moat.key.id', x.refusedOwner.keyId]);
  if (x.tier !== undefined) a.push(['moat.tier', x.tier]);
  if (x.decision) a.push(['moat.decision', x.decision]);
  if (x.errorCode !== undefined) a.push(['moat.refusal.code', x.errorCode], ['error.type', x.errorCode]);
  if (x.limit !== undefined) a.push(['moat.limit', x.limit]);
  const failed = outcome === 'upstream_error' || x.status >= 500;
  return {
    trace: x.trace,
    name: x.model ? `${op} ${x.model}` : op,
    kind: 'server',
    startMs: x.startMs,
    durationMs: latencyMs,
    attributes: a,
    ...(failed ? { error: x.errorCode ?? `HTTP ${x.status}` } : {}),
  };
}

const hosts = new Map<string, string>();
function hostOf(baseUrl: string): string {
  let h = hosts.get(baseUrl);
  if (h === undefined) {
    try {
      h = new URL(baseUrl).hostname;
    } catch {
      h = '';
    }
    hosts.set(baseUrl, h);
  }
  return h;
}
