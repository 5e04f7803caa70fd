// Which UTF-16 code units belong to words, lower-cased, as one lookup table: every tokenizer of the pipeline
// reads it, so hashing a prompt never builds a string or runs a regular expression per character.
const LETTER = /[\p{L}\p{N}]/u;

/** WORD_CHAR[c] = the lower-cased code unit when c is part of a word, else -1. Built once (~10 ms). */
export const WORD_CHAR: Int32Array = (() => {
  const t = new Int32Array(65536).fill(-1);
  for (let c = 0; c < 65536; c++) {
    if (c < 128) {
      if (c >= 97 && c <= 122) t[c] = c;
      else if (c >= 65 && c <= 90) t[c] = c | 32;
      else if (c >= 48 && c <= 57) t[c] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogate halves: not letters on their own
    const ch = String.fromCharCode(c);
    if (!LETTER.test(ch)) continue;
    const lower = ch.toLowerCase();
    t[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
  }
  return t;
})();
