// Tamper-evident audit chain: every entry carries the hash of the previous one, and its own hash covers its
// content and that link. Editing, deleting or reordering any entry breaks verification at that point.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryContent {
  /** 1, 2, 3, ... without gaps: appends are serialised, so a gap means a deleted entry. */
  seq: number;
  ts: string;
  /** Admin token name, or `automation:<rule>`. */
  actor: string;
  /** e.g. `org.create`, `key.disable`, `org.status`. */
  action: string;
  /** What was changed, e.g. an org or key id. */
  target: string;
  /** Details of the change. Never secrets. */
  data: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryContent {
  prevHash: string;
  hash: string;
}

export function hashAuditEntry(prevHash: string, content: AuditEntryContent): string {
  const { seq, ts, actor, action, target, data } = content;
  return createHash('sha256')
    .update(prevHash + canonicalJson({ seq, ts, actor, action, target, data }))
    .digest('hex');
}

export function sealAuditEntry(prevHash: string, content: AuditEntryContent): AuditEntry {
  return { ...content, prevHash, hash: hashAuditEntry(prevHash, content) };
}

export type AuditProblem = 'edited' | 'deleted' | 'reordered';

export type AuditVerification =
  | { ok: true; count: number; headHash: string; lastSeq: number }
  | { ok: false; count: number; index: number; seq: number; problem: AuditProblem; message: string; entry: AuditEntry };

/**
 * Verifies a chain from its first entry (seq 1) or, with `from`, a slice that follows a known entry.
 * Reports the first entry that was edited, follows a deleted one, or is out of order. Truncation of the
 * tail is only detectable against a known head: compare `headHash`/`lastSeq` with a copy kept elsewhere.
 */
export function verifyAuditChain(entries: readonly AuditEntry[], from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): AuditVerification {
  let prevSeq = from.seq;
  let prevHash = from.hash;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as AuditEntry;
    const fail = (problem: AuditProblem, message: string): AuditVerification => ({ ok: false, count: entries.length, index: i, seq: e.seq, problem, message, entry: e });
    if (e.seq <= prevSeq) return fail('reordered', `entry seq ${e.seq} at position ${i + 1} comes after seq ${prevSeq}`);
    if (hashAuditEntry(e.prevHash, e) !== e.hash) return fail('edited', `entry seq ${e.seq}: content does not match its hash`);
    if (e.seq !== prevSeq + 1 && entries.slice(i + 1).some((later) => later.seq === prevSeq + 1))
      return fail('reordered', `entry seq ${e.seq} at position ${i + 1} comes before seq ${prevSeq + 1}`);
    if (e.seq !== prevSeq + 1) return fail('deleted', `entry seq ${e.seq} follows seq ${prevSeq}: ${e.seq - prevSeq - 1} entr${e.seq - prevSeq - 1 === 1 ? 'y' : 'ies'} missing`);
    if (e.prevHash !== prevHash) return fail('edited', `entry seq ${e.seq}: link to seq ${prevSeq} broken (that entry was altered or replaced)`);
    prevSeq = e.seq;
    prevHash = e.hash;
  }
  return { ok: true, count: entries.length, headHash: prevHash, lastSeq: prevSeq };
}

export function auditEntriesToJsonl(entries: readonly AuditEntry[]): string {
  return entries.map((e) => JSON.stringify(e) + '\n').join('');
}

/** Parses an export; a line that is not an entry is reported with its line number. */
export function parseAuditJsonl(text: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    const e = v as Partial<AuditEntry>;
    if (
      typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof e.ts !== 'string' || typeof e.actor !== 'string' ||
      typeof e.action !== 'string' || typeof e.target !== 'string' || typeof e.data !== 'object' || e.data === null ||
      typeof e.prevHash !== 'string' || typeof e.hash !== 'string'
    )
      throw new Error(`line ${i + 1}: not an audit entry`);
    out.push(e as AuditEntry);
  }
  return out;
}
