// OpenTelemetry against an in-process OTLP/HTTP receiver: one span per model call with GenAI attributes and
// Moat's (org, key, decision, refusal code, limit), the caller's traceparent continued and the upstream given
// this span as its parent; never prompt text. With no endpoint configured there is no tracer and nothing is
// forwarded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { caught } from '../support/caught.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status: { code: number; message?: string };
}

let receiver: Server;
let endpoint = '';
const bodies: string[] = [];
const spans: Array<OtlpSpan & { service: string }> = [];
let t: TestMoat;
let secret = '';
let orgId = '';
const SECRET_PROMPT = 'the-prompt-text-must-never-reach-the-collector';

before(async () => {
  receiver = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json' || req.headers['x-ingest-key'] !== 'k-123') {
      res.writeHead(400).end();
      return;
    }
    bodies.push(body);
    const doc = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    for (const rs of doc.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  t = await startTestMoat({
    name: 'otlp',
    config: {
      'telemetry.otlp.endpoint': endpoint,
      'telemetry.otlp.headers': { 'x-ingest-key': 'k-123' },
      'telemetry.otlp.serviceName': 'moat-test',
      'telemetry.otlp.flushMs': 20,
    },
  });
  await t.applyPolicy({ tiers: { tiny: {} }, limits: { tiers: { tiny: { key: { requestsPerMinute: 2 } } } }, orgs: [{ id: 'org_traced', name: 'Traced', tier: 'tiny' }], keys: [{ name: 'k', org: 'org_traced' }] });
  secret = t.keyOf('org_traced', 'k');
  orgId = 'org_traced';
});
after(async () => {
  await t.close();
  receiver.close();
});

const attrs = (s: OtlpSpan) => Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
async function spanOf(requestId: string): Promise<OtlpSpan & { service: string }> {
  for (let i = 0; i < 400; i++) {
    const s = spans.find((x) => attrs(x)['moat.request.id'] === requestId);
    if (s) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no span for ${requestId}`);
}

test('a call continues the caller\'s trace, its span carries GenAI and Moat attributes, and the upstream gets this span as parent', async () => {
  const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpan = '00f067aa0ba902b7';
  const { client } = t.openai(secret);
  const res = await client.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content: SECRET_PROMPT }], max_tokens: 50, temperature: 0.5 }, { headers: { traceparent: `00-${parentTrace}-${parentSpan}-01`, tracestate: 'vendor=abc' } })
    .withResponse();
  const requestId = res.response.headers.get('x-request-id') as string;
  const span = await spanOf(requestId);
  assert.equal(span.service, 'moat-test');
  assert.equal(span.traceId, parentTrace);
  assert.equal(span.parentSpanId, parentSpan);
  assert.match(span.spanId, /^[0-9a-f]{16}$/);
  assert.equal(span.kind, 2, 'SERVER');
  assert.equal(span.name, 'chat gpt-4o');
  assert.ok(BigInt(span.endTimeUnixNano) > BigInt(span.startTimeUnixNano));
  const a = attrs(span);
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.request.model'], 'gpt-4o');
  assert.equal(a['gen_ai.request.max_tokens'], '50', 'ints are OTLP intValue strings');
  assert.equal(a['gen_ai.request.temperature'], 0.5);
  assert.equal(a['gen_ai.usage.input_tokens'], String(res.data.usage?.prompt_tokens));
  assert.equal(a['gen_ai.usage.output_tokens'], String(res.data.usage?.completion_tokens));
  assert.equal(a['moat.org.id'], orgId);
  assert.match(String(a['moat.key.id']), /^key_/);
  assert.equal(a['moat.decision'], 'allow');
  assert.equal(a['moat.outcome'], 'admitted');
  assert.equal(a['http.response.status_code'], '200');
  assert.equal(span.status.code, 0);

  const upstreamSaw = t.demo.requests.at(-1)!;
  assert.equal(upstreamSaw.headers.traceparent, `00-${parentTrace}-${span.spanId}-01`);
  assert.equal(upstreamSaw.headers.tracestate, 'vendor=abc');
  assert.ok(bodies.every((b) => !b.includes(SECRET_PROMPT)), 'no prompt text is exported');
});

test('without a traceparent a new trace starts; a refusal names the code and the limit that refused', async () => {
  const { client } = t.openai(secret);
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
  const upstreamCalls = t.demo.requests.length;
  const e = await caught<{ status: number; headers: Headers }>(() => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal(e.status, 429);
  const span = await spanOf(e.headers.get('x-request-id') as string);
  assert.equal(span.parentSpanId, undefined);
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  const a = attrs(span);
  assert.equal(a['moat.refusal.code'], 'rate_limited');
  assert.equal(a['moat.limit'], 'key:requests_per_minute');
  assert.equal(a['moat.outcome'], 'rate_limited');
  assert.equal(a['moat.decision'], 'allow', 'the policy allowed it; a limit refused it');
  assert.equal(span.status.code, 0, 'a refusal is not a server error');
  assert.equal(t.demo.requests.length, upstreamCalls, 'a refused call never reached the upstream');

  // A malformed traceparent is not continued: the span starts a new trace.
  const bad = await caught<{ headers: Headers }>(() => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01' } }));
  const fresh = await spanOf(bad.headers.get('x-request-id') as string);
  assert.equal(fresh.parentSpanId, undefined);
  assert.notEqual(fresh.traceId, '4bf92f3577b34da6a3ce929d0e0e473');
});

test('with no endpoint configured nothing is traced or forwarded', async () => {
  const plain = await startTestMoat({ name: 'otlp-off' });
  try {
    await plain.applyPolicy({ orgs: [{ id: 'org_p', name: 'P', tier: 'default' }], keys: [{ name: 'k', org: 'org_p' }], tiers: { default: {} } });
    await plain.openai(plain.keyOf('org_p', 'k')).client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    assert.equal(plain.demo.requests.at(-1)?.headers.traceparent, undefined);
    assert.doesNotMatch(await (await fetch(`${plain.url}/metrics`)).text(), /moat_trace_spans/);
  } finally {
    await plain.close();
  }
});
