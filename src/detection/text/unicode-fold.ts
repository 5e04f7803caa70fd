// Letters written with code points other than the Latin ones they read as: accented letters and stacked
// combining marks ("Zalgo"), fullwidth, mathematical and enclosed letters (text stylers), Braille, Cyrillic and Greek
// look-alikes ("mоlоtоv" with Cyrillic о; confusable converters) and Unicode tag characters, which carry ASCII
// that renders as nothing but a model reads ("ASCII smuggling"). Folding them lets a word filter read what the
// model reads.
import { WORD_CHAR } from './word-chars.js';

/** FOLD[c]: 0 leaves the code unit as it is, -1 drops it (a combining mark), else the ASCII code it reads as. */
const FOLD = new Int16Array(65536);
/** LOOKALIKE[c]: the ASCII letter a Cyrillic or Greek letter is drawn like (folded only in a Latin-script text). */
const LOOKALIKE = new Uint8Array(65536);

/** Blocks of combining marks that decorate any letter (diacritics, Zalgo); marks that belong to a script stay. */
const COMBINING: ReadonlyArray<readonly [number, number]> = [
  [0x300, 0x36f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff],
  [0xfe20, 0xfe2f],
];
/** Accented Latin letters (Latin-1, extended Latin): ordinary text in many languages, folded but not a disguise. */
const ACCENTED: ReadonlyArray<readonly [number, number]> = [
  [0xc0, 0x24f],
  [0x1e00, 0x1eff],
];
/** Blocks whose letters decompose to Latin ones: the accented ones, phonetic and modifier letters, super- and subscripts, letterlike symbols, enclosed alphanumerics, fullwidth forms. */
const COMPAT: ReadonlyArray<readonly [number, number]> = [
  ...ACCENTED,
  [0x1d00, 0x1dbf],
  [0x2070, 0x209f],
  [0x2100, 0x214f],
  [0x2460, 0x24ff],
  [0xff01, 0xff5e],
];
/** Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables, the ones a reader takes for Latin). */
const LOOKALIKES = 'аa вb сc еe һh іi јj кk мm оo рp ԛq ѕs тt хx уy ԝw ӏl АA ВB СC ЕE НH ІI ЈJ КK МM ОO РP ЅS ТT ХX ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX οo νv ιi κk ρp υu χx';

const ASCII_ALNUM = /^[A-Za-z0-9]$/;

/** The ASCII letter or digit a code point decomposes to once its marks are dropped, or 0. */
function decomposed(cp: number): number {
  const d = String.fromCodePoint(cp).normalize('NFKD');
  let out = 0;
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    if (isCombining(c)) continue;
    if (out || !ASCII_ALNUM.test(d[i]!)) return 0;
    out = c;
  }
  return out;
}

function isCombining(c: number): boolean {
  for (const [a, b] of COMBINING) if (c >= a && c <= b) return true;
  return false;
}

for (const [a, b] of COMBINING) for (let c = a; c <= b; c++) FOLD[c] = -1;
for (const [a, b] of COMPAT) for (let c = a; c <= b; c++) FOLD[c] = decomposed(c);
for (const pair of LOOKALIKES.split(' ')) LOOKALIKE[pair.charCodeAt(0)] = pair.charCodeAt(1);
// Braille cells (U+2800 plus the dots' bits) of the English letters, as text-to-Braille converters write them; the
// capital and number signs are dropped, the blank cell is a space.
for (const [i, dots] of [0x01, 0x03, 0x09, 0x19, 0x11, 0x0b, 0x1b, 0x13, 0x0a, 0x1a, 0x05, 0x07, 0x0d, 0x1d, 0x15, 0x0f, 0x1f, 0x17, 0x0e, 0x1e, 0x25, 0x27, 0x3a, 0x2d, 0x3d, 0x35].entries()) FOLD[0x2800 + dots] = 97 + i;
FOLD[0x2800] = 32;
FOLD[0x2820] = -1;
FOLD[0x283c] = -1;

/** High surrogates of the planes folded: mathematical alphanumerics, enclosed alphanumeric supplement, tags. */
const MATH_HIGH = 0xd835;
const ENCLOSED_HIGH = 0xd83c;
const TAG_HIGH = 0xdb40;

/** Whether a non-ASCII code unit is one `foldLetters` may change (the pre-test of deobfuscate.ts). */
export function foldable(c: number): boolean {
  return FOLD[c] !== 0 || LOOKALIKE[c] !== 0 || c === MATH_HIGH || c === ENCLOSED_HIGH || c === TAG_HIGH;
}

/** The ASCII code a supplementary code point reads as (a tag character, a styled or enclosed letter), or 0. */
function foldAstral(cp: number): number {
  if (cp >= 0xe0020 && cp <= 0xe007e) return cp - 0xe0000;
  if ((cp >= 0x1d400 && cp <= 0x1d7ff) || (cp >= 0x1f100 && cp <= 0x1f1ff)) return decomposed(cp);
  return 0;
}

/** Rewrites that undid a disguise (look-alikes, styled, tag or Braille letters, stacked marks, leetspeak, letters spelled apart), counted by the rewriters. */
export interface Disguises {
  disguised: number;
}

const isAccented = (c: number): boolean => ACCENTED.some(([a, b]) => c >= a && c <= b);

/** A Greek or Cyrillic letter that is not drawn like a Latin one (д, я, λ): its word is written in that script. */
const ownScriptLetter = (c: number): boolean => c >= 0x370 && c <= 0x52f && LOOKALIKE[c] === 0 && FOLD[c] === 0 && c !== 0x37e && c !== 0x387;

/**
 * The text with every foldable code unit replaced by the ASCII it reads as. Look-alike letters are folded only in
 * words that have no other letter of their script, so a Russian or Greek word keeps its letters ("код" has д)
 * while an English word with Cyrillic о's is read as English; a word made only of look-alikes ("Το", "как") is
 * folded when it has a Latin letter too or the text is mostly in Latin letters.
 */
export function foldLetters(s: string, seen?: Disguises): string {
  let out = '';
  let from = 0;
  let wordEnd = -1;
  let lookalikes = true;
  let latinText: boolean | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) continue;
    if (LOOKALIKE[c] !== 0 && i >= wordEnd) {
      // Decide for the whole word this letter starts or sits in.
      let a = i;
      while (a > 0 && isWordUnit(s.charCodeAt(a - 1))) a--;
      let b = i;
      while (b < s.length && isWordUnit(s.charCodeAt(b))) b++;
      wordEnd = b;
      let latin = false;
      lookalikes = true;
      for (let j = a; j < b && lookalikes; j++) {
        const w = s.charCodeAt(j);
        if (ownScriptLetter(w)) lookalikes = false;
        else if (w < 128) latin = true;
      }
      if (lookalikes && !latin) lookalikes = (latinText ??= mostlyLatin(s));
    }
    let to: number;
    let width = 1;
    if (c === MATH_HIGH || c === ENCLOSED_HIGH || c === TAG_HIGH) {
      to = foldAstral(s.codePointAt(i)!);
      width = 2;
    } else to = FOLD[c] || (lookalikes ? LOOKALIKE[c]! : 0);
    if (to === 0) {
      i += width - 1;
      continue;
    }
    // One combining mark after a letter is how decomposed text writes an accent; a second one is stacking.
    if (seen && !isAccented(c) && (to > 32 || (to < 0 && FOLD[s.charCodeAt(i - 1)] === -1))) seen.disguised++;
    out += s.slice(from, i) + (to > 0 ? String.fromCharCode(to) : '');
    i += width - 1;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** At least as many ASCII letters as Greek or Cyrillic letters that are not look-alikes. */
function mostlyLatin(s: string): boolean {
  let latin = 0;
  let own = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 ? (c | 32) >= 97 && (c | 32) <= 122 : FOLD[c]! > 0) latin++;
    else if (ownScriptLetter(c)) own++;
  }
  return latin >= own;
}

/** Letters, digits, combining marks and invisible joiners hold a word together. */
function isWordUnit(c: number): boolean {
  return WORD_CHAR[c]! >= 0 || FOLD[c] === -1 || (c >= 0x200b && c <= 0x200d);
}
