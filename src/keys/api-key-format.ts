// API key format: moat_<env>_<random><checksum>
//   env:      2-8 lowercase letters ("live", "test", "demo")
//   random:   30 base62 characters (~178 bits)
//   checksum: 6 base62 characters of CRC32 over "moat_<env>_<random>"
// The fixed prefix lets secret scanners recognise leaked keys; the checksum rejects typos before any lookup.
import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LEN = 30;
const CHECK_LEN = 6;
export const API_KEY_PATTERN = /^moat_([a-z]{2,8})_([0-9A-Za-z]{36})$/;
/** Characters of the random part shown in listings. */
const PREFIX_RANDOM_CHARS = 8;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(s: string): number {
  let c = 0xffffffff;
  const buf = Buffer.from(s, 'utf8');
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function base62Fixed(n: number, len: number): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function randomBase62(len: number): string {
  // Rejection sampling keeps the distribution uniform.
  let out = '';
  while (out.length < len) {
    for (const b of randomBytes(len * 2)) {
      if (b < 248 && out.length < len) out += BASE62[b % 62];
    }
  }
  return out;
}

export interface GeneratedKey {
  secret: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(env = 'live'): GeneratedKey {
  if (!/^[a-z]{2,8}$/.test(env)) throw new Error(`key env must be 2-8 lowercase letters, got "${env}"`);
  const body = `moat_${env}_${randomBase62(RANDOM_LEN)}`;
  const secret = body + base62Fixed(crc32(body), CHECK_LEN);
  return { secret, prefix: keyPrefix(secret), hash: hashSecret(secret) };
}

export type KeyCheck = { ok: true; env: string } | { ok: false; reason: 'format' | 'checksum' };

/** Validates form and checksum without any lookup. */
export function checkApiKey(secret: string): KeyCheck {
  const m = API_KEY_PATTERN.exec(secret);
  if (!m) return { ok: false, reason: 'format' };
  const body = secret.slice(0, secret.length - CHECK_LEN);
  const check = secret.slice(secret.length - CHECK_LEN);
  if (base62Fixed(crc32(body), CHECK_LEN) !== check) return { ok: false, reason: 'checksum' };
  return { ok: true, env: m[1] as string };
}

export function keyPrefix(secret: string): string {
  const m = API_KEY_PATTERN.exec(secret);
  if (!m) return secret.slice(0, 12);
  return `moat_${m[1]}_${(m[2] as string).slice(0, PREFIX_RANDOM_CHARS)}`;
}

export function hashSecret(secret: string): string {
  // Keys carry ~178 bits of entropy, so a fast hash is safe here (no password stretching needed).
  return createHash('sha256').update(secret).digest('hex');
}
