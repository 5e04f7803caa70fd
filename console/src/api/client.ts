// The one way the console talks to the admin API: bearer token, JSON in and out, errors as ApiError
// carrying the API's `{"error":{"code","message"}}` so every view can show what went wrong.

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
    let res: Response;
    try {
      res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network_error', 'The admin API cannot be reached.');
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (res.status === 401) onUnauthorized();
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The admin API answered ${res.status}.`);
    }
    return json as T;
  };
}
