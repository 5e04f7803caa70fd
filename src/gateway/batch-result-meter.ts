// Metering a batch's results as they are read: each successful result line is one served request, charged the
// usage and model its own response body reports (read like a call's answer at the item's door).
import type { WireApi } from '../errors/wire-format.js';
import type { UsageAggregator } from '../metering/usage-aggregator.js';
import type { DoorKind } from './front-doors.js';
import { UsageMeter } from './usage-meter.js';
import { isJsonObject } from '../json/is-json-object.js';

/**
 * A line handler for an OpenAI output file (`{custom_id, response: {status_code, body}}`) or an Anthropic results
 * file (`{custom_id, result: {type: "succeeded", message}}`); failed items and unreadable lines are not charged.
 */
export function resultLineMeter(usage: Pick<UsageAggregator, 'record'>, owner: { orgId: string; keyId: string }, api: WireApi, kind: DoorKind): (line: Buffer) => void {
  return (line) => {
    let v: unknown;
    try {
      v = JSON.parse(line.toString('utf8'));
    } catch {
      return;
    }
    if (!isJsonObject(v)) return;
    let body: unknown;
    if (api === 'openai') {
      const r = v.response;
      if (!isJsonObject(r) || typeof r.status_code !== 'number' || r.status_code < 200 || r.status_code >= 300) return;
      body = r.body;
    } else {
      const r = v.result;
      if (!isJsonObject(r) || r.type !== 'succeeded') return;
      body = r.message;
    }
    if (!isJsonObject(body)) return;
    const meter = new UsageMeter(kind, 0);
    meter.observeBody(body);
    const u = meter.usage(0);
    usage.record({ ...owner, model: typeof body.model === 'string' ? body.model : '', inputTokens: u.input_tokens, outputTokens: u.output_tokens });
  };
}
