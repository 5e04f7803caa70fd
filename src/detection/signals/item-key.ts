// One hash standing for the item a prompt asks about: its longest line. An evaluation harness or a harvest
// script puts its own text (a numbered header, an answer-format directive, a request for the reasoning) on short
// lines of their own around the item, so two prompts sending the same item through different wrappers, or the
// same wrapper with a different item number, mostly keep the key, and different items get different keys. A
// request offering tools is an item of a tool-use harvest with its tools: the same question asked with other
// tools is another item.
import { fnv1a, mixHash } from '../text/hash.js';

/** Only this much of a prompt is read: an item is found near the start, and a long document is one item anyway. */
const READ_CHARS = 8000;

/**
 * The key of the prompt's longest line (whitespace at its ends ignored) and of the tools offered (their name
 * hashes, ascending), mixed to be uniform; 0 for an empty prompt.
 */
export function itemKey(prompt: string, toolNames?: Uint32Array): number {
  const end = Math.min(prompt.length, READ_CHARS);
  let bestStart = 0;
  let bestLen = 0;
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || prompt.charCodeAt(i) === 10) {
      if (i - start > bestLen) {
        bestStart = start;
        bestLen = i - start;
      }
      start = i + 1;
    }
  }
  const line = prompt.slice(bestStart, bestStart + bestLen).trim();
  if (!line) return 0;
  let h = fnv1a(line);
  if (toolNames) for (let i = 0; i < toolNames.length; i++) h = mixHash(h, toolNames[i]!);
  return mixHash(h, 0x9e3779b1) || 1;
}
