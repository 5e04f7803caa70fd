// Signed checkpoints of the audit log's head, kept outside the database (a JSONL file, optionally also posted
// to an external sink), like CloudTrail's digest files and Certificate Transparency's signed tree heads. Each
// attests "the log had this entry as its sequence number `seq`, with this hash, at this time", signed with an
// Ed25519 key whose private half is not in the database. Someone with write access to the database can then
// neither cut entries off the end (the chain no longer reaches the checkpoint) nor rewrite the history before it
// (the entry at `seq` no longer has that hash), even if they recompute every hash in the chain.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

export interface AuditCheckpoint {
  v: 1;
  seq: number;
  hash: string;
  ts: string;
  /** First sequence number whose entries carry a MAC (entries before it predate MACs; the chain still covers them). */
  macFrom: number;
  /** Id of the signing key (sha256 of its public key, 12 hex). */
  keyId: string;
  /** base64 Ed25519 signature over signedText(). */
  sig: string;
}

type Unsigned = Omit<AuditCheckpoint, 'v' | 'keyId' | 'sig'>;

function signedText(c: Unsigned): Buffer {
  return Buffer.from(`moat-audit-checkpoint-v1\n${c.seq}\n${c.hash}\n${c.ts}\n${c.macFrom}`);
}

export function signingKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 12);
}

export function signCheckpoint(privateKey: KeyObject, c: Unsigned): AuditCheckpoint {
  const publicKey = createPublicKey(privateKey);
  return { v: 1, ...c, keyId: signingKeyId(publicKey), sig: sign(null, signedText(c), privateKey).toString('base64') };
}

/** Why this checkpoint is not one signed by publicKey, or undefined when it is. */
export function checkpointProblem(c: AuditCheckpoint, publicKey: KeyObject): string | undefined {
  if (c.keyId !== signingKeyId(publicKey)) return `checkpoint seq ${c.seq} is signed by key ${c.keyId}, not ${signingKeyId(publicKey)}`;
  const ok = verify(null, signedText(c), publicKey, Buffer.from(c.sig, 'base64'));
  return ok ? undefined : `checkpoint seq ${c.seq} has a signature that does not verify (forged or altered)`;
}

export function appendCheckpoint(file: string, c: AuditCheckpoint): void {
  appendFileSync(file, JSON.stringify(c) + '\n', { mode: 0o600 });
}

function isCheckpoint(v: unknown): v is AuditCheckpoint {
  const c = v as Partial<AuditCheckpoint>;
  return typeof c === 'object' && c !== null && c.v === 1 && typeof c.seq === 'number' && typeof c.hash === 'string' && typeof c.ts === 'string' &&
    typeof c.macFrom === 'number' && typeof c.keyId === 'string' && typeof c.sig === 'string';
}

/** The newest checkpoint in the file (its last line), read from the end so a long file costs nothing. */
export function latestCheckpoint(file: string): AuditCheckpoint | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    const last = lines[lines.length - 1];
    if (last === undefined) return undefined;
    const v: unknown = JSON.parse(last);
    if (!isCheckpoint(v)) throw new Error(`${file}: the last line is not an audit checkpoint`);
    return v;
  } finally {
    closeSync(fd);
  }
}
