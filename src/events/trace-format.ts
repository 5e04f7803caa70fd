// Trace format v1 (docs/trace-format.md): JSONL, one object per line, ordered by time. The gateway's event log
// writes it and `moat replay` / the detection pipeline read it.

export interface TraceOrgLine {
  type: 'org';
  id: string;
  name?: string;
  attributes?: Record<string, string | number | boolean>;
  affiliates?: Array<{ org: string; relation: string }>;
  grants?: Array<{ purpose: string; models: string[]; expires_at?: string }>;
  /** When the org (the account) was created (ISO 8601): linkage reads accounts opened together as a cohort. */
  created_at?: string;
}

export interface TraceUsage {
  input_tokens: number;
  output_tokens: number;
  /** Of the output, tokens the model spent reasoning (reported by OpenAI; estimated from thinking blocks for Anthropic). */
  reasoning_tokens?: number;
}

export interface TraceRequestLine {
  type: 'request';
  id: string;
  ts: string;
  org: string;
  /** A key id, never a secret. */
  key: string;
  client?: { ip?: string; user_agent?: string };
  api: 'openai' | 'anthropic';
  /** The door's path ("/v1/responses"); absent in traces written before there were doors beside chat and messages. */
  endpoint?: string;
  headers?: Record<string, string>;
  /** The request body exactly as sent. */
  body: unknown;
  response?: { status: number; usage?: TraceUsage; text?: string; latency_ms?: number };
  /** Present when the request was an item of a batch: the batch id and the item's custom_id. */
  batch?: { id: string; custom_id: string };
}

export type TraceLine = TraceOrgLine | TraceRequestLine;

/**
 * Doors whose requests ask the model for no text: embeddings (the input is documents to index) and token counting
 * (a copy of a conversation the client is about to send). They are metered and traced, but detection does not read
 * them as prompts: an embedding job would read as thousands of single-turn "prompts", and a client that counts
 * tokens before each call would send every prompt twice.
 */
export function asksForText(line: Pick<TraceRequestLine, 'endpoint'>): boolean {
  return line.endpoint !== '/v1/embeddings' && line.endpoint !== '/v1/messages/count_tokens';
}
