// Images for tests of what Moat reads from image parts: only the header is real, the rest is noise.

/** A PNG header of the given size followed by `pad` bytes of noise, as base64. */
export function pngBase64(w: number, h: number, pad = 0): string {
  const b = Buffer.alloc(33 + pad);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(b, 0);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  for (let i = 33; i < b.length; i++) b[i] = (i * 7919) & 0xff;
  return b.toString('base64');
}
