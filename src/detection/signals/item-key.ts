// One hash standing for the item a prompt sends: its text with every run of digits read as one digit and every
// run of whitespace as one space. Accounts running one evaluation through one notebook send the same text around
// each item, with only the item's number changing; two different items never share a key (two maths problems
// that differ only in their numbers do, which costs a network harvesting a model nothing to avoid and a class
// nothing it would notice). A request offering tools is an item of a tool-use harvest with its tools: the same
// question asked with other tools is another item.
import { mixHash } from '../text/hash.js';

/** Only this much of a prompt is read: two long prompts that agree this far are one item for this purpose. */
const READ_CHARS = 8000;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The key of the prompt (digits and whitespace folded) and of the tools offered (name hashes, ascending); 0 for an empty prompt. */
export function itemKey(prompt: string, toolNames?: Uint32Array): number {
  const end = Math.min(prompt.length, READ_CHARS);
  let h = FNV_OFFSET;
  let chars = 0;
  let inDigits = false;
  // Whitespace is written as one space before the next other character, so none is kept at either end.
  let space = false;
  for (let i = 0; i < end; i++) {
    const c = prompt.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) {
      space = chars > 0;
      inDigits = false;
      continue;
    }
    const digit = c >= 48 && c <= 57;
    if (digit && inDigits) continue;
    inDigits = digit;
    if (space) h = Math.imul(h ^ 32, FNV_PRIME);
    space = false;
    h = Math.imul(h ^ (digit ? 48 : c), FNV_PRIME);
    chars++;
  }
  if (chars === 0) return 0;
  if (toolNames) for (let i = 0; i < toolNames.length; i++) h = mixHash(h, toolNames[i]!);
  return mixHash(h >>> 0, 0x9e3779b1) || 1;
}
