// Reading an admin API answer, shared by the CLI and the console: the body as text and, when it parses, as
// JSON; a failure's code and message from the API's `{"error":{"code","message"}}`, or `http_<status>` when the
// body does not carry one (a proxy's page, an empty answer).
export interface AdminAnswer {
  status: number;
  text: string;
  json: unknown;
  /** Set when the status is not 2xx. */
  error?: { code: string; message: string | undefined };
}

export async function readAdminAnswer(res: Response): Promise<AdminAnswer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return { status: res.status, text, json };
  const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    status: res.status,
    text,
    json,
    error: {
      code: typeof err?.code === 'string' ? err.code : `http_${res.status}`,
      message: typeof err?.message === 'string' ? err.message : undefined,
    },
  };
}
