// Checkpoints of an earlier detector version brought to the current layout, so an upgraded `moat detect` worker
// keeps its windows, clusters and labels instead of starting afresh. Version 3 -> 4: every tally (org, purpose and
// linkage windows) gains the `capability_work` flag's slot, the last of the flags; requests counted before the
// upgrade count as carrying no capability work until they leave their window.
import { FLAG_BITS, TALLY_SIZE } from '../tally.js';

/**
 * Checkpoint format version: 4 adds a request flag (capability_work) to each window's packed tally, whose
 * offsets therefore moved; 3 stores linkage as keyed entries (incremental); 2 held it as one JSON value.
 */
export const CHECKPOINT_VERSION = 4;

/** Detector checkpoint versions this moat restores (the current one last). */
export const READABLE_CHECKPOINT_VERSIONS: readonly number[] = [3, CHECKPOINT_VERSION];

const SLOT_BYTES = Float64Array.BYTES_PER_ELEMENT;
/** Where the slot added in version 4 sits: the last flag's. */
const ADDED_SLOT = FLAG_BITS - 1;

/** A version-3 tally (base64 of TALLY_SIZE - 1 doubles) with a zero slot inserted for capability_work. */
export function tallyV3toV4(b64: string): string {
  const old = Buffer.from(b64, 'base64');
  if (old.length !== (TALLY_SIZE - 1) * SLOT_BYTES) throw new Error(`checkpoint: a version-3 tally of ${old.length} bytes, expected ${(TALLY_SIZE - 1) * SLOT_BYTES}`);
  const out = Buffer.alloc(TALLY_SIZE * SLOT_BYTES);
  old.copy(out, 0, 0, ADDED_SLOT * SLOT_BYTES);
  old.copy(out, (ADDED_SLOT + 1) * SLOT_BYTES, ADDED_SLOT * SLOT_BYTES);
  return out.toString('base64');
}

/** Rewrites every `tally` of a checkpoint's org states and linkage entries in place with `f`. */
export function mapTallies(value: unknown, f: (b64: string) => string): void {
  if (Array.isArray(value)) {
    for (const v of value) mapTallies(v, f);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'tally' && typeof v === 'string') o[k] = f(v);
    else mapTallies(v, f);
  }
}

/** The restore input in the current layout (the input itself, rewritten, when it was of an earlier version). */
export function migrateRestore<R extends { global: { version: number }; orgs: unknown; linkage: unknown }>(r: R): R {
  if (r.global.version === 3) {
    mapTallies(r.orgs, tallyV3toV4);
    mapTallies(r.linkage, tallyV3toV4);
    r.global = { ...r.global, version: CHECKPOINT_VERSION };
  }
  return r;
}
