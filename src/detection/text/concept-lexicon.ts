// Harm concepts as classifier features (rules/lexicon/harm-concepts.yaml). A linear model over words only knows
// the words its training sets used; a concept feature ("a weapons word, strong") is shared by every word of the
// concept, so a model trained without a data set still recognises that set's harm in words it never saw.
// Measured leave-one-dataset-out in docs/decisions/0007-prompt-classifier.md.
//
// Matching runs inside the feature hasher on the hashes it already computes: a word's FNV-1a hash after k
// characters is the hash of its k-character prefix, so stems are looked up by prefix hash, and phrases by mixing
// the hashes of their words. A 64K-bit filter keeps the cost of words that match nothing to one bit test.
import { mixHash } from './hash.js';
import { wordKeyOf } from './word-key.js';

export interface ConceptTerms {
  [concept: string]: { strong?: string[]; weak?: string[] };
}

export const CONCEPT_TIERS = ['strong', 'weak'] as const;
/** Most occurrences of one concept and tier counted per text: a long rant about one thing is not more evidence. */
export const MAX_HITS_PER_CONCEPT = 3;
/** Stems shorter than this would match too many unrelated words. */
const MIN_STEM = 4;
/** Words longer than this are never matched as stems (no lexicon stem is this long). */
export const MAX_STEM = 31;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_PHRASE = 0x6a09e667;

export interface ConceptLexicon {
  /** Concept-tier names, index = concept id ("weapons:strong"). */
  readonly names: readonly string[];
  /** 1 where the concept id is a strong tier (for the tier-wide feature). */
  readonly strong: Uint8Array;
  readonly words: HashTable;
  /**
   * Single-word terms and stems (as the word they spell) by word key: the same word with its inner letters
   * shuffled. Read only when the word matched nothing by its spelling.
   */
  readonly shuffled: HashTable;
  /** Single-word stems, keyed by the hash of the stem (a prefix of the word). */
  readonly stems: HashTable;
  /** Phrases keyed by phraseKey over their words (the last word's prefix hash for a stem). */
  readonly phrases: HashTable;
  /** Words (and word pairs, as phraseKey) that start a phrase: phrases are looked up only after one. */
  readonly heads: HashTable;
  /** Bit i set when a single-word stem has length i; likewise for phrase-final stems. */
  readonly stemLengths: number;
  readonly phraseStemLengths: number;
}

/** FNV-1a over the lower-case term as the tokenizer hashes it (WORD_CHAR maps a-z0-9 to themselves). */
function termHash(w: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Key of a phrase from its words' hashes, the same mix the hasher applies as it reads. */
export function phraseKey(prev: number, cur: number): number {
  return mixHash(mixHash(prev, SEED_PHRASE), cur);
}

export class HashTable {
  private readonly keys: Uint32Array;
  private readonly vals: Uint16Array;
  private readonly filter = new Uint32Array(2048);
  private readonly mask: number;
  constructor(entries: Array<[number, number]>) {
    let size = 16;
    while (size < entries.length * 2) size *= 2;
    this.keys = new Uint32Array(size);
    this.vals = new Uint16Array(size);
    this.mask = size - 1;
    for (const [k, v] of entries) {
      let i = k & this.mask;
      while (this.vals[i] && this.keys[i] !== k) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.vals[i] = v;
      this.filter[(k & 0xffff) >>> 5] = this.filter[(k & 0xffff) >>> 5]! | (1 << (k & 31));
    }
  }
  get(k: number): number {
    if ((this.filter[(k & 0xffff) >>> 5]! & (1 << (k & 31))) === 0) return 0;
    for (let i = k & this.mask; this.vals[i]; i = (i + 1) & this.mask) if (this.keys[i] === k) return this.vals[i]!;
    return 0;
  }
}

/** Validates the terms and builds the lookup tables; throws on a term the hasher could never match. */
export function compileConcepts(terms: ConceptTerms): ConceptLexicon {
  const names: string[] = [];
  const words: Array<[number, number]> = [];
  const shuffled: Array<[number, number]> = [];
  const stems: Array<[number, number]> = [];
  const phrases: Array<[number, number]> = [];
  const heads: Array<[number, number]> = [];
  let stemLengths = 0;
  let phraseStemLengths = 0;
  for (const [concept, tiers] of Object.entries(terms)) {
    for (const tier of CONCEPT_TIERS) {
      const list = tiers[tier] ?? [];
      if (!list.length) continue;
      const id = names.push(`${concept}:${tier}`);
      for (const term of list) {
        const parts = term.split(' ');
        const stem = term.endsWith('*');
        const last = stem ? parts[parts.length - 1]!.slice(0, -1) : parts[parts.length - 1]!;
        if (parts.length > 3 || ![...parts.slice(0, -1), last].every((p) => /^[a-z0-9]+$/.test(p))) {
          throw new Error(`concept lexicon: "${term}" (${concept}) must be one to three lower-case words of letters and digits`);
        }
        if (stem && (last.length < MIN_STEM || last.length > MAX_STEM)) throw new Error(`concept lexicon: stem "${term}" must have ${MIN_STEM} to ${MAX_STEM} letters`);
        if (parts.length === 1) {
          (stem ? stems : words).push([termHash(last), id]);
          shuffled.push([wordKeyOf(last), id]);
          if (stem) stemLengths |= 1 << last.length;
          continue;
        }
        if (stem) phraseStemLengths |= 1 << last.length;
        let key = termHash(parts[0]!);
        heads.push([key, 1]);
        for (let i = 1; i < parts.length - 1; i++) {
          key = phraseKey(key, termHash(parts[i]!));
          heads.push([key, 1]);
        }
        phrases.push([phraseKey(key, termHash(last)), id]);
      }
    }
  }
  if (names.length > 255) throw new Error('concept lexicon: at most 255 concept tiers');
  return {
    names,
    strong: Uint8Array.from(names, (n) => (n.endsWith(':strong') ? 1 : 0)),
    words: new HashTable(words),
    shuffled: new HashTable(shuffled),
    stems: new HashTable(stems),
    phrases: new HashTable(phrases),
    heads: new HashTable(heads),
    stemLengths,
    phraseStemLengths,
  };
}

/**
 * Reads a text word by word (the hasher's hashes) and reports the concepts each word completes. `prefix[k]` must
 * hold the hash of the word's first k characters for k <= min(length, MAX_STEM).
 */
export class ConceptScanner {
  /** Concept ids + 1 found at the last word (at most 8). */
  readonly found = new Uint8Array(8);
  private prev = 0;
  private prevHead = false;
  private pair = 0;
  private pairHead = false;
  constructor(readonly lex: ConceptLexicon) {}

  reset(): void {
    this.prevHead = false;
    this.pairHead = false;
  }

  word(h: number, prefix: Uint32Array, len: number, key: number): number {
    const lex = this.lex;
    this.n = 0;
    this.push(lex.words.get(h));
    const top = Math.min(len, MAX_STEM);
    for (let k = MIN_STEM; k <= top; k++) if ((lex.stemLengths >>> k) & 1) this.push(lex.stems.get(prefix[k]!));
    if (this.n === 0) this.push(lex.shuffled.get(key));
    if (this.prevHead) this.phrasesAfter(this.prev, h, prefix, top, len);
    if (this.pairHead) this.phrasesAfter(this.pair, h, prefix, top, len);
    const pair = this.prevHead ? phraseKey(this.prev, h) : 0;
    this.pairHead = this.prevHead && lex.heads.get(pair) !== 0;
    this.pair = pair;
    this.prevHead = lex.heads.get(h) !== 0;
    this.prev = h;
    return this.n;
  }

  private n = 0;
  private push(id: number): void {
    if (id && this.n < this.found.length) this.found[this.n++] = id;
  }
  private phrasesAfter(key: number, h: number, prefix: Uint32Array, top: number, len: number): void {
    const lex = this.lex;
    this.push(lex.phrases.get(phraseKey(key, h)));
    // A stem as long as the word is the word itself, looked up just above.
    for (let k = MIN_STEM; k <= top && k < len; k++) if ((lex.phraseStemLengths >>> k) & 1) this.push(lex.phrases.get(phraseKey(key, prefix[k]!)));
  }
}
