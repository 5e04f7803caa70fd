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

/** Token strings (only for the few places that need words, e.g. templates over short slices). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = WORD_CHAR[text.charCodeAt(i)]!;
    if (c >= 0) cur += String.fromCharCode(c);
    else if (cur) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}
