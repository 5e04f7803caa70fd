// Downloads an admin API export (CSV, JSONL) with the session's token: a plain link cannot send the
// Authorization header, so the file is fetched and handed to the browser as a blob.
import { loadToken } from '../auth/session.js';
import { ApiError } from './client.js';

export async function downloadExport(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${loadToken() ?? ''}` } });
  if (!res.ok) {
    const err = ((await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The admin API answered ${res.status}.`);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
