// What red-team tools do to a harmful request's characters so that word filters miss it: the noise a Best-of-N
// jailbreak search adds to each try (Hughes et al., 2024), and the converters of tools such as PyRIT and garak
// (look-alike digits, invisible characters, letters spaced out). The `noise` and `obfuscate` perturbations send
// them and the classifier eval reads each unseen set with them. Each is deterministic for a given seed.

function random(seed: number): () => number {
  let h = seed >>> 0;
  return () => {
    h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    h ^= h >>> 12;
    return (h >>> 0) / 4294967296;
  };
}

/**
 * Best-of-N style augmentation (Hughes et al., 2024): each word of four letters or more has its inner letters
 * shuffled with probability 0.6, and each letter's case flipped with probability 0.6.
 */
export function bestOfNNoise(text: string, seed: number): string {
  const rand = random(seed);
  const scrambled = text.replace(/[A-Za-z]{4,}/g, (w) => {
    if (rand() >= 0.6) return w;
    const mid = w.slice(1, -1).split('');
    for (let i = mid.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [mid[i], mid[j]] = [mid[j]!, mid[i]!];
    }
    return w[0] + mid.join('') + w[w.length - 1];
  });
  let out = '';
  for (const ch of scrambled) out += rand() < 0.6 ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch;
  return out;
}

const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };

/** Leetspeak: each a, e, i, o, s and t written as its look-alike digit with probability 0.5. */
export function leetspeak(text: string, seed: number): string {
  const rand = random(seed);
  return text.replace(/[aeiostAEIOST]/g, (c) => (rand() < 0.5 ? LEET[c.toLowerCase()]! : c));
}

/** A zero-width space after every second letter of each word of four letters or more. */
export function zeroWidthSplits(text: string): string {
  return text.replace(/[A-Za-z]{4,}/g, (w) => w.replace(/([A-Za-z]{2})(?=[A-Za-z])/g, '$1\u200b'));
}

/** Every character followed by a space (PyRIT's character-space converter): words end at three spaces. */
export function spacedOut(text: string): string {
  return [...text].join(' ');
}

/** One of the three converters, in turn by seed: leetspeak, zero-width splits, spaced out. */
export function characterObfuscation(text: string, seed: number): string {
  const k = seed % 3;
  return k === 0 ? leetspeak(text, seed) : k === 1 ? zeroWidthSplits(text) : spacedOut(text);
}
