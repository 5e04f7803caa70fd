// What the request log keeps (config `requestLog`): which requests are sampled, for how long, and whether a
// prompt excerpt is stored at all.
export interface RequestLogSettings {
  enabled: boolean;
  /** Share of admitted requests kept, 0–1. */
  admittedSampleRate: number;
  /** Share of refused, rate-limited and failed requests kept, 0–1 (the ones an analyst looks for). */
  otherSampleRate: number;
  retentionHours: number;
  /** Newest rows kept at most; older ones are pruned even inside the retention. */
  maxRows: number;
  /** `excerpt`: the prompt's first characters, secrets redacted as evidence is. `none`: no prompt text at all. */
  prompts: 'none' | 'excerpt';
}

/** Characters of prompt kept per entry (as case evidence keeps). */
export const PROMPT_EXCERPT_CHARS = 300;
