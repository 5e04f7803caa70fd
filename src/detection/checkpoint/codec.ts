// Lossless JSON encodings for checkpointed detector state: typed arrays as base64 of their bytes, and numbers
// that JSON cannot carry (NaN, ±Infinity) as strings, so a restored window computes bit-identical features.
type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | Int8Array | Uint8Array;

export function packArray(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Copies the decoded bytes into `into` (which has the right length already); throws on a size mismatch. */
export function unpackInto<T extends Typed>(b64: string, into: T): T {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length !== into.byteLength) throw new Error(`checkpoint: array of ${buf.length} bytes, expected ${into.byteLength}`);
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(buf);
  return into;
}

export type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export function num(x: number): Num {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function unnum(v: Num): number {
  return typeof v === 'number' ? v : Number(v);
}
