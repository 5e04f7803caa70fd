// Trace format v1 (docs/trace-format.md): JSONL, one object per line, ordered by time. The gateway's event log
// writes it and `moat replay` / the detection pipeline read it.

export interface TraceOrgLine {
  type: 'org';
  id: string;
  name?: string;
  attributes?: Record<string, string | number | boolean>;
  affiliates?: Array<{ org: string; relation: string }>;
  grants?: Array<{ purpose: string; models: string[]; expires_at?: string }>;
}

export interface TraceUsage {
  input_tokens: number;
  output_tokens: number;
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
  headers?: Record<string, string>;
  /** The request body exactly as sent. */
  body: unknown;
  response?: { status: number; usage?: TraceUsage; text?: string; latency_ms?: number };
}

export type TraceLine = TraceOrgLine | TraceRequestLine;
