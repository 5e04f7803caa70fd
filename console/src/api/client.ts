// The one way the console talks to the admin API: bearer token, JSON in and out, errors as ApiError
// carrying the API's `{"error":{"code","message"}}` so every view can show what went wrong. Every answer is
// validated against the server's own response schema (src/admin-contract/) before a view sees it: an answer
// that does not fit is an error naming the route and the field, never a half-filled page.
import { readAdminAnswer } from '../../../src/admin-contract/admin-answer.js';
import { responseSchemaFor } from '../../../src/admin-contract/admin-responses.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** 404 on a route (not on a record) means the server does not offer this endpoint yet. */
  get notAvailable(): boolean {
    // The admin API answers `not_found` for an unknown route and `admin_not_found` for a missing record.
    return this.status === 404 && (this.code === 'not_found' || this.code === 'http_404');
  }
}

export type ApiFetch = <T>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }) => Promise<T>;

export function makeApi(token: string, onUnauthorized: () => void): ApiFetch {
  return async <T,>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> => {
    const method = init.method ?? 'GET';
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network_error', 'The admin API cannot be reached.');
    }
    const answer = await readAdminAnswer(res);
    if (answer.error) {
      if (res.status === 401) onUnauthorized();
      throw new ApiError(res.status, answer.error.code, answer.error.message ?? `The admin API answered ${res.status}.`);
    }
    return checkedAnswer(method, path, res.status, answer.json) as T;
  };
}

/** The answer parsed by its route's schema; unknown fields are dropped, missing or mistyped ones are an error. */
export function checkedAnswer(method: string, path: string, status: number, json: unknown): unknown {
  const contract = responseSchemaFor(method, path);
  if (!contract) throw new ApiError(status, 'no_contract', `The console has no response schema for ${method} ${path.split('?')[0]}.`);
  const r = contract.schema.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  throw new ApiError(status, 'invalid_response', `The admin API's answer to ${contract.key} does not fit its schema: ${issues.join('; ')}.`);
}
