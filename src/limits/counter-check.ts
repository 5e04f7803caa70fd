// The outcome of checking one counter for one request, shared by every window algorithm.
export interface CounterCheck {
  ok: boolean;
  /** Usage counted before this request. */
  used: number;
  /** What is left after this request if admitted, else what is left now (never negative). */
  remaining: number;
  /** When usage is back to zero if nothing else arrives (epoch ms): "fully replenished". */
  resetAt: number;
  /** On denial: earliest time this request could be admitted; Infinity when it never can (cost > limit). */
  retryAt?: number;
  /** Earliest time any usage frees up (the local fast path blocks a counter at zero remaining until then). */
  nextFreeAt: number;
}
