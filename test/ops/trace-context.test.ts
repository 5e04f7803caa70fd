// W3C traceparent parsing and the OTLP JSON encoding of a span (ids as hex, times as nanosecond strings,
// ints as intValue strings), independent of the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceparent, parseTraceparent } from '../../src/ops/trace-context.js';
import { otlpTraceRequest } from '../../src/ops/otlp-tracer.js';

test('traceparent: valid headers parse (flags, later versions); malformed, all-zero and version ff do not', () => {
  assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled, false);
  assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(parseTraceparent(' 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01 ')?.spanId, '00f067aa0ba902b7');
  for (const bad of [
    undefined, '', 'garbage', ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    `00-${'a'.repeat(600)}`,
  ])
    assert.equal(parseTraceparent(bad as string | undefined), undefined, String(bad).slice(0, 40));
  assert.equal(formatTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', false), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
});

test('OTLP JSON: hex ids, nanosecond strings, typed attribute values, error status', () => {
  const req = otlpTraceRequest(
    [{ trace: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: 'c'.repeat(16), sampled: true }, name: 'chat m', kind: 'server', startMs: 1_700_000_000_123.5, durationMs: 2.25, attributes: [['s', 'x'], ['i', 3], ['d', 0.5], ['b', true]], error: 'upstream_timeout' }],
    { serviceName: 'moat', serviceVersion: '0.1.0' },
  ) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> };
  const span = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal(span.startTimeUnixNano, '1700000000123500000');
  assert.equal(span.endTimeUnixNano, '1700000000125750000');
  assert.equal(span.parentSpanId, 'c'.repeat(16));
  assert.deepEqual(span.attributes, [
    { key: 's', value: { stringValue: 'x' } },
    { key: 'i', value: { intValue: '3' } },
    { key: 'd', value: { doubleValue: 0.5 } },
    { key: 'b', value: { boolValue: true } },
  ]);
  assert.deepEqual(span.status, { code: 2, message: 'upstream_timeout' });
});

test('ids are hex of the right length and do not repeat across pool refills', async () => {
  const { newSpanId, newTraceId } = await import('../../src/ops/trace-context.js');
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const t = newTraceId();
    const s = newSpanId();
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.match(s, /^[0-9a-f]{16}$/);
    assert.ok(!seen.has(t) && !seen.has(s));
    seen.add(t).add(s);
  }
});
