import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { actionFor } from '../../src/detection/action-for.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector } from '../../src/detection/detector.js';
import { replayTrace } from '../../src/detection/replay.js';
import { buildReport, clusterRuleIds } from '../../src/detection/report.js';
import { toDetectionLine, type RequestEvent } from '../../src/events/request-event.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { fixtureLines } from './helpers.js';

// What the gateway builds for each finished request, from the same traffic.
function toEvent(l: TraceRequestLine): RequestEvent {
  const headers = l.headers ?? {};
  return {
    id: l.id, ts: l.ts, orgId: l.org, keyId: l.key, model: String((l.body as { model?: string }).model ?? ''), api: l.api,
    endpoint: l.api === 'openai' ? '/v1/chat/completions' : '/v1/messages', stream: false,
    ...(headers['moat-purpose'] ? { purpose: headers['moat-purpose'] } : {}),
    client: { ip: l.client?.ip ?? '127.0.0.1', ...(l.client?.user_agent ? { userAgent: l.client.user_agent } : {}) },
    headers, body: l.body, status: 200, usage: l.response?.usage ?? { input_tokens: 10, output_tokens: 20 }, responseText: 'live response', latencyMs: 12.4, tags: [],
  };
}

test('live events (as detection is handed them, without response text) and replay of the same traffic reach identical reports', async () => {
  const lines: TraceLine[] = [...fixtureLines('hydra.jsonl'), ...fixtureLines('scope-drift.jsonl')];
  const orgLines = lines.filter((l) => l.type === 'org');
  const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request').sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const assets = loadDetectionAssets();

  // Live driver: org facts from the control plane, then each event as the bounded queue delivers it.
  const live = createDetector({ ...assets });
  for (const o of orgLines) live.ingest(o);
  for (const r of reqs) live.ingestRequest(toDetectionLine(toEvent(r)));
  const liveReport = buildReport(live.snapshot(), { malformed: 0, skipped: [] }, actionFor, clusterRuleIds(assets.rules));

  // Replay driver: the same traffic as a JSONL trace, response text included.
  const text = [...orgLines, ...reqs].map((l) => JSON.stringify(l)).join('\n') + '\n';
  const replayReport = await replayTrace(Readable.from([Buffer.from(text)]), { assets });

  assert.deepEqual(liveReport, replayReport);
  const labelled = replayReport.orgs.filter((o) => o.activities.length).map((o) => o.org);
  assert.ok(labelled.includes('org_safetylab_0') && labelled.includes('org_h001_0'), 'the comparison covers real detections');
});
