// Tamper-evident audit chain: every entry carries the hash of the previous one, and its own hash covers its
// content and that link. Editing, deleting or reordering any entry breaks verification at that point.
// The chain alone does not stop someone with write access to the database: they can rewrite history and
// recompute every hash, or cut the tail off. So each entry is also MACed with a key kept outside the database
// (audit-key.ts), and signed checkpoints of the head are kept outside it too (checkpoint.ts): verification then
// reports rewriting (MAC), truncation (the chain ends before the last checkpoint) and a forked history (the
// entry at a checkpoint's sequence number has another hash).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../json/canonical-json.js';

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
  /** `v1:<key id>:<hex HMAC-SHA256(key, "moat-audit-v1:" + hash)>`; absent on entries written without a key. */
  mac?: string;
}

/** The MAC key of the audit log: its bytes and a short public id (which key MACed an entry). */
export interface AuditKey {
  id: string;
  key: Buffer;
}

export function auditKey(secret: string | Buffer): AuditKey {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return { id: createHash('sha256').update('moat-audit-key-id:').update(key).digest('hex').slice(0, 12), key };
}

export function macAuditHash(k: AuditKey, hash: string): string {
  return `v1:${k.id}:${createHmac('sha256', k.key).update(`moat-audit-v1:${hash}`).digest('hex')}`;
}

/** Why an entry's MAC does not hold under this key, or undefined when it does. */
function macProblem(k: AuditKey, e: AuditEntry): string | undefined {
  if (!e.mac) return 'has no MAC (written or rewritten without the audit key)';
  const [v, id] = e.mac.split(':');
  if (v !== 'v1') return 'has a MAC of an unknown version';
  if (id !== k.id) return `is MACed with another key (${id}), not this one (${k.id})`;
  const want = Buffer.from(macAuditHash(k, e.hash));
  const got = Buffer.from(e.mac);
  return want.length === got.length && timingSafeEqual(want, got) ? undefined : 'has a MAC that does not match (rewritten by someone without the audit key)';
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

export type AuditProblem = 'edited' | 'deleted' | 'reordered' | 'truncated';

/** A head the chain must reach: the latest signed checkpoint, or one given by the verifier (`--expect-head`). */
export interface ExpectedHead {
  seq: number;
  hash: string;
  /** Where it comes from, for messages ("checkpoint of 2026-11-21T10:00:00Z", "--expect-head"). */
  source: string;
}

export type AuditVerification =
  | { ok: true; count: number; headHash: string; lastSeq: number }
  | { ok: false; count: number; index: number; seq: number; problem: AuditProblem; message: string; entry?: AuditEntry };

export interface VerifyOptions {
  /** Verify a slice that follows this known entry (default: from the first entry). */
  from?: { seq: number; hash: string };
  /** Check every entry's MAC under this key (an entry without one fails). */
  key?: AuditKey;
  /** With key: entries before this sequence number predate MACs and are covered by the chain only (default 1). */
  macFrom?: number;
  /** The chain must contain this head: same hash at that sequence number, nothing cut off before it. */
  expect?: ExpectedHead;
}

/**
 * Verifies a chain from its first entry (seq 1) or, with `from`, a slice that follows a known entry. Reports the
 * first entry that was edited (content, link or MAC), follows a deleted one, or is out of order; then, against
 * an expected head, a chain cut short (truncated) or a different history at the head's sequence number (edited).
 */
export function verifyAuditChain(entries: readonly AuditEntry[], opts: VerifyOptions | { seq: number; hash: string } = {}): AuditVerification {
  const o: VerifyOptions = 'seq' in opts ? { from: opts } : opts;
  let prevSeq = o.from?.seq ?? 0;
  let prevHash = o.from?.hash ?? GENESIS_HASH;
  const expect = o.expect;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as AuditEntry;
    const fail = (problem: AuditProblem, message: string): AuditVerification => ({ ok: false, count: entries.length, index: i, seq: e.seq, problem, message, entry: e });
    if (e.seq <= prevSeq) return fail('reordered', `entry seq ${e.seq} at position ${i + 1} comes after seq ${prevSeq}`);
    if (hashAuditEntry(e.prevHash, e) !== e.hash) return fail('edited', `entry seq ${e.seq}: content does not match its hash`);
    if (e.seq !== prevSeq + 1 && entries.slice(i + 1).some((later) => later.seq === prevSeq + 1))
      return fail('reordered', `entry seq ${e.seq} at position ${i + 1} comes before seq ${prevSeq + 1}`);
    if (e.seq !== prevSeq + 1) return fail('deleted', `entry seq ${e.seq} follows seq ${prevSeq}: ${e.seq - prevSeq - 1} entr${e.seq - prevSeq - 1 === 1 ? 'y' : 'ies'} missing`);
    if (e.prevHash !== prevHash) return fail('edited', `entry seq ${e.seq}: link to seq ${prevSeq} broken (that entry was altered or replaced)`);
    const macIssue = o.key && e.seq >= (o.macFrom ?? 1) ? macProblem(o.key, e) : undefined;
    if (macIssue) return fail('edited', `entry seq ${e.seq} ${macIssue}`);
    if (expect && e.seq === expect.seq && e.hash !== expect.hash)
      return fail('edited', `entry seq ${e.seq} differs from the ${expect.source} (hash ${e.hash.slice(0, 16)}…, expected ${expect.hash.slice(0, 16)}…): history was rewritten`);
    prevSeq = e.seq;
    prevHash = e.hash;
  }
  if (expect && prevSeq < expect.seq) {
    const n = expect.seq - prevSeq;
    return { ok: false, count: entries.length, index: entries.length, seq: prevSeq, problem: 'truncated', message: `the log ends at seq ${prevSeq} but the ${expect.source} has seq ${expect.seq}: ${n} entr${n === 1 ? 'y' : 'ies'} cut off the end` };
  }
  return { ok: true, count: entries.length, headHash: prevHash, lastSeq: prevSeq };
}

/** `SEQ:HASH` as given to `--expect-head`. */
export function parseExpectedHead(s: string, source = '--expect-head'): ExpectedHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(s.trim());
  if (!m) throw new Error(`${source}: expected SEQ:HASH (a sequence number, a colon and the 64-hex hash of that entry)`);
  return { seq: Number(m[1]), hash: m[2] as string, source };
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
      typeof e.prevHash !== 'string' || typeof e.hash !== 'string' || (e.mac !== undefined && typeof e.mac !== 'string')
    )
      throw new Error(`line ${i + 1}: not an audit entry`);
    out.push(e as AuditEntry);
  }
  return out;
}
