// Renders a MoatError in the caller's own API shape (OpenAI or Anthropic), as body and headers.
import { ERROR_CATALOG } from './catalog.js';
import type { MoatError } from './moat-error.js';

export type WireApi = 'openai' | 'anthropic';

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function renderError(api: WireApi, err: MoatError, requestId: string): RenderedError {
  const s = ERROR_CATALOG[err.code];
  const message = err.clause ? `${err.message} (clause: ${err.clause})` : err.message;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': requestId,
    'moat-error-code': err.code,
    ...(err.headers ?? {}),
  };
  if (!err.retryable) headers['x-should-retry'] = 'false';
  if (api === 'anthropic') headers['request-id'] = requestId;
  const body =
    api === 'anthropic'
      ? { type: 'error', error: { type: s.anthropicType, message, code: err.code, ...(err.clause ? { clause: err.clause } : {}) }, request_id: requestId }
      : { error: { message, type: s.openaiType, param: err.param ?? null, code: err.code, ...(err.clause ? { clause: err.clause } : {}) } };
  return { status: err.status, headers, body: JSON.stringify(body) };
}

/** The SSE event that ends a running stream with an error, in the API's own streaming format. */
export function renderStreamError(api: WireApi, err: MoatError, requestId: string): string {
  const s = ERROR_CATALOG[err.code];
  const message = err.clause ? `${err.message} (clause: ${err.clause})` : err.message;
  if (api === 'anthropic') {
    const data = { type: 'error', error: { type: s.anthropicType, message, code: err.code, ...(err.clause ? { clause: err.clause } : {}) }, request_id: requestId };
    return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
  }
  const data = { error: { message, type: s.openaiType, param: null, code: err.code, ...(err.clause ? { clause: err.clause } : {}) } };
  return `data: ${JSON.stringify(data)}\n\n`;
}
