// One request event as the request log keeps it (pure functions): its outcome as metering counts it, whether
// it is sampled, and the prompt excerpt only when the operator allows prompt text.
import type { RequestEvent } from '../events/request-event.js';
import { viewRequest } from '../detection/request-view.js';
import { redactSecrets } from '../enforcement/redact-secrets.js';
import { usageOutcome, type UsageOutcome } from '../metering/usage-outcome.js';
import { PROMPT_EXCERPT_CHARS, type RequestLogSettings } from './request-log-settings.js';
import { storableText } from '../sql/row-values.js';

export interface RequestLogRow {
  id: string;
  ts: string;
  orgId: string;
  keyId: string;
  model: string;
  api: 'openai' | 'anthropic';
  endpoint: string;
  stream: boolean;
  status: number;
  outcome: UsageOutcome;
  reason: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  purpose?: string;
  prompt?: string;
}

/**
 * Whether a request is kept: a hash of its id against the outcome's rate, so the decision is the same wherever
 * it is made and a rate of 1 keeps everything, 0 nothing.
 */
export function sampled(id: string, outcome: UsageOutcome, s: Pick<RequestLogSettings, 'admittedSampleRate' | 'otherSampleRate'>): boolean {
  const rate = outcome === 'admitted' ? s.admittedSampleRate : s.otherSampleRate;
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return unitHash(id) < rate;
}

/** FNV-1a of the id with murmur3's final mix (ids differing in one digit spread evenly), scaled to [0, 1). */
function unitHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 0x1_0000_0000;
}

/** The row for an event, or undefined when the event is not sampled. */
export function requestLogRow(e: RequestEvent, s: RequestLogSettings): RequestLogRow | undefined {
  const { outcome, reason } = usageOutcome(e.status, e.errorCode, e.upstreamCalled === true);
  if (!sampled(e.id, outcome, s)) return undefined;
  const row: RequestLogRow = {
    id: e.id,
    ts: e.ts,
    orgId: e.orgId,
    keyId: e.keyId,
    model: storableText(e.model),
    api: e.api,
    endpoint: e.endpoint,
    stream: e.stream,
    status: e.status,
    outcome,
    reason,
    latencyMs: Math.round(e.latencyMs * 10) / 10,
    inputTokens: e.usage.input_tokens,
    outputTokens: e.usage.output_tokens,
  };
  if (e.purpose !== undefined) row.purpose = e.purpose;
  if (s.prompts === 'excerpt') {
    // Redacted before it is cut, so a credential across the cut cannot leave a readable part behind.
    const prompt = redactSecrets(viewRequest(e.body).prompt.slice(0, 4 * PROMPT_EXCERPT_CHARS));
    if (prompt) row.prompt = storableText(prompt.length > PROMPT_EXCERPT_CHARS ? prompt.slice(0, PROMPT_EXCERPT_CHARS) + '…' : prompt);
  }
  return row;
}
