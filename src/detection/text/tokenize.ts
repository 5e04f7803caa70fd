// One tokenizer for every lexical signal (fingerprints, classifier, sketches): maximal runs of letters and
// digits, lower-cased, returned directly as 32-bit FNV-1a hashes (no token strings are built: this is the hot
// loop of the pipeline). The offline build uses the same function, so the two cannot drift apart.
import { WORD_CHAR } from './word-chars.js';
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function tokenHashesOf(text: string, maxTokens = 2000): number[] {
  const out: number[] = [];
  let h = FNV_OFFSET;
  let inTok = false;
  for (let i = 0; i < text.length; i++) {
    const c = WORD_CHAR[text.charCodeAt(i)]!;
    if (c >= 0) {
      h = Math.imul(h ^ c, FNV_PRIME);
      inTok = true;
    } else if (inTok) {
      out.push(h >>> 0);
      if (out.length >= maxTokens) return out;
      h = FNV_OFFSET;
      inTok = false;
    }
  }
  if (inTok) out.push(h >>> 0);
  return out;
}

/**
 * Token strings (only for the few places that need words, e.g. templates over short slices): the first
 * `limit` tokens, or with `fromEnd` the last `limit`, in text order.
 */
export function tokenize(text: string, limit = Infinity, fromEnd = false): string[] {
  const out: string[] = [];
  const n = text.length;
  for (let k = 0; k < n && out.length < limit; ) {
    const i = fromEnd ? n - 1 - k : k;
    if (WORD_CHAR[text.charCodeAt(i)]! < 0) {
      k++;
      continue;
    }
    // A maximal run of word characters, found from either end.
    let j = k;
    while (j < n && WORD_CHAR[text.charCodeAt(fromEnd ? n - 1 - j : j)]! >= 0) j++;
    const a = fromEnd ? n - j : k;
    const b = fromEnd ? n - k : j;
    let tok = '';
    for (let x = a; x < b; x++) tok += String.fromCharCode(WORD_CHAR[text.charCodeAt(x)]!);
    out.push(tok);
    k = j;
  }
  return fromEnd ? out.reverse() : out;
}
