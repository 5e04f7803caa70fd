// The limits document lives in the policy rules (section `limits:`), opaque to the policy module. This
// validates it once per rules object, so the limiter reads a typed LimitsConfig without per-request work.
import { emptyLimitsConfig, LimitsConfigSchema, type LimitsConfig } from '../limits/limits-schema.js';
import type { PolicyRules } from '../policy/policy-rules.js';

export function limitsReader(rulesOf: () => PolicyRules, onInvalid: (message: string) => void): () => LimitsConfig {
  let lastRules: PolicyRules | undefined;
  let last: LimitsConfig = emptyLimitsConfig();
  return () => {
    const rules = rulesOf();
    if (rules === lastRules) return last;
    lastRules = rules;
    if (rules.limits === undefined) {
      last = emptyLimitsConfig();
    } else {
      const parsed = LimitsConfigSchema.safeParse(rules.limits);
      if (parsed.success) last = parsed.data;
      else onInvalid(`policy rules v${rules.version}: invalid limits section, keeping previous limits: ${parsed.error.issues[0]?.message}`);
    }
    return last;
  };
}
