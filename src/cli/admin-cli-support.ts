// Shared pieces of the admin CLI command groups (orgs, keys, tokens, audit): connection options and output
// through the root command's configured writer, so tests can capture it.
import type { Command } from 'commander';
import { adminRequest, resolveAdminConnection } from './admin-client.js';

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'admin API base URL (default: $MOAT_URL or http://127.0.0.1:8787)')
    .option('--token <token>', 'admin token (default: $MOAT_ADMIN_TOKEN or <data-dir>/admin-token)')
    .option('--data-dir <dir>', 'data folder holding admin-token (default: $MOAT_DATA_DIR or .moat)')
    .option('--json', 'print raw JSON');
}

function root(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

export function writeOut(cmd: Command, text: string): void {
  const out = root(cmd).configureOutput();
  (out.writeOut ?? ((s: string) => process.stdout.write(s)))(text.endsWith('\n') ? text : text + '\n');
}

/** Calls the admin API with the connection options of `cmd` (options may sit on the command or its group). */
export async function callAdmin(cmd: Command, method: string, path: string, body?: unknown): Promise<unknown> {
  const opts = cmd.optsWithGlobals() as { url?: string; token?: string; dataDir?: string };
  const conn = resolveAdminConnection(opts);
  return (await adminRequest(conn, method, path, body)).json;
}

export function wantsJson(cmd: Command): boolean {
  return Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
}

/** Rows as aligned columns. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  if (rows.length === 0) return '(none)';
  const widths = (rows[0] as ReadonlyArray<string>).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export const enc = encodeURIComponent;

/** `k=v` pairs into attributes; true/false/numbers become typed values. */
export function parseAttributes(pairs: readonly string[] | undefined): Record<string, string | number | boolean> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`attribute "${p}" is not key=value`);
    const v = p.slice(i + 1);
    out[p.slice(0, i)] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
