// Facts about one request that policy, limits and detection judge. The hot path extracts them once from the
// parsed body and headers; everything downstream is a plain function of these facts.

export interface RequestFacts {
  api: 'openai' | 'anthropic';
  /** Path of the front door, e.g. "/v1/chat/completions" or "/v1/messages". */
  endpoint: string;
  model: string;
  stream: boolean;
  orgId: string;
  keyId: string;
  /** Raw value of the `moat-purpose` header, if sent. */
  purpose?: string;
  /** Names of tools offered to the model (function names, Anthropic tool names). */
  toolNames: string[];
  /** Tool types (e.g. "function", "computer_20250124", "bash_20250124", "text_editor_20250124", "web_search"). */
  toolTypes: string[];
  /** Top-level body parameters other than messages/tools/system (e.g. thinking, logprobs, temperature). */
  params: Record<string, unknown>;
  /** max_tokens / max_completion_tokens requested, if any. */
  maxTokens?: number;
  /** Estimated input tokens (characters / 4 over messages and system), for limit reservations. */
  inputTokensEstimate: number;
  /** Values of `anthropic-beta`, split on commas. */
  anthropicBeta: string[];
  userAgent?: string;
  ip: string;
  /** Epoch milliseconds when the request arrived (injected clock). */
  now: number;
}
