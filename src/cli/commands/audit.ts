// `moat audit export|verify`: the tamper-evident audit trail. `verify` checks the server's log (chain, MACs, the
// latest signed checkpoint) or, with --file, an export offline: with the data folder's (or given) MAC key, the
// signed checkpoints and their public key it reports rewriting, deletion, reordering and truncation.
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, writeOut } from '../admin-cli-support.js';
import { adminRequest, resolveAdminConnection } from '../admin-client.js';
import { auditKey, parseAuditJsonl, parseExpectedHead, verifyAuditChain, type AuditVerification, type ExpectedHead, type VerifyOptions } from '../../audit/audit-chain.js';
import { checkpointProblem, latestCheckpoint } from '../../audit/checkpoint.js';
import { AUDIT_FILES } from '../../server/audit-wiring.js';

interface VerifyOpts {
  file?: string;
  dataDir?: string;
  macKeyFile?: string;
  checkpoints?: string;
  publicKey?: string;
  expectHead?: string;
}

/** Offline verification of an export; returns the lines to print, throws on tampering. */
export function verifyExportFile(o: VerifyOpts & { file: string }, env: NodeJS.ProcessEnv = process.env): string[] {
  const entries = parseAuditJsonl(readFileSync(o.file, 'utf8'));
  const inDir = (name: string) => (o.dataDir && existsSync(join(o.dataDir, name)) ? join(o.dataDir, name) : undefined);
  const macKeyFile = o.macKeyFile ?? inDir(AUDIT_FILES.macKey);
  const macKey = env.MOAT_AUDIT_MAC_KEY ?? (macKeyFile ? readFileSync(macKeyFile, 'utf8').trim() : undefined);
  const cpFile = o.checkpoints ?? inDir(AUDIT_FILES.checkpoints);
  const pubFile = o.publicKey ?? inDir(AUDIT_FILES.publicKey);
  const notes: string[] = [];
  const heads: ExpectedHead[] = [];
  let macFrom = 1;
  if (cpFile) {
    if (!pubFile) throw new Error('checkpoints need the public key that signed them (--public-key or --data-dir)');
    const cp = latestCheckpoint(cpFile);
    if (cp) {
      const problem = checkpointProblem(cp, createPublicKey(readFileSync(pubFile, 'utf8')));
      if (problem) throw new Error(`audit checkpoint invalid: ${problem}`);
      heads.push({ seq: cp.seq, hash: cp.hash, source: `checkpoint of ${cp.ts}` });
      macFrom = cp.macFrom;
      notes.push(`checkpoint seq ${cp.seq} of ${cp.ts}: signature valid`);
    }
  } else notes.push('no checkpoints given: entries cut off the end cannot be detected (--checkpoints, --data-dir or --expect-head)');
  if (o.expectHead) heads.push(parseExpectedHead(o.expectHead));
  const base: VerifyOptions = macKey ? { key: auditKey(macKey), macFrom } : {};
  notes.push(macKey ? 'MACs checked with the audit key' : 'MACs not checked (no audit key: --mac-key-file, --data-dir or MOAT_AUDIT_MAC_KEY): a rewrite with recomputed hashes would pass');
  let v: AuditVerification = verifyAuditChain(entries, base);
  for (const expect of heads) if (v.ok) v = verifyAuditChain(entries, { ...base, expect });
  if (!v.ok) throw new Error(`audit log tampered: ${v.problem} at ${v.entry ? `line ${v.index + 1} (seq ${v.seq})` : 'the end'}: ${v.message}${v.entry ? `\n${JSON.stringify(v.entry)}` : ''}`);
  return [`ok: ${v.count} entries, last seq ${v.lastSeq}, head ${v.headHash}`, ...notes.map((n) => `  ${n}`)];
}

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
    .description("Verify the audit log: the server's (chain, MACs, latest signed checkpoint), or an export offline. Exits 1 on tampering.")
    .option('--file <export.jsonl>', 'verify this export offline')
    .option('--data-dir <dir>', 'offline: take the MAC key, checkpoints and public key from this data folder')
    .option('--mac-key-file <file>', 'offline: the audit MAC key (or MOAT_AUDIT_MAC_KEY)')
    .option('--checkpoints <file>', 'offline: the signed checkpoints file')
    .option('--public-key <file>', 'offline: the public key that signed the checkpoints (audit-signing-key.pub.pem)')
    .option('--expect-head <seq:hash>', 'the log must contain this entry (a head recorded elsewhere)')
    .action(async (o: VerifyOpts, cmd: Command) => {
      if (o.file) {
        writeOut(cmd, verifyExportFile({ ...o, file: o.file }).join('\n'));
        return;
      }
      const q = o.expectHead ? `?expect_head=${encodeURIComponent(o.expectHead)}` : '';
      const v = (await callAdmin(cmd, 'GET', `/admin/audit/verify${q}`)) as { ok: boolean; count: number; lastSeq?: number; headHash?: string; seq?: number; problem?: string; message?: string; checkpoint: { seq: number; ts: string } | null };
      if (!v.ok) throw new Error(`audit log tampered: ${v.problem}${v.seq !== undefined ? ` at seq ${v.seq}` : ''}: ${v.message}`);
      writeOut(cmd, `ok: ${v.count} entries, last seq ${v.lastSeq}, head ${v.headHash}${v.checkpoint ? `; reaches checkpoint seq ${v.checkpoint.seq} of ${v.checkpoint.ts}` : '; no checkpoint yet'}`);
    });
}
