// Calibration of scores: the threshold that keeps false positives on benign data at a target rate, and
// Platt scaling (a one-dimensional logistic fit) from a raw score to a probability.

/** Smallest threshold t such that the share of `benign` scores >= t is at most `fpr`; returns that share too. */
export function thresholdAtFpr(benign: readonly number[], fpr: number): { threshold: number; fpr: number } {
  if (benign.length === 0) return { threshold: Infinity, fpr: 0 };
  const s = [...benign].sort((a, b) => b - a);
  const allowed = Math.floor(s.length * fpr);
  // Scores tied with the first excluded one must be excluded too, so step just above it.
  const cut = s[allowed]!;
  const threshold = cut + Math.max(1e-9, Math.abs(cut) * 1e-9);
  const flagged = s.filter((x) => x >= threshold).length;
  return { threshold, fpr: flagged / s.length };
}

/**
 * Fits P(y=1|x) = 1/(1+exp(-(a x + b))) by Newton's method, each class weighted to half the total (a prior
 * of one half: the probability says how the score compares between the kinds, not how common they are).
 */
export function fitPlatt(neg: readonly number[], pos: readonly number[]): [number, number] {
  if (!neg.length || !pos.length) return [1, 0];
  const wn = 0.5 / neg.length;
  const wp = 0.5 / pos.length;
  let a = 1;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    const step = (x: number, y: number, w: number) => {
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      const d = (p - y) * w;
      const h = p * (1 - p) * w;
      ga += d * x;
      gb += d;
      haa += h * x * x;
      hab += h * x;
      hbb += h;
    };
    for (const x of neg) step(x, 0, wn);
    for (const x of pos) step(x, 1, wp);
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return [Number(a.toPrecision(6)), Number(b.toPrecision(6))];
}
