// Checkpoints of an earlier detector version brought to the current layout, so an upgraded `moat detect` worker
// keeps its windows, clusters and labels instead of starting afresh. Each version that added a request flag gains
// that flag's slot in every tally (org, purpose and linkage windows); requests counted before the upgrade count
// as not carrying the new flag until they leave their window.
import { FLAG_BITS, TALLY_SIZE } from '../tally.js';

/**
 * Checkpoint format version: 9 adds a request flag (reprobe) to each window's packed tally, and the contexts sent
 * under logit_bias a window remembers (absent in earlier versions: the window starts remembering at the upgrade);
 * 8 added new_bias and the biased tokens a window remembers; 7 added two (new_tools,
 * tools_offered) and the tool names a window remembers; 6 added open_cot, 5 added
 * long_reasoning and 4 capability_work (each moved the offsets after the flags); 3 stores linkage as keyed entries (incremental);
 * 2 held it as one JSON value.
 */
export const CHECKPOINT_VERSION = 9;

/** Detector checkpoint versions this moat restores (the current one last). */
export const READABLE_CHECKPOINT_VERSIONS: readonly number[] = [3, 4, 5, 6, 7, 8, CHECKPOINT_VERSION];

/** The readable versions as error messages name them ("3, 4, 5, 6 and 7"). */
export function readableVersionsText(): string {
  const v = READABLE_CHECKPOINT_VERSIONS;
  return v.length > 1 ? `${v.slice(0, -1).join(', ')} and ${String(v.at(-1))}` : String(v[0]);
}

const SLOT_BYTES = Float64Array.BYTES_PER_ELEMENT;

/**
 * The flag slots each version after 3 added, in order: capability_work (4), long_reasoning (5), open_cot (6), then
 * new_tools and tools_offered (7), new_bias (8), reprobe (9). Each was added after the flags before it, so a tally of version v lacks the last
 * missingSlots(v) flag slots.
 */
const FLAGS_ADDED_IN: Readonly<Record<number, number>> = { 4: 1, 5: 1, 6: 1, 7: 2, 8: 1, 9: 1 };

/** Flag slots a tally of version `from` lacks. */
function missingSlots(from: number): number {
  let k = 0;
  for (let v = from + 1; v <= CHECKPOINT_VERSION; v++) k += FLAGS_ADDED_IN[v] ?? 0;
  return k;
}

/** A tally of an earlier version (base64 of its doubles) with zero slots inserted for the flags added since. */
export function upgradeTally(b64: string, from: number): string {
  const missing = missingSlots(from);
  const old = Buffer.from(b64, 'base64');
  if (old.length !== (TALLY_SIZE - missing) * SLOT_BYTES)
    throw new Error(`checkpoint: a version-${from} tally of ${old.length} bytes, expected ${(TALLY_SIZE - missing) * SLOT_BYTES}`);
  // The flags that version knew end where the first added flag's slot now sits.
  const at = (FLAG_BITS - missing) * SLOT_BYTES;
  const out = Buffer.alloc(TALLY_SIZE * SLOT_BYTES);
  old.copy(out, 0, 0, at);
  old.copy(out, at + missing * SLOT_BYTES, at);
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
  const from = r.global.version;
  if (from < CHECKPOINT_VERSION && READABLE_CHECKPOINT_VERSIONS.includes(from)) {
    const up = (b64: string) => upgradeTally(b64, from);
    mapTallies(r.orgs, up);
    mapTallies(r.linkage, up);
    r.global = { ...r.global, version: CHECKPOINT_VERSION };
  }
  return r;
}
