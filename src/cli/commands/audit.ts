// `moat audit export|verify`: the tamper-evident audit trail. `verify --file` works offline on an export.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, writeOut } from '../../admin/admin-cli-support.js';
import { adminRequest, resolveAdminConnection } from '../../admin/admin-client.js';
import { parseAuditJsonl, verifyAuditChain } from '../../audit/audit-chain.js';

export function register(program: Command): void {
  const audit = addConnectionOptions(program.command('audit').description('Export and verify the audit trail.'));

  audit
    .command('export')
    .description('Write the whole audit log as JSONL.')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (o: { out?: string }, cmd: Command) => {
      const conn = resolveAdminConnection(cmd.optsWithGlobals());
      const { text } = await adminRequest(conn, 'GET', '/admin/audit/export');
      if (o.out) {
        writeFileSync(o.out, text);
        writeOut(cmd, `wrote ${text.split('\n').filter(Boolean).length} entries to ${o.out}`);
      } else if (text) writeOut(cmd, text);
    });

  audit
    .command('verify')
    .description('Verify the hash chain: of an export file (offline), or of the server\'s log. Exits 1 on tampering.')
    .option('--file <export.jsonl>', 'verify this export offline')
    .action(async (o: { file?: string }, cmd: Command) => {
      if (o.file) {
        const v = verifyAuditChain(parseAuditJsonl(readFileSync(o.file, 'utf8')));
        if (!v.ok) throw new Error(`audit chain broken: ${v.problem} at line ${v.index + 1}: ${v.message}\n${JSON.stringify(v.entry)}`);
        writeOut(cmd, `ok: ${v.count} entries, last seq ${v.lastSeq}, head ${v.headHash}`);
        return;
      }
      const v = (await callAdmin(cmd, 'GET', '/admin/audit/verify')) as { ok: boolean; count: number; lastSeq?: number; headHash?: string; seq?: number; problem?: string; message?: string };
      if (!v.ok) throw new Error(`audit chain broken: ${v.problem} at seq ${v.seq}: ${v.message}`);
      writeOut(cmd, `ok: ${v.count} entries, last seq ${v.lastSeq}, head ${v.headHash}`);
    });
}
