// Upstream timeouts are kept by one sweep over the calls in flight: a call whose upstream was silent past its
// headers (before the answer starts) or body (between chunks) timeout is ended with the matching error, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { sweepIntervalMs, sweepUpstreamDeadlines, type WatchedCall } from '../../src/gateway/upstream-deadlines.js';

const up = { name: 'u', headersTimeoutMs: 1_000, bodyTimeoutMs: 5_000 } as UpstreamConfig;

function call(phase: 'idle' | 'headers' | 'body', since: number): WatchedCall & { aborted: number } {
  const c = { upstreamActivity: { phase, since }, upstream: up, aborted: 0, abort: () => void c.aborted++ } as WatchedCall & { aborted: number };
  return c;
}

test('ends calls silent past their timeout with the phase\'s error, and only those', () => {
  const waitingHeaders = call('headers', 0);
  const freshHeaders = call('headers', 500);
  const silentBody = call('body', 0);
  const talkingBody = call('body', 900);
  const idle = call('idle', 0);
  assert.equal(sweepUpstreamDeadlines([waitingHeaders, freshHeaders, silentBody, talkingBody, idle], 1_001), 1);
  assert.equal(waitingHeaders.stopWith?.code, 'upstream_headers_timeout');
  assert.equal(waitingHeaders.aborted, 1);
  assert.equal(freshHeaders.aborted, 0);
  assert.equal(sweepUpstreamDeadlines([waitingHeaders, freshHeaders, silentBody, talkingBody, idle], 5_001), 2);
  assert.equal(waitingHeaders.aborted, 1, 'a call is ended once');
  assert.equal(freshHeaders.stopWith?.code, 'upstream_headers_timeout');
  assert.equal(silentBody.stopWith?.code, 'upstream_body_timeout');
  assert.equal(talkingBody.stopWith, undefined);
  assert.equal(idle.aborted, 0);
});

test('sweeps at a quarter of the shortest timeout, between 10 ms and 1 s', () => {
  assert.equal(sweepIntervalMs([up]), 250);
  assert.equal(sweepIntervalMs([{ ...up, headersTimeoutMs: 20 }]), 10);
  assert.equal(sweepIntervalMs([{ ...up, headersTimeoutMs: 60_000, bodyTimeoutMs: 120_000 }]), 1_000);
  assert.equal(sweepIntervalMs([]), 1_000);
});
