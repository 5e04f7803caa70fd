// A small client of the admin HTTP API, used by the CLI. Errors carry the API's code and message.
import { existsSync, readFileSync } from 'node:fs';
import { adminTokenFile } from '../admin/bootstrap-token.js';
import { readAdminAnswer } from '../admin-contract/admin-answer.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8787';

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`HTTP ${status} ${code}: ${message}`);
    this.name = 'AdminApiError';
  }
}

export interface AdminConnection {
  url: string;
  token: string;
}

/** --url, else MOAT_URL, else the default; --token, else MOAT_ADMIN_TOKEN, else `<dataDir>/admin-token`. */
export function resolveAdminConnection(opts: { url?: string; token?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): AdminConnection {
  const url = (opts.url ?? env.MOAT_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '');
  let token = opts.token ?? env.MOAT_ADMIN_TOKEN;
  if (!token) {
    const file = adminTokenFile(opts.dataDir ?? env.MOAT_DATA_DIR ?? '.moat');
    if (existsSync(file)) token = readFileSync(file, 'utf8').trim();
  }
  if (!token) throw new Error('no admin token: pass --token, set MOAT_ADMIN_TOKEN, or run where <dataDir>/admin-token exists (--data-dir)');
  return { url, token };
}

export async function adminRequest(conn: AdminConnection, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(conn.url + path, {
      method,
      headers: { authorization: `Bearer ${conn.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new Error(`cannot reach the admin API at ${conn.url}: ${(e as Error).message}`);
  }
  const answer = await readAdminAnswer(res);
  if (answer.error) throw new AdminApiError(answer.status, answer.error.code, answer.error.message ?? answer.text.slice(0, 200));
  return { status: answer.status, text: answer.text, json: answer.json };
}
