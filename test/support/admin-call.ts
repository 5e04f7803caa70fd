// One admin-API call for the test harnesses: bearer token, JSON body, parsed JSON reply. Each harness decides
// whether a non-2xx reply throws.
import { fetchFresh } from './fresh-connection-fetch.js';

export interface AdminReply {
  status: number;
  ok: boolean;
  text: string;
  json: any;
}

export async function adminCall(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<AdminReply> {
  const res = await fetchFresh(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, ok: res.ok, text, json: text ? JSON.parse(text) : undefined };
}
