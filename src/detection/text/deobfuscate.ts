// Undoes the character-level obfuscations red-team tools apply to a harmful request so that word filters miss it
// (PyRIT's and garak's converters, jailbreak guides): look-alike digits inside words ("m4k3 4 b0mb"), invisible
// characters inside words ("mo\u200blotov") and letters spaced apart ("m o l o t o v"). The classifier reads the
// text as a reader (or the model) would. A text with none of them is returned as it is, after one loop over it.

/** Format characters that render as nothing: zero-width space, non-joiner and joiner, marks, word joiner, BOM, soft hyphen. */
const INVISIBLE_ALL = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF]/g;
const INVISIBLE = new RegExp(INVISIBLE_ALL.source);
/** Look-alike digits among letters: every token leetspeak reads has one of these (see leetKind). */
const LEET_AMONG = /[A-Za-z][013457]+[A-Za-z]|[013457][A-Za-z]+[013457]/;
/** Three or more single letters separated by single spaces, on their own (a word spelled out). */
const SPACED = /(?<![A-Za-z0-9])(?:[A-Za-z] ){2,}[A-Za-z](?![A-Za-z0-9])/g;
/** A token of letters and digits. (@ and $ are left alone: e-mail addresses and code use them between letters.) */
const MIXED = /[A-Za-z0-9]+/g;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't' };

/** 2: digits among letters ("m4k3", "b0mb"); 1: letters with look-alike digits before or after them only ("fak3", "7heft", "html5"); 0: anything else. */
function leetKind(tok: string): number {
  let letters = 0;
  let digits = 0;
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
      digits++;
      if (letters > 0) digitAfterLetter = true;
      prevDigit = true;
    } else return 0;
  }
  if (letters === 0 || digits === 0) return 0;
  return letters >= 2 && digitAfterLetter && letterAfterDigit ? 2 : 1;
}

function unleet(tok: string): string {
  let out = '';
  for (const c of tok) out += LEET[c] ?? c;
  return out;
}

/**
 * Leetspeak. A token with its digits among its letters ("m4k3", "b0mb", "4nthr4x") is read with them as letters.
 * One with digits only before or after its letters ("fak3", "7heft") is, too, when the text has at least two of the
 * first kind: alone, such a token is far more often a name with its number ("html5", "sqlite3", "value1") or a
 * number with its unit ("10th", "3am"). Tokens with other digits ("sha256", "base64", "k8s") are left alone.
 */
function unleetText(s: string): string {
  let among = 0;
  for (const m of s.matchAll(MIXED)) if (leetKind(m[0]) === 2 && ++among >= 2) break;
  return s.replace(MIXED, (tok) => {
    const k = leetKind(tok);
    return k === 2 || (k === 1 && among >= 2) ? unleet(tok) : tok;
  });
}

const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;
const isLeetDigit = (c: number): boolean => c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55;
const isInvisible = (c: number): boolean => c === 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x2060 && c <= 0x2064) || c === 0xfeff;

/**
 * Whether any of the three might be present: one loop over the text's character codes (a regular expression with
 * these alternatives cost a quarter of the classifier's time). True also for some texts with none (a letter beside a
 * look-alike digit, "x y" pairs); the rewrites below decide.
 */
function suspect(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48) {
      // "a b c": a single letter, a space, a single letter.
      if (c === 32 && i > 0 && isLetter(s.charCodeAt(i - 1)) && i + 2 < s.length && isLetter(s.charCodeAt(i + 1)) && s.charCodeAt(i + 2) === 32 && !(i > 1 && isLetter(s.charCodeAt(i - 2)))) return true;
      continue;
    }
    if (isLeetDigit(c) ? (i > 0 && isLetter(s.charCodeAt(i - 1))) || isLetter(s.charCodeAt(i + 1)) : c >= 0xad && isInvisible(c)) return true;
  }
  return false;
}

export function deobfuscate(text: string): string {
  if (!suspect(text)) return text;
  let s = text;
  if (INVISIBLE.test(s)) {
    // In a text without spaces they stand in for them and separate words; anywhere else they are nothing.
    s = s.replace(INVISIBLE_ALL, s.indexOf(' ') < 0 ? ' ' : '');
  }
  if (LEET_AMONG.test(s)) s = unleetText(s);
  return s.replace(SPACED, (m) => m.replace(/ /g, ''));
}
