// Facts about one request that policy, limits and detection judge. The hot path extracts them once from the
// parsed body and headers; everything downstream is a plain function of these facts. Names are folded
// (normalize.ts: NFKC, invisible characters removed, lower case) so spellings an upstream treats alike match alike.

export interface RequestFacts {
  api: 'openai' | 'anthropic';
  /** Path of the front door, e.g. "/v1/chat/completions", "/v1/responses", "/v1/messages/count_tokens". */
  endpoint: string;
  /** Set on a batch's items: the batch endpoint they came through (`/v1/batches`, `/v1/messages/batches`). */
  viaBatch?: string;
  /** Folded model name (routing and events keep the name as sent). */
  model: string;
  stream: boolean;
  orgId: string;
  keyId: string;
  /** Raw value of the `moat-purpose` header, if sent. */
  purpose?: string;
  /** Folded names of tools offered: function, custom and Anthropic tool names, legacy `functions`, tool_choice, MCP server names and allowed tools, container skill ids. */
  toolNames: string[];
  /** Folded tool types: "function", "custom", Anthropic's ("bash_20250124", "web_fetch_20250910", ...), "mcp_server" per MCP server, "skill" per container skill. */
  toolTypes: string[];
  /** Top-level body parameters other than messages/tools/system (e.g. thinking, logprobs, temperature); `thinking` is also set when `chat_template_kwargs` enables it. */
  params: Record<string, unknown>;
  /** The largest of max_tokens / max_completion_tokens / max_output_tokens requested, if any; 0 for embeddings and token counts. */
  maxTokens?: number;
  /** Estimated input tokens (text at 4 characters per token, images and documents at their token cost, tool definitions; gateway/input-token-estimate.ts), for limit reservations; 0 for token counts. */
  inputTokensEstimate: number;
  /** Values of `anthropic-beta`, split on commas, semicolons and whitespace, folded. */
  anthropicBeta: string[];
  userAgent?: string;
  ip: string;
  /** Epoch milliseconds when the request arrived (injected clock). */
  now: number;
}
