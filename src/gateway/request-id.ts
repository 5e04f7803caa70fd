// Request ids: `req_` + 32 hex = a random per-process prefix and a counter. Unique across processes and
// restarts like a UUID, without a CSPRNG call per request (ids are correlation handles, not secrets).
import { randomBytes } from 'node:crypto';

const ID_PREFIX = `req_${randomBytes(8).toString('hex')}`;
let idCounter = 0;

export function nextRequestId(): string {
  idCounter = (idCounter + 1) % 0x10000000000000;
  return ID_PREFIX + idCounter.toString(16).padStart(16, '0');
}
