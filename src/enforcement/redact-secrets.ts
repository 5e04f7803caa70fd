// Evidence leaves the gateway (admin API, console, exports, court bundles), so anything in a prompt that
// looks like a credential is replaced before it is stored on a case.
const PATTERNS: RegExp[] = [
  /\bmoat_[a-z]+_[A-Za-z0-9_-]{8,}/g, // Moat API keys
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, // OpenAI / Anthropic keys
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAIza[A-Za-z0-9_-]{30,}/g, // Google API keys
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // authorization header values
  /\b((?:api[_-]?key|apikey|secret|token|password|passwd|x-api-key)["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi, // key=value
  /\b[A-Fa-f0-9]{40,}\b/g, // long hex secrets
];

export const REDACTED = '[redacted]';

export function redactSecrets(text: string): string {
  let out = text;
  for (const re of PATTERNS) {
    out = out.replace(re, (m, p1: unknown) => {
      if (typeof p1 === 'string' && /^(bearer|basic)$/i.test(p1)) return `${p1} ${REDACTED}`;
      if (typeof p1 === 'string' && m.startsWith(p1)) return `${p1}${REDACTED}`;
      return REDACTED;
    });
  }
  return out;
}
