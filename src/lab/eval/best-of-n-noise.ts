// The noise a Best-of-N jailbreak search adds to each try of a request (Hughes et al., 2024, "Best-of-N
// Jailbreaking"): what the `noise` perturbation sends and what the classifier eval reads each unseen set with.

/**
 * Best-of-N style augmentation (Hughes et al., 2024): each word of four letters or more has its inner letters
 * shuffled with probability 0.6, and each letter's case flipped with probability 0.6. Seeded by the request id.
 */
export function bestOfNNoise(text: string, seed: number): string {
  let h = seed >>> 0;
  const rand = () => {
    h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    h ^= h >>> 12;
    return (h >>> 0) / 4294967296;
  };
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
