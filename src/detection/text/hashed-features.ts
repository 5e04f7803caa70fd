// Hashed text features shared by the offline trainer and the online classifiers, so the two cannot drift:
// lower-cased content words and the bigrams around them, each hashed into a 2^bits space. Function words
// ("how can I", "in the past", "write a") carry a data set's phrasing rather than what is asked about, so they
// count only inside bigrams with a content word: measured leave-one-dataset-out, this lifted recall on unseen
// safety sets by 5-35 points (docs/detection.md). Light verbs ("use", "make", "tell") are function words here too:
// read as content, "how do I use X in my app?" was flagged as harmful wherever the developer questions that teach
// otherwise were unseen (decision 0007). Character n-grams and stemming were measured too and added
// nothing but cost. Only a prompt's head and tail are read, so the cost per prompt is bounded. A word is hashed by
// its key (word-key.ts: the same with its inner letters shuffled), so noise of the kind Best-of-N jailbreaks add
// to every request leaves the features as they were, and look-alike digits, invisible characters and spaced-out
// letters are undone first (deobfuscate.ts; decision 0007).
import { MAX_HITS_PER_CONCEPT, MAX_STEM, type ConceptScanner } from './concept-lexicon.js';
import { mixHash } from './hash.js';
import { WORD_CHAR } from './word-chars.js';
import { charMix, wordKey } from './word-key.js';
import { deobfuscate } from './deobfuscate.js';

export const HEAD_CHARS = 1000;
export const TAIL_CHARS = 400;
/** How far into each end of a long prompt obfuscation is undone, as a multiple of the characters read there. */
const READ_SPAN = 4;
/** Upper bound on features of one text (head + tail); sizes the reusable buffer. */
export const MAX_FEATURES = 1024;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_UNI = 0x3c6ef372;
const SEED_BI = 0xa54ff53a;
const SEED_CONCEPT = 0x510e527f;
/** Features shared by every concept of one tier ("some strong harm word"), after the per-concept ids. */
const TIER_STRONG = 0x1001;
const TIER_WEAK = 0x1002;

/**
 * The value each occurrence of a feature carries in a text of n features: 1/sqrt(n), so long and short texts have
 * comparable norms. With a knee k > 0, a text longer than k features gets sqrt(k)/n instead: its features'
 * *mean* evidence, not their sum, past k (an ablation: `npm run eval:classifier -- --length-knee k`).
 */
export function occurrenceValue(n: number, knee = 0): number {
  if (n <= 0) return 0;
  return knee > 0 && n > knee ? Math.sqrt(knee) / n : 1 / Math.sqrt(n);
}

export class FeatureBuffer {
  readonly idx = new Int32Array(MAX_FEATURES);
  /** 1 where idx holds a content word (a unigram), 0 for a bigram. */
  readonly word = new Uint8Array(MAX_FEATURES);
  n = 0;
  /** Per text: hits of each concept id so far (capped), and the hash of each prefix of the current word. */
  readonly conceptHits = new Uint8Array(256);
  readonly prefix = new Uint32Array(MAX_STEM + 1);
}


/**
 * Fills `out` with the feature indices of `text` (duplicates kept: a repeated word counts twice) and returns
 * their number. With `concepts`, each harm-concept term found adds the concept's feature and its tier's.
 */
export function hashedFeatures(raw: string, bits: number, out: FeatureBuffer, concepts?: ConceptScanner): number {
  const mask = (1 << bits) - 1;
  out.n = 0;
  // An obfuscated text is at most a few times as long as its reading (letters spaced out, marks stacked, base64),
  // so only that much of a long prompt's ends is deobfuscated: a megabyte of ciphered text must not stall detection.
  const text = deobfuscate(raw.length > READ_SPAN * (HEAD_CHARS + TAIL_CHARS) ? raw.slice(0, READ_SPAN * HEAD_CHARS) + ' \n ' + raw.slice(-READ_SPAN * TAIL_CHARS) : raw);
  const s = text.length > HEAD_CHARS + TAIL_CHARS ? text.slice(0, HEAD_CHARS) + ' \n ' + text.slice(-TAIL_CHARS) : text;
  let h = FNV_OFFSET;
  let inWord = false;
  let prev = 0;
  let prevStop = true;
  let len = 0;
  // The word's key for features: its first and last letters, its length and its inner letters in any order.
  let first = 0;
  let lastC = 0;
  let mid = 0;
  let wlen = 0;
  const prefix = out.prefix;
  if (concepts) {
    concepts.reset();
    out.conceptHits.fill(0);
  }
  const endWord = () => {
    const tok = h >>> 0;
    const key = wordKey(first, lastC, mid, wlen);
    if (concepts) {
      const found = concepts.word(tok, prefix, len, key);
      for (let j = 0; j < found && out.n + 2 <= MAX_FEATURES; j++) {
        const id = concepts.found[j]!;
        if (out.conceptHits[id]! >= MAX_HITS_PER_CONCEPT) continue;
        out.conceptHits[id]!++;
        out.word[out.n] = 0;
        out.idx[out.n++] = mixHash(id, SEED_CONCEPT) & mask;
        out.word[out.n] = 0;
        out.idx[out.n++] = mixHash(concepts.lex.strong[id - 1] ? TIER_STRONG : TIER_WEAK, SEED_CONCEPT) & mask;
      }
      len = 0;
    }
    const stop = isStopword(tok);
    if (out.n + 2 <= MAX_FEATURES) {
      if (!stop) {
        out.word[out.n] = 1;
        out.idx[out.n++] = mixHash(key, SEED_UNI) & mask;
      }
      if (prev && (!stop || !prevStop)) {
        out.word[out.n] = 0;
        out.idx[out.n++] = mixHash(mixHash(prev, SEED_BI), key) & mask;
      }
    }
    prev = key;
    prevStop = stop;
    h = FNV_OFFSET;
    inWord = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = WORD_CHAR[s.charCodeAt(i)]!;
    if (c >= 0) {
      h = Math.imul(h ^ c, FNV_PRIME);
      if (!inWord) {
        first = c;
        mid = 0;
        wlen = 0;
      } else if (wlen >= 2) mid = (mid + charMix(lastC)) | 0;
      lastC = c;
      wlen++;
      inWord = true;
      if (concepts && ++len <= MAX_STEM) prefix[len] = h >>> 0;
    } else if (inWord) endWord();
  }
  if (inWord) endWord();
  return out.n;
}

function wordHash(w: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

// English function words: pronouns, auxiliaries, determiners, prepositions, question words. Kept in a small
// typed-array hash set: a Set of uint32 numbers boxes every value above 2^30 on each lookup.
const STOPWORD_HASHES = (
  'a an the and or but if then so than that this these those there here of in on at by for with from to into onto ' +
  'about as up down out over under again further once i me my mine myself we us our ours you your yours he him his ' +
  'she her hers it its they them their what which who whom whose when where why how all any both each few more most ' +
  'other some such no nor not only own same too very can could will would shall should may might must do does did ' +
  'doing done is am are was were be been being have has had having s t d ll m re ve just now also get got please ' +
  // Light verbs: how a request is phrased ("how do I use X", "make a", "tell me"), not what it asks for.
  'use using used make made take give want need know like go see find try tell show let'
)
  .split(' ')
  .map(wordHash);
const STOP_SLOTS = 512;
const stopTable = new Uint32Array(STOP_SLOTS);
const stopUsed = new Uint8Array(STOP_SLOTS);
for (const h of STOPWORD_HASHES) {
  let i = h & (STOP_SLOTS - 1);
  while (stopUsed[i] && stopTable[i] !== h) i = (i + 1) & (STOP_SLOTS - 1);
  stopTable[i] = h;
  stopUsed[i] = 1;
}

function isStopword(h: number): boolean {
  for (let i = h & (STOP_SLOTS - 1); stopUsed[i]; i = (i + 1) & (STOP_SLOTS - 1)) if (stopTable[i] === h) return true;
  return false;
}
