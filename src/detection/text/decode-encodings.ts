// Encodings a red-team harness wraps a request in so that a word filter sees no words while the model decodes
// it (garak's encoding probes, PyRIT's converters): base64, hexadecimal, percent-encoding, letter substitution
// ciphers (ROT13, Caesar shifts, Atbash), text written backwards, Morse code and binary. Each decoder replaces the
// encoded text only when what comes out reads as language, so hashes, identifiers and data in ordinary traffic are
// left as they are.

const BASE64_RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;

/** Printable text with words in it: what a decoded request looks like, and decoded bytes of binary data do not. */
function readsAsText(s: string): boolean {
  if (s.length < 8 || s.includes('\uFFFD')) return false;
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 || c === 9 || c === 10 || c === 13) printable++;
    if (c === 32) spaces++;
    else if ((c | 32) >= 97 && (c | 32) <= 122) letters++;
  }
  return printable >= s.length * 0.95 && letters >= s.length * 0.5 && spaces > 0 && spaces <= s.length / 2;
}

const HEX = /^(?:[0-9a-f]{2})+$|^(?:[0-9A-F]{2})+$/;

/** Runs of hexadecimal or base64 (standard or URL-safe) that decode to text, replaced by the text. */
export function decodeBase64Runs(s: string): string {
  return s.replace(BASE64_RUN, (run) => {
    // Base64 of text mixes cases; identifiers, hex digests and long words mostly do not.
    const encoding = HEX.test(run) ? 'hex' : /[a-z]/.test(run) && /[A-Z]/.test(run) ? 'base64' : undefined;
    if (!encoding) return run;
    const text = Buffer.from(run, encoding).toString('utf8');
    return readsAsText(text) ? ` ${text} ` : run;
  });
}

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** Percent-encoding (a request passed through a URL encoder): each run of escapes decoded where it is valid UTF-8. */
export function decodePercent(s: string): string {
  return s.replace(PERCENT_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

// English letter frequencies (per cent, a–z): the transforms worth trying are those under which a text fits them.
const ENGLISH = [8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4, 6.7, 7.5, 1.9, 0.095, 6.0, 6.3, 9.1, 2.8, 0.98, 2.4, 0.15, 2.0, 0.074];
const LOG_P = ENGLISH.map((p) => Math.log(p / 100));
/** The commonest English words of two to five letters; a deciphering is judged by how many it yields. */
const COMMON_WORDS = new Set(
  ('an the and or but of to in on for with from by at as into about than then so if not no is are was were be been ' +
    'has have had do does did can could will would shall may might must how what why who when where which that this ' +
    'these those there their they them he his she her it its we our you your me my us all any some each more most ' +
    'other such only also just very out up over after make give write tell show use get find take list steps way ' +
    'one two new good best like need want know help')
    .split(' '),
);

/** Decodes letter i (0–25) under transform t: 1–25 shift back by t, 26 is Atbash. */
const decodeLetter = (i: number, t: number): number => (t === 26 ? 25 - i : (i + 26 - t) % 26);

function applyTransform(s: string, t: number): string {
  return s.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(base + decodeLetter(ch.charCodeAt(0) - base, t));
  });
}

/** Distinct words of a text, lower-cased. */
const distinctWords = (s: string): number => new Set(s.toLowerCase().match(/[a-z]+/g) ?? []).size;

/** Distinct common English words of two to five letters in a text (distinct: a unit repeated, "68kg ... 65kg", is not a sentence). */
function commonWords(s: string): number {
  const seen = new Set<string>();
  for (const w of s.toLowerCase().match(/[a-z]+/g) ?? []) if (w.length >= 2 && w.length <= 5 && COMMON_WORDS.has(w)) seen.add(w);
  return seen.size;
}

/**
 * A text in a letter substitution cipher (a shift such as ROT13, or Atbash), deciphered. The three transforms
 * under which its letters fit English best are tried; one is taken when it turns the most of the text's words
 * of two to five letters into common English words (single letters are as often variables as "a" and "I"):
 * distinct, at least an eighth of its distinct words (ordinary English has a third or more) and two more than
 * as written.
 */
export function decodeLetterCipher(s: string): string {
  const counts = new Array<number>(26).fill(0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) counts[c - 97]!++;
  }
  const fit = (t: number) => counts.reduce((sum, n, i) => sum + n * LOG_P[t === 0 ? i : decodeLetter(i, t)]!, 0);
  const asWrittenFit = fit(0);
  const candidates = Array.from({ length: 26 }, (_, k) => ({ t: k + 1, fit: fit(k + 1) }))
    .filter((c) => c.fit > asWrittenFit)
    .sort((x, y) => y.fit - x.fit)
    .slice(0, 3);
  if (!candidates.length) return s;
  const words = s.toLowerCase().match(/[a-z]+/g) ?? [];
  // Only the short words can become common ones: each transform is tried on them alone.
  const short = words.filter((w) => w.length >= 2 && w.length <= 5).join(' ');
  const found = (t: number) => commonWords(t === 0 ? short : applyTransform(short, t));
  let best = 0;
  let bestFound = found(0) + 1;
  for (const { t } of candidates) {
    const n = found(t);
    if (n > bestFound) {
      bestFound = n;
      best = t;
    }
  }
  return best && bestFound >= Math.max(2, distinctWords(s) / 8) ? applyTransform(s, best) : s;
}

/** How much of each end is read to decide whether a text runs backwards. */
const REVERSED_PROBE = 160;

const backwards = (s: string): string => Array.from(s).reverse().join('');

/**
 * A text written backwards (PyRIT's flip converter), turned around when that yields at least two more distinct
 * common English words than as written and at least an eighth of its distinct words. A long text is probed first
 * on its ends, so a text that only ends with a capital ("... in the USA") costs two short word counts.
 */
export function decodeReversed(s: string): string {
  if (s.length > 2 * REVERSED_PROBE) {
    const probe = s.slice(0, REVERSED_PROBE) + ' ' + s.slice(-REVERSED_PROBE);
    if (commonWords(backwards(probe)) < commonWords(probe) + 2) return s;
  }
  const back = backwards(s);
  const found = commonWords(back);
  return found >= Math.max(2, distinctWords(s) / 8) && found >= commonWords(s) + 2 ? back : s;
}

const MORSE: Record<string, string> = {
  '.-': 'a', '-...': 'b', '-.-.': 'c', '-..': 'd', '.': 'e', '..-.': 'f', '--.': 'g', '....': 'h', '..': 'i', '.---': 'j',
  '-.-': 'k', '.-..': 'l', '--': 'm', '-.': 'n', '---': 'o', '.--.': 'p', '--.-': 'q', '.-.': 'r', '...': 's', '-': 't',
  '..-': 'u', '...-': 'v', '.--': 'w', '-..-': 'x', '-.--': 'y', '--..': 'z', '-----': '0', '.----': '1', '..---': '2',
  '...--': '3', '....-': '4', '.....': '5', '-....': '6', '--...': '7', '---..': '8', '----.': '9',
};
const MORSE_TEXT = /^[\s.\-/|]+$/;
const BINARY_TEXT = /^[01\s]+$/;

/**
 * A text with no letters written as Morse code (letters split by spaces, words by "/" or wider gaps)
 * or as binary octets, decoded; anything else as it is.
 */
export function decodeSymbols(s: string): string {
  const t = s.trim();
  if (t.length < 8) return s;
  if (MORSE_TEXT.test(t)) {
    const words = t.split(/\s*[/|]\s*|\s{3,}/).map((w) => w.split(/\s+/).map((m) => MORSE[m] ?? '').join(''));
    const text = words.join(' ');
    return text.replace(/ /g, '').length >= 4 ? text : s;
  }
  if (BINARY_TEXT.test(t)) {
    const groups = t.split(/\s+/);
    if (!groups.every((g) => g.length === 8)) return s;
    const text = Buffer.from(groups.map((g) => parseInt(g, 2))).toString('utf8');
    return readsAsText(text) ? text : s;
  }
  return s;
}
