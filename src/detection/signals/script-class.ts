// The writing system (and, for Latin script, whether it reads as English) of a prompt's opening, so a
// multilingual sweep shows as several languages where an application usually has one or two.
export const SCRIPTS = ['english', 'latin', 'cyrillic', 'cjk', 'arabic', 'indic', 'greek_hebrew', 'other'] as const;

const ENGLISH = /\b(?:the|and|is|are|of|to|what|how|you|for|it|this|that|with|can|do|my)\b/i;

export function scriptClass(text: string): number {
  const s = text.length > 300 ? text.slice(0, 300) : text;
  let latin = 0;
  let cyr = 0;
  let cjk = 0;
  let arab = 0;
  let indic = 0;
  let grheb = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if ((c | 32) >= 97 && (c | 32) <= 122) latin++;
    } else if (c < 0x250) latin++;
    else if (c >= 0x370 && c < 0x400) grheb++;
    else if (c >= 0x400 && c < 0x530) cyr++;
    else if (c >= 0x590 && c < 0x600) grheb++;
    else if (c >= 0x600 && c < 0x780) arab++;
    else if (c >= 0x900 && c < 0xe00) indic++;
    else if ((c >= 0x3040 && c < 0xa000) || (c >= 0xac00 && c < 0xd7b0) || (c >= 0xf900 && c < 0xfb00)) cjk++;
    else if (c >= 0x2000 && c < 0x2070) continue; // punctuation
    else other++;
  }
  const counts = [latin, latin, cyr, cjk, arab, indic, grheb, other];
  let best = 1;
  for (let k = 2; k < counts.length; k++) if (counts[k]! > counts[best]!) best = k;
  if (counts[best] === 0) return 0;
  if (best !== 1) return best;
  // Latin: English when common English function words show up.
  return ENGLISH.test(s) ? 0 : 1;
}
