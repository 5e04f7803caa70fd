// A word's key for the classifier's features: its first and last letters, its length and the multiset of its inner
// letters. A word with its inner letters shuffled ("mlootov" for "molotov", as Best-of-N jailbreaks send every
// request) keeps its key; distinct English words share one only as rare anagrams with the same ends ("form" and
// "from"). Case is already folded by WORD_CHAR.
import { mixHash } from './hash.js';
import { WORD_CHAR } from './word-chars.js';

/** One letter's share of a word's inner-letter sum (a sum, so the letters' order does not matter). */
export function charMix(c: number): number {
  const h = Math.imul(c ^ 0x9e3779b9, 0x85ebca6b);
  return (h ^ (h >>> 15)) | 0;
}

/** The key from a word's parts as the tokenizer accumulates them (`mid`: the sum of charMix over inner letters). */
export function wordKey(first: number, last: number, mid: number, len: number): number {
  return mixHash(mixHash(Math.imul(first, 0x10001) ^ last, mid >>> 0), len) || 1;
}

/** The key of one word given as a string (lexicon terms). */
export function wordKeyOf(w: string): number {
  let first = 0;
  let last = 0;
  let mid = 0;
  let len = 0;
  for (let i = 0; i < w.length; i++) {
    const c = WORD_CHAR[w.charCodeAt(i)]!;
    if (c < 0) continue;
    if (len === 0) first = c;
    else if (len >= 2) mid = (mid + charMix(last)) | 0;
    last = c;
    len++;
  }
  return wordKey(first, last, mid, len);
}
