// Undoes what red-team tools do to a harmful request so that word filters miss it while the model still reads it
// (PyRIT's converters, garak's probes, jailbreak guides): look-alike digits inside words ("m4k3 4 b0mb"),
// invisible characters inside words ("mo\u200blotov"), letters spaced or joined apart ("m o l o t o v",
// "m-o-l-o-t-o-v"), letters of other scripts or styles (unicode-fold.ts) and encodings (decode-encodings.ts). The
// classifier reads the text as a reader (or the model) would. A text with none of them is returned as it is,
// after one loop over it.
import { decodeBase64Runs, decodeLetterCipher, decodePercent, decodeReversed, decodeSymbols } from './decode-encodings.js';
import { foldable, foldLetters, type Disguises } from './unicode-fold.js';

/** Format characters that render as nothing: soft hyphen, zero-width space, non-joiner and joiner, marks, word joiner, BOM. */
const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [[0xad, 0xad], [0x200b, 0x200f], [0x2060, 0x2064], [0xfeff, 0xfeff]];
const codeUnit = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
const INVISIBLE_ALL = new RegExp(`[${INVISIBLE_RANGES.map(([a, b]) => (a === b ? codeUnit(a) : `${codeUnit(a)}-${codeUnit(b)}`)).join('')}]`, 'g');
/** The same set as a predicate for the scan's per-character loop (one comparison for ordinary text). */
const INVISIBLE_BOUNDS = Uint32Array.from(INVISIBLE_RANGES.flat());
function isInvisible(c: number): boolean {
  if (c < 0xad) return false;
  for (let k = 0; k < INVISIBLE_BOUNDS.length; k += 2) if (c >= INVISIBLE_BOUNDS[k]! && c <= INVISIBLE_BOUNDS[k + 1]!) return true;
  return false;
}
/** An invisible character between two letters. */
const INSIDE_WORD = new RegExp(`[A-Za-z]${INVISIBLE_ALL.source}+[A-Za-z]`);
/** Look-alike digits or symbols among letters: every token leetspeak reads has one of these (see leetKind). */
const LEET_AMONG = /[A-Za-z][013457@$!]+[A-Za-z]|[013457][A-Za-z]+[013457]/;
/**
 * Three or more single letters separated by the same single separator, on their own (a word spelled out:
 * "m o l o t o v", "m-o-l-o-t-o-v", "m.o.l.o.t.o.v"), and not part of a longer chain of another separator.
 */
const SPACED = /(?<![A-Za-z0-9\-._*])[A-Za-z]([ \-._*])(?:[A-Za-z]\1)+[A-Za-z](?![A-Za-z0-9]|[\-._*][A-Za-z0-9])/g;
/** Two such letters ("d-o", "m-y"), joined only in a text with at least two longer chains: alone, "x-y" is a name. */
const SPACED_PAIR = /(?<![A-Za-z0-9\-._*])[A-Za-z]([\-._*])[A-Za-z](?![A-Za-z0-9]|[\-._*][A-Za-z0-9])/g;
/**
 * Two letters and a space ("o f", "t o"), joined only in a text with at least two words of four or more letters
 * spelled out with spaces: left apart, every short word of a spaced-out request would read as two one-letter words.
 */
const SPACED_PAIR_SPACE = /(?<![A-Za-z0-9\-._*] ?)(?<= |^)[A-Za-z] [A-Za-z](?= |$)(?! [A-Za-z] )/g;
const SEPARATORS = /[ \-._*]/g;

/** A chain this long (four letters and their separators) is a word spelled out, not an abbreviation ("U.S.A."). */
const SPELLED_WORD = 7;

function joinSpelledOut(s: string, seen: Disguises): string {
  let chains = 0;
  let spaceChains = 0;
  const joined = s.replace(SPACED, (m, sep: string) => {
    chains++;
    if (m.length >= SPELLED_WORD) {
      seen.disguised++;
      // A stammer ("I I I") or a list of letters is not a word spelled out.
      if (sep === ' ') spaceChains++;
    }
    return m.replace(SEPARATORS, '');
  });
  if (chains < 2) return joined;
  const pairs = joined.replace(SPACED_PAIR, (m) => m.replace(SEPARATORS, ''));
  return spaceChains >= 2 ? pairs.replace(SPACED_PAIR_SPACE, (m) => m.replace(' ', '')) : pairs;
}

/**
 * A token of letters and digits, with look-alike symbols ("m@ke", "k!ll", "a$$") only between them: at a token's
 * ends they are punctuation or code ("hello!", "$var").
 */
const MIXED = /[A-Za-z0-9]+(?:[@$!]+[A-Za-z0-9]+)*/g;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i' };
const isSymbol = (c: string): boolean => c === '@' || c === '$' || c === '!';

/**
 * 2: look-alike digits among letters ("m4k3", "b0mb"); 1: letters with look-alike digits before or after them only
 * ("fak3", "7heft", "html5"); 3: look-alike symbols among letters and no digit ("m@ke", also "jo@example"); 0:
 * anything else.
 */
function leetKind(tok: string): number {
  let letters = 0;
  let digits = 0;
  let symbols = 0;
  let digitAfterLetter = false;
  let letterAfterDigit = false;
  let prevDigit = false;
  for (let i = 0; i < tok.length; i++) {
    const c = tok[i]!;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      letters++;
      if (prevDigit) letterAfterDigit = true;
      prevDigit = false;
    } else if (LEET[c] !== undefined) {
      if (isSymbol(c)) symbols++;
      else digits++;
      if (letters > 0) digitAfterLetter = true;
      prevDigit = true;
    } else return 0;
  }
  if (letters === 0 || digits + symbols === 0) return 0;
  if (digits === 0) return letters >= 2 ? 3 : 0;
  return letters >= 2 && digitAfterLetter && letterAfterDigit ? 2 : 1;
}

function unleet(tok: string): string {
  let out = '';
  for (const c of tok) out += LEET[c] ?? c;
  return out;
}

/**
 * Leetspeak. A token with look-alike digits among its letters ("m4k3", "b0mb", "4nthr4x") is read with them as
 * letters. One with digits only before or after its letters ("fak3", "7heft"), or with look-alike symbols among its
 * letters ("m@ke", "k!ll"), is too when the text has at least two tokens of either of those kinds among its
 * letters: alone, such a token is far more often a name with its number ("html5", "sqlite3", "value1"), a number
 * with its unit ("10th", "3am") or an address ("jo@example.com"; one followed by a domain never counts). Tokens
 * with other digits ("sha256", "base64", "k8s") are left alone.
 */
function unleetText(s: string, seen: Disguises): string {
  const kindAt = (tok: string, end: number): number => {
    const k = leetKind(tok);
    return k === 3 && /^\.[A-Za-z]/.test(s.slice(end, end + 2)) ? 0 : k;
  };
  let among = 0;
  for (const m of s.matchAll(MIXED)) {
    const k = kindAt(m[0], m.index + m[0].length);
    if ((k === 2 || k === 3) && ++among >= 2) break;
  }
  // One such token is as often a name with a number ("oracle10g") as a disguise.
  if (among >= 2) seen.disguised++;
  return s.replace(MIXED, (tok: string, at: number) => {
    const k = kindAt(tok, at + tok.length);
    return k === 2 || ((k === 1 || k === 3) && among >= 2) ? unleet(tok) : tok;
  });
}

// Character classes of ASCII code units for the pre-test, one table lookup per character.
const LETTER = 1;
const VOWEL = 2;
const LEET_DIGIT = 4;
const BASE64 = 8;
const SEPARATOR = 16;
const PERCENT = 32;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z]/.test(ch)) ASCII_CLASS[c]! |= LETTER | BASE64;
  if (/[aeiouAEIOU]/.test(ch)) ASCII_CLASS[c]! |= VOWEL;
  if (/[013457@$!]/.test(ch)) ASCII_CLASS[c]! |= LEET_DIGIT;
  if (/[0-9+/_-]/.test(ch)) ASCII_CLASS[c]! |= BASE64;
  if (/[ \-._*]/.test(ch)) ASCII_CLASS[c]! |= SEPARATOR;
  if (ch === '%') ASCII_CLASS[c]! |= PERCENT;
}
const classOf = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  return c < 128 ? ASCII_CLASS[c]! : 0;
};

// What the pre-test finds.
const MAY_LEET = 1;
const MAY_SPACED = 2;
const HAS_INVISIBLE = 4;
const HAS_FOLDABLE = 8;
const MAY_BASE64 = 16;
const MAY_CIPHER = 32;
const NO_LETTERS = 64;
const MAY_PERCENT = 128;
const MAY_REVERSED = 256;

/** A run this long of base64's alphabet is worth decoding (16 bytes of text). */
const BASE64_MIN_RUN = 20;
/** English has about 38% vowels among its letters; a shift cipher or Atbash leaves 13–22%. */
const CIPHER_VOWEL_SHARE = 0.3;
const CIPHER_MIN_LETTERS = 16;
/** Percent-escapes ("%20") a text needs before it is read as URL-encoded; a link or two carries fewer. */
const PERCENT_MIN = 3;
const isHexDigit = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/**
 * A sentence written backwards starts with its closing punctuation ("?emoh ta ...") or ends with its capital
 * ("... od woH"); only then are its words counted both ways.
 */
function readsBackwards(s: string): boolean {
  let a = 0;
  while (a < s.length && s.charCodeAt(a) <= 32) a++;
  let b = s.length - 1;
  while (b > a && s.charCodeAt(b) <= 32) b--;
  const first = s.charCodeAt(a);
  const last = s.charCodeAt(b);
  return first === 63 || first === 46 || first === 33 || (last >= 65 && last <= 90);
}

/**
 * Which rewrites might apply: one loop over the text's character codes (a regular expression with these
 * alternatives cost a quarter of the classifier's time). A flag may be set for a text the rewrite then leaves as
 * it is (a letter beside a look-alike digit, "x y" pairs, a long identifier); the rewrites decide.
 */
function scan(s: string): number {
  let flags = 0;
  let letters = 0;
  let vowels = 0;
  let run = 0;
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) {
      run = 0;
      if (isInvisible(c)) flags |= HAS_INVISIBLE;
      else if (foldable(c)) flags |= HAS_FOLDABLE;
      continue;
    }
    const k = ASCII_CLASS[c]!;
    if (k & BASE64) {
      if (++run >= BASE64_MIN_RUN) flags |= MAY_BASE64;
    } else run = 0;
    if (k & LETTER) {
      letters++;
      if (k & VOWEL) vowels++;
    } else if (k & LEET_DIGIT) {
      if ((classOf(s, i - 1) | classOf(s, i + 1)) & LETTER) flags |= MAY_LEET;
    } else if (k & SEPARATOR) {
      // "a b c": a single letter, a separator, a single letter, the same separator.
      if (classOf(s, i - 1) & LETTER && !(classOf(s, i - 2) & LETTER) && classOf(s, i + 1) & LETTER && s.charCodeAt(i + 2) === c) flags |= MAY_SPACED;
    } else if (k & PERCENT) {
      if (isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2)) && ++escapes >= PERCENT_MIN) flags |= MAY_PERCENT;
    }
  }
  if (letters === 0) flags |= NO_LETTERS;
  else if (letters >= CIPHER_MIN_LETTERS && vowels < letters * CIPHER_VOWEL_SHARE) flags |= MAY_CIPHER;
  else if (readsBackwards(s)) flags |= MAY_REVERSED;
  return flags;
}

/** The text as a reader (or the model) reads it, and whether it was disguised to get past word filters. */
export interface Reading {
  text: string;
  /** Something beyond accents was undone: leetspeak, invisible or look-alike characters, letters apart, an encoding. */
  obfuscated: boolean;
}

export function deobfuscate(text: string): string {
  return readingOf(text).text;
}

export function readingOf(text: string): Reading {
  let flags = scan(text);
  if (flags === 0) return { text, obfuscated: false };
  let s = text;
  // Decoding an encoding or dropping invisible characters is undoing a disguise; the other rewrites say so in `seen`
  // (accents folded, one name with a digit or an abbreviation joined are ordinary text).
  let obfuscated = false;
  const seen: Disguises = { disguised: 0 };
  // Each decoder that changes the text hands the next ones a new text to test (a base64 request may be leetspeak).
  const step = (flag: number, rewrite: (t: string) => string, disguise: boolean) => {
    if (!(flags & flag)) return;
    const next = rewrite(s);
    if (next !== s) {
      if (disguise) obfuscated = true;
      s = next;
      flags = scan(s);
    }
  };
  step(HAS_FOLDABLE, (t) => foldLetters(t, seen), false);
  step(MAY_PERCENT, decodePercent, true);
  step(NO_LETTERS, decodeSymbols, true);
  step(MAY_BASE64, decodeBase64Runs, true);
  step(MAY_CIPHER, decodeLetterCipher, true);
  step(MAY_REVERSED, decodeReversed, true);
  // In a text without spaces invisible characters stand in for them and separate words; anywhere else they are nothing.
  step(HAS_INVISIBLE, (t) => {
    // Inside a word they hide it; elsewhere (an emoji sequence's joiner, a soft hyphen at a line end) they are text.
    if (INSIDE_WORD.test(t)) seen.disguised++;
    return t.replace(INVISIBLE_ALL, t.indexOf(' ') < 0 ? ' ' : '');
  }, false);
  step(MAY_LEET, (t) => (LEET_AMONG.test(t) ? unleetText(t, seen) : t), false);
  step(MAY_SPACED, (t) => joinSpelledOut(t, seen), false);
  if (seen.disguised > 0) obfuscated = true;
  return { text: s, obfuscated };
}
